// Files imported with `with { type: 'text' }` (embedded migrations) and `with { type: 'file' }`
// (embedded web assets) — Bun resolves them; TypeScript only needs to know their shape.
declare module '*.sql' {
  const text: string;
  export default text;
}
