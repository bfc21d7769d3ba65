// Files imported with `with { type: 'text' }` (embedded migrations) and `with { type: 'file' }`
// (embedded web assets) — Bun resolves them; TypeScript only needs to know their shape.
declare module '*.sql' {
  const text: string;
  export default text;
}
declare module '*.js' {
  const path: string;
  export default path;
}
declare module '*.css' {
  const path: string;
  export default path;
}
declare module '*.tiktoken' {
  const path: string;
  export default path;
}
