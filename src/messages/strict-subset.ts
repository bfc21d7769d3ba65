/**
 * Whether a JSON Schema is within what OpenAI-style strict mode compiles (`strict: true` on a
 * `json_schema` response format or a function): an object at the root, and every object closed
 * (`additionalProperties: false`) with every property in `required`. Claude's structured outputs
 * and strict tools take optional properties (`required` naming only some, as @anthropic-ai/sdk's
 * jsonSchemaOutputFormat and zodOutputFormat send them), which OpenAI refuses in strict mode
 * ("'required' is required to be supplied and to be an array including every key in
 * properties"); the bridge asks for strict only where the schema fits. Pure; plain loops.
 */
export function fitsStrictSubset(schema: unknown): boolean {
  return isNode(schema) && schema.type === 'object' && closed(schema);
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);

/** Keywords holding one subschema, and those holding a list or a map of them. */
const ONE = ['items', 'additionalProperties', 'not'] as const;
const LIST = ['anyOf', 'allOf', 'oneOf', 'prefixItems'] as const;
const MAP = ['properties', '$defs', 'definitions'] as const;

function closed(node: Node): boolean {
  const isObject = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || isNode(node.properties);
  if (isObject) {
    if (node.additionalProperties !== false) return false;
    const required = Array.isArray(node.required) ? node.required : [];
    if (isNode(node.properties)) for (const k of Object.keys(node.properties)) if (!required.includes(k)) return false;
  }
  for (const k of ONE) if (isNode(node[k]) && !closed(node[k] as Node)) return false;
  for (const k of LIST) {
    const list = node[k];
    if (Array.isArray(list)) for (const s of list) if (isNode(s) && !closed(s)) return false;
  }
  for (const k of MAP) {
    const map = node[k];
    if (isNode(map)) for (const s of Object.values(map)) if (isNode(s) && !closed(s)) return false;
  }
  return true;
}
