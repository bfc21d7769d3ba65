/**
 * The dashboard's JSX runtime: Kita's, with every string attribute of an HTML element escaped
 * whole. Kita escapes only `"` in attribute values, so a name saved as `R&amp;D` would reach the
 * browser as `value="R&amp;D"` and be read back as `R&D`: shown wrong in titles, inputs and the
 * monitor's JSON seed, and saved wrong from an edit form. Escaped here first (`&`, `<`, `>`, both
 * quotes), the value has no `"` left for Kita to touch. Files select it with
 * `@jsxImportSource #html` (package.json "imports").
 */
import { Fragment, jsx as kitaJsx, jsxs as kitaJsxs } from '@kitajs/html/jsx-runtime';

/** Kita's own keys (`safe`, `of`, `children`) and `style`/`attrs`, which Kita writes as given, stay as they are. */
const AS_GIVEN = new Set(['children', 'safe', 'of', 'style', 'attrs']);
const NEEDS_ESCAPE = /[&<>"']/;
// `"` as Kita writes it (`&#34;`), so markup reads the same wherever the value had no `&`, `<` or `>`.
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const escapeValue = (v: string) => v.replace(/[&<>"']/g, (c) => ENTITY[c]!);

function escapeAttributes<A extends Record<string, unknown>>(attrs: A): A {
  let out: Record<string, unknown> | null = null;
  for (const key in attrs) {
    const v = attrs[key];
    if (typeof v !== 'string' || AS_GIVEN.has(key) || !NEEDS_ESCAPE.test(v)) continue;
    (out ??= { ...attrs })[key] = escapeValue(v);
  }
  return (out ?? attrs) as A;
}

export const jsx: typeof kitaJsx = (name, attrs) => kitaJsx(name, typeof name === 'string' ? escapeAttributes(attrs) : attrs);
export const jsxs: typeof kitaJsxs = (name, attrs) => kitaJsxs(name, typeof name === 'string' ? escapeAttributes(attrs) : attrs);
export { Fragment };
