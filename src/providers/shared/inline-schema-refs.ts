/**
 * A tool's JSON Schema with its local `$ref`s (`#/$defs/X`, `#/definitions/X`, any `#/…` pointer,
 * as MCP servers built on pydantic or zod emit them) replaced by what they point at, for the
 * providers that take references only in part. Gemini (`parametersJsonSchema`) refuses a `$ref` with siblings other than `description`
 * and `default` ("If a schema node has $ref set, then only description and default can be set
 * alongside it"), and has failed to resolve `$defs` references inside `anyOf` ("reference to
 * undefined schema"), so one MCP tool would fail every Claude Code turn; Moonshot's refusals are in
 * moonshot/moonshot-schema.ts. Siblings of a `$ref`
 * are laid over its target. A recursive reference cannot be inlined: it stays, and so do the
 * definitions it needs. A schema without `$ref` is returned as it is.
 */
export function inlineSchemaRefs(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || !JSON.stringify(schema).includes('"$ref"')) return schema;
  const root = schema as Record<string, unknown>;
  let budget = MAX_NODES;
  let keptRef = false;

  const walk = (node: unknown, resolving: readonly string[]): unknown => {
    if (--budget < 0) throw TOO_BIG;
    if (Array.isArray(node)) return node.map((x) => walk(x, resolving));
    if (!node || typeof node !== 'object') return node;
    const { $ref: ref, ...rest } = node as Record<string, unknown>;
    const target = typeof ref === 'string' && ref.startsWith('#') && !resolving.includes(ref) ? pointer(root, ref) : undefined;
    if (ref !== undefined && target === undefined) keptRef = true;
    const out: Record<string, unknown> = {};
    if (target !== undefined) Object.assign(out, walk(target, [...resolving, ref as string]));
    else if (ref !== undefined) out.$ref = ref;
    for (const [k, v] of Object.entries(rest)) out[k] = walk(v, resolving);
    return out;
  };

  try {
    // The definitions are only there to be referred to: once every reference is inlined they
    // go; when one stays, they stay as they came.
    const { $defs, definitions, ...body } = root;
    const out = walk(body, []) as Record<string, unknown>;
    return keptRef ? { ...out, ...($defs === undefined ? {} : { $defs }), ...(definitions === undefined ? {} : { definitions }) } : out;
  } catch (e) {
    if (e === TOO_BIG) return schema;
    throw e;
  }
}

/** Inlining repeats a definition at each use; past this many nodes the schema goes as it came. */
const MAX_NODES = 20_000;
const TOO_BIG = new Error('schema too big to inline');

/** A JSON pointer fragment (`#/a/b~1c`, percent-encoded or not) in `root`; undefined when it names nothing. */
function pointer(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
