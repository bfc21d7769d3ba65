/**
 * A deterministic value that fits a JSON schema, for the mock provider's structured outputs and
 * tool-call arguments: the SDKs' helpers (`zodResponseFormat`, `withStructuredOutput`,
 * `Output.object`) parse and validate what they get, so an echo in prose would fail them.
 * Covers what those helpers generate: objects (every property, strict mode asks for all), arrays
 * (`minItems` items), `enum` / `const` (the first value), numbers within `minimum`, strings of at
 * least `minLength`, `anyOf` / `oneOf` (the first branch), local `$ref`s.
 */

/** Past this depth (a recursive schema) the value is `null`. */
const MAX_DEPTH = 8;
/** Values made for one schema at most (a schema whose every property refers back to itself grows exponentially); past it, `null`. */
const MAX_VALUES = 10_000;
/** The most items of an array and characters of a string made, whatever `minItems` / `minLength` ask. */
const MAX_ITEMS = 100;
const MAX_CHARS = 10_000;

/** Strings of the formats the SDKs' validators check (zod's `.email()`, `.uuid()`, `.datetime()`, …). */
const FORMATTED: Record<string, string> = {
  email: 'echo@example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
  'date-time': '1970-01-01T00:00:00Z',
  date: '1970-01-01',
  time: '00:00:00',
  uri: 'https://example.com/',
  url: 'https://example.com/',
};

export function schemaExample(schema: unknown, text: string): unknown {
  return example(schema, { root: schema, text, left: MAX_VALUES }, 0);
}

/** What one schemaExample call walks with: the schema's root (for `$ref`s), the text, the values it may still make. */
interface Walk {
  root: unknown;
  text: string;
  left: number;
}

function resolveRef(root: any, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: any = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    node = node?.[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

function example(schema: any, w: Walk, depth: number): unknown {
  if (depth > MAX_DEPTH || --w.left < 0 || schema === null || typeof schema !== 'object') return null;
  if (typeof schema.$ref === 'string') return example(resolveRef(w.root, schema.$ref), w, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const branch = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branch) && branch.length) return example(branch[0], w, depth + 1);
  if (Array.isArray(schema.allOf) && schema.allOf.length) return example(Object.assign({}, ...schema.allOf), w, depth + 1);
  // `type: ['string', 'null']` (nullable): the first type that is not null.
  const type = Array.isArray(schema.type) ? (schema.type.find((t: unknown) => t !== 'null') ?? 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : schema.items ? 'array' : 'string')) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(schema.properties ?? {})) out[name] = example(sub, w, depth + 1);
      return out;
    }
    case 'array': {
      const n = Number.isInteger(schema.minItems) && schema.minItems > 0 ? Math.min(schema.minItems, MAX_ITEMS) : 1;
      return Array.from({ length: n }, () => example(schema.items, w, depth + 1));
    }
    case 'integer':
      return typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 0;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default: {
      if (typeof schema.format === 'string' && schema.format in FORMATTED) return FORMATTED[schema.format];
      const min = Number.isInteger(schema.minLength) ? Math.min(schema.minLength, MAX_CHARS) : 0;
      const max = Number.isInteger(schema.maxLength) ? schema.maxLength : Infinity;
      return w.text.padEnd(min, '.').slice(0, max);
    }
  }
}
