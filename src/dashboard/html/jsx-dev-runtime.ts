/** The development entry of the dashboard's JSX runtime (./jsx-runtime.ts): the same functions. */
export { Fragment, jsx, jsx as jsxDEV, jsxs } from './jsx-runtime';
