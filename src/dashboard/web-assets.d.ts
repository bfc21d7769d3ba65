// The dashboard's own embedded files (web/), imported `with { type: 'file' }` as paths.
declare module '*.svg' {
  const path: string;
  export default path;
}
