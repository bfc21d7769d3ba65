import { ApiError } from '../../errors/api-error';
import { inlineSchemaRefs } from '../shared/inline-schema-refs';

/**
 * A `json_schema` response format's schema made the JSON Schema subset Claude's structured outputs
 * (`output_config.format`) compile. Anthropic's documented limits: every object needs
 * `additionalProperties: false`; no recursive or external `$ref`; no numeric bounds (`minimum`,
 * `maximum`, `exclusive*`, `multipleOf`), string lengths, `maxItems`, `minItems` above 1,
 * `uniqueItems`, `contains`, tuples, dependencies; only some string formats. Rewritten as
 * Anthropic's own SDKs rewrite them (`transformJSONSchema` in @anthropic-ai/sdk): local references
 * inlined, `oneOf` as `anyOf`, `additionalProperties: false` on objects that declare their
 * properties (any answer is then one the client's schema allows too), and every keyword Claude
 * cannot enforce kept as text in the node's `description` (`{minimum: 0, maximum: 120}`), so the
 * model still reads it; the client's parser (zod in `chat.completions.parse`, the AI SDK's
 * schema) checks the answer as it would anyway. `pattern` goes there too: Claude takes simple
 * patterns only and the gateway cannot tell which ones.
 *
 * What cannot be rewritten is a `problem` (the caller decides: the forced-tool path or a 400): a
 * reference that stays (recursive, external) and an object that declares no properties but takes
 * others (a map, `z.record`), which `additionalProperties: false` would turn into `{}` only.
 */
export function anthropicOutputSchema(schema: Record<string, unknown>, param: string): { schema: Record<string, unknown> } | { problem: ApiError } {
  try {
    return { schema: rewrite(inlineSchemaRefs(schema), param, 'root') as Record<string, unknown> };
  } catch (e) {
    if (e instanceof ApiError) return { problem: e };
    throw e;
  }
}

/** Keywords Claude takes as they are. */
const KEPT = new Set(['type', 'description', 'title', 'const', 'enum', 'default', 'required']);
/** Annotations with no bearing on the answer: left out. Unused definitions (no `$ref` left) too. */
const DROPPED = new Set(['$schema', '$id', '$comment', '$defs', 'definitions']);
/** Anthropic's supported string formats (others are ignored by the API, so they go to the description). */
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);
const join = (at: string, key: string) => (at === 'root' ? key : `${at}.${key}`);

function rewrite(node: unknown, param: string, at: string): unknown {
  if (!isNode(node)) return node;
  const out: Node = {};
  const notes: [string, unknown][] = [];
  let oneOf: unknown[] | undefined;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref') throw refusal(param, at, `'$ref' ${JSON.stringify(v)} is recursive or not local, and Claude's structured outputs take no recursive schemas`);
    if (KEPT.has(k)) out[k] = v;
    else if (DROPPED.has(k) || k === 'additionalProperties') continue;
    else if (k === 'properties' && isNode(v)) out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, rewrite(s, param, join(at, `properties.${name}`))]));
    else if (k === 'items' && isNode(v)) out.items = rewrite(v, param, join(at, 'items'));
    else if ((k === 'anyOf' || k === 'allOf') && Array.isArray(v)) out[k] = v.map((s, i) => rewrite(s, param, join(at, `${k}.${i}`)));
    // Claude has no oneOf; anyOf is the same list of shapes, without the "exactly one" check.
    else if (k === 'oneOf' && Array.isArray(v)) oneOf = v.map((s, i) => rewrite(s, param, join(at, `oneOf.${i}`)));
    else if (k === 'minItems' && (v === 0 || v === 1)) out.minItems = v;
    else if (k === 'format' && typeof v === 'string' && FORMATS.has(v)) out.format = v;
    else notes.push([k, v]);
  }
  if (oneOf && out.anyOf === undefined) out.anyOf = oneOf;
  else if (oneOf) out.allOf = [...((out.allOf as unknown[] | undefined) ?? []), { anyOf: oneOf }];
  if (isObjectNode(node)) {
    const declared = isNode(node.properties) && Object.keys(node.properties).length > 0;
    if (!declared && node.additionalProperties !== false) {
      throw refusal(param, at, "an object that declares no properties but takes any (a map or free-form object): Claude's structured outputs need every object's properties listed (additionalProperties false)");
    }
    out.additionalProperties = false;
  } else if (node.additionalProperties !== undefined) notes.push(['additionalProperties', node.additionalProperties]);
  if (notes.length) {
    const text = `{${notes.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
    out.description = typeof out.description === 'string' && out.description ? `${out.description}\n\n${text}` : text;
  }
  return out;
}

/** A node that describes an object: its `type` says so, or it lists properties. */
function isObjectNode(node: Node): boolean {
  const t = node.type;
  return t === 'object' || (Array.isArray(t) && t.includes('object')) || (t === undefined && isNode(node.properties));
}

function refusal(param: string, at: string, why: string): ApiError {
  return new ApiError({
    status: 400,
    message: `The gateway cannot rewrite this structured-output schema to the JSON Schema subset Claude's structured outputs take: at '${at}', ${why}. Without tools and thinking it goes as a forced tool instead; with them, restructure the schema.`,
    code: 'unsupported_tool_schema',
    param,
  });
}
