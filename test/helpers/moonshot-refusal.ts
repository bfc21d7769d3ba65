/**
 * What Moonshot's (Kimi's) "Moonshot Flavored JSON Schema" validator (MoonshotAI/walle) refuses
 * that OpenAI's takes, in walle's words, for fake Kimi upstreams: tool parameters and
 * `response_format` schemas alike. Also the `sameMeaning` check of a rewritten schema.
 */
import { expect } from 'bun:test';
import Ajv from 'ajv';

export type Node = Record<string, any>;
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);

/** The refusals Moonshot's validator makes that OpenAI's does not (walle's messages); null: accepted. */
export function moonshotRefusal(root: Node): string | null {
  const walk = (n: unknown, at: string): string | null => {
    if (!isNode(n)) return null;
    const here = (msg: string) => `<At path '${at}': ${msg}>`;
    if ('type' in n && 'anyOf' in n) return here('when using anyOf, type should be defined in anyOf items instead of the parent schema');
    if ('type' in n && '$ref' in n) return here('when using $ref, type should be defined in the referenced schema instead of the parent schema');
    if (typeof n.$ref === 'string' && n.$ref !== '#') {
      if (!n.$ref.startsWith('#/$defs/')) return here('references must start with #/$defs/');
      if ('description' in n && root.$defs?.[n.$ref.slice(8)]?.description !== undefined) return here('conflicting keywords found after $ref expansion: description');
    }
    if ('enum' in n && !('type' in n)) return here('type is not defined');
    if (Array.isArray(n.anyOf)) {
      const both = Object.keys(n).filter((k) => k !== 'anyOf' && k !== 'description' && k !== 'title' && n.anyOf.some((b: Node) => k in b));
      if (both.length) return here(`conflicting keywords found in anyOf with parent: keywords (${both.sort().join(', ')}) are defined on the parent schema and inside anyOf; remove them from the parent or from anyOf branches`);
    }
    if (Array.isArray(n.required)) for (const r of n.required) if (!(r in (n.properties ?? {}))) return here(`required property '${r}' is not defined in properties`);
    const join = (k: string) => (at === 'root' ? k : `${at}.${k}`);
    for (const k of ['properties', '$defs']) for (const [name, s] of Object.entries(isNode(n[k]) ? n[k] : {})) {
      const r = walk(s, join(`${k}.${name}`));
      if (r) return r;
    }
    for (const [i, s] of (Array.isArray(n.anyOf) ? n.anyOf : []).entries()) {
      const r = walk(s, join(`anyOf.${i}`));
      if (r) return r;
    }
    for (const k of ['items', 'additionalProperties']) {
      const r = walk(n[k], join(k));
      if (r) return r;
    }
    return null;
  };
  return walk(root, 'root');
}

/** The same verdict from both schemas on every instance (the rewrite kept the meaning). */
export function sameMeaning(sent: Node, got: Node, instances: unknown[]) {
  const ajv = new Ajv({ strict: false });
  const a = ajv.compile(sent);
  const b = ajv.compile(got);
  for (const x of instances) expect({ x, ok: b(x) }).toEqual({ x, ok: a(x) });
}
