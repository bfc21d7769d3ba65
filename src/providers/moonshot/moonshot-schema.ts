import { ApiError } from '../../errors/api-error';
import { inlineSchemaRefs } from '../shared/inline-schema-refs';

/**
 * Moonshot checks tool parameters against its "Moonshot Flavored JSON Schema" (its validator,
 * MoonshotAI/walle) and refuses the whole request with 400 `invalid_request_error` "tools.function.
 * parameters is not a valid moonshot flavored json schema, details: <At path '…': …>" for schemas
 * OpenAI takes, so one MCP tool fails every turn. The refusals seen from the API:
 * - `type` beside `anyOf` ("when using anyOf, type should be defined in anyOf items instead of the
 *   parent schema"; a root `type: object` with `anyOf` is common in MCP tools), and a keyword
 *   other than description/title both beside `anyOf` and inside a branch ("conflicting keywords
 *   found in anyOf with parent");
 * - `type` beside `$ref` ("when using $ref, type should be defined in the referenced schema"), a
 *   `description` beside a `$ref` whose target has one ("conflicting keywords found after $ref
 *   expansion: description"), a reference not under `#/$defs/` (`#/definitions/…`);
 * - an `enum` without `type` ("type is not defined").
 * Each is rewritten to the same meaning: references inlined (shared/inline-schema-refs.ts), the
 * keywords beside `anyOf` moved into every branch (T ∧ (A ∨ B) = (T ∧ A) ∨ (T ∧ B); a branch whose
 * type the parent excludes is dropped), an enum's type read from its values. What cannot be moved
 * without changing the meaning is refused with 400 `unsupported_tool_schema` naming the keyword
 * and where it is, before the upstream is called.
 */
export function moonshotToolSchema(schema: unknown, param: string): unknown {
  return fix(inlineSchemaRefs(schema), { param, what: 'tool schema', at: 'root' });
}

/**
 * The schema of `response_format: {type: "json_schema"}` (structured outputs; a bridged Responses
 * `text.format` or Messages `output_format` arrives as one), which Moonshot checks as it checks
 * tool parameters: rewritten the same way, or refused with the same 400 `unsupported_tool_schema`.
 */
export function moonshotResponseSchema(schema: unknown, param: string): unknown {
  return fix(inlineSchemaRefs(schema), { param, what: 'structured-output schema', at: 'root' });
}

interface Where {
  /** The request field (`tools[0].function.parameters`). */
  param: string;
  /** What the schema is, in the refusal's words. */
  what: string;
  /** The path inside the schema, as Moonshot names it (`properties.x.items`). */
  at: string;
}

/** What may stay beside `anyOf`: annotations (walle's CommonKeywords) and the root-only keywords. */
const BESIDE_ANYOF = new Set(['anyOf', 'description', 'title', 'default', '$defs', 'definitions', '$id', '$schema', '$comment']);
/** Keywords whose value is a map of name -> schema. */
const SCHEMA_MAPS = ['properties', '$defs', 'definitions', 'patternProperties'];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
/** Keywords whose value is one schema. */
const SCHEMA_NODES = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'];

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);
const join = (at: string, key: string) => (at === 'root' ? key : `${at}.${key}`);

function fix(schema: unknown, where: Where): unknown {
  if (!isNode(schema)) return schema;
  let node: Node = { ...schema };
  if (Array.isArray(node.anyOf) && node.anyOf.every(isNode)) node = spreadIntoAnyOf(node, where);
  if (Array.isArray(node.enum) && node.type === undefined && node.anyOf === undefined && node.$ref === undefined) {
    const type = enumType(node.enum);
    if (type) node.type = type;
  }
  for (const k of SCHEMA_MAPS) {
    const map = node[k];
    if (isNode(map)) node[k] = Object.fromEntries(Object.entries(map).map(([name, s]) => [name, fix(s, { ...where, at: join(where.at, `${k}.${name}`) })]));
  }
  for (const k of SCHEMA_LISTS) {
    const list = node[k];
    if (Array.isArray(list)) node[k] = list.map((s, i) => fix(s, { ...where, at: join(where.at, `${k}.${i}`) }));
  }
  for (const k of SCHEMA_NODES) if (isNode(node[k])) node[k] = fix(node[k], { ...where, at: join(where.at, k) });
  return node;
}

/**
 * `{type, …, anyOf: [A, B]}` -> `{anyOf: [{type, …A}, {type, …B}]}`: `type` always moves (Moonshot
 * refuses it beside anyOf), another keyword when a branch has it too. `properties` and `required`
 * move together (Moonshot checks required names against the properties beside them).
 */
function spreadIntoAnyOf(node: Node, where: Where): Node {
  const branches = node.anyOf as Node[];
  const inBranch = (k: string) => branches.some((b) => k in b);
  const moving = new Set(Object.keys(node).filter((k) => !BESIDE_ANYOF.has(k) && (k === 'type' || inBranch(k))));
  if (moving.has('properties') || moving.has('required')) {
    for (const k of ['properties', 'required']) if (k in node) moving.add(k);
  }
  if (moving.size === 0) return node;
  // additionalProperties speaks of the properties beside it: moved apart, its meaning changes.
  if ((moving.has('properties') || moving.has('required')) && 'additionalProperties' in node && !moving.has('additionalProperties'))
    throw refusal(where, 'additionalProperties', 'beside anyOf whose branches have their own properties');
  const kept: Node[] = [];
  for (const branch of branches) {
    if ('$ref' in branch) throw refusal(where, [...moving][0]!, 'beside anyOf with a recursive $ref branch');
    const merged: Node = { ...branch };
    let possible = true;
    for (const k of moving) {
      const v = mergeKeyword(k, node[k], branch[k]);
      if (v === CONFLICT) throw refusal(where, k, 'both beside anyOf and, with another value, inside a branch');
      if (v === EMPTY) possible = false;
      else merged[k] = v;
    }
    if (possible) kept.push(merged);
  }
  if (kept.length === 0) throw refusal(where, 'type', 'beside anyOf excludes every branch');
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) if (!moving.has(k)) out[k] = v;
  out.anyOf = kept;
  return out;
}

const CONFLICT = Symbol('conflict');
/** A type intersection with nothing in it: the branch can never match. */
const EMPTY = Symbol('empty');

/** The parent's value of `k` laid over a branch's (undefined: the branch has none). */
function mergeKeyword(k: string, parent: unknown, branch: unknown): unknown {
  if (branch === undefined) return parent;
  if (same(parent, branch)) return branch;
  if (k === 'type') {
    const p = new Set(typeList(parent));
    // integer is a number: their intersection is integer.
    const meet = (t: string) => (p.has(t) ? t : (t === 'integer' && p.has('number')) || (t === 'number' && p.has('integer')) ? 'integer' : null);
    const both = [...new Set(typeList(branch).map(meet).filter((t) => t !== null))];
    if (both.length === 0) return EMPTY;
    return both.length === 1 ? both[0] : both;
  }
  if (k === 'required' && Array.isArray(parent) && Array.isArray(branch)) return [...new Set([...parent, ...branch])];
  if (k === 'properties' && isNode(parent) && isNode(branch)) {
    const out: Node = { ...parent };
    for (const [name, s] of Object.entries(branch)) {
      const p = out[name];
      if (p === undefined || (isNode(p) && Object.keys(p).length === 0)) out[name] = s;
      else if (!(isNode(s) && Object.keys(s).length === 0) && !same(p, s)) return CONFLICT;
    }
    return out;
  }
  return CONFLICT;
}

const typeList = (t: unknown): string[] => (Array.isArray(t) ? t.map(String) : [String(t)]);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** An enum's type from its values, when they are of one JSON type (null allowed beside it); else undefined. */
function enumType(values: unknown[]): string | string[] | undefined {
  const types = new Set<string>();
  for (const v of values) {
    if (v === null) types.add('null');
    else if (typeof v === 'string') types.add('string');
    else if (typeof v === 'boolean') types.add('boolean');
    else if (typeof v === 'number') types.add(Number.isInteger(v) ? 'integer' : 'number');
    else return undefined;
  }
  if (types.has('number')) types.delete('integer');
  const nullable = types.delete('null');
  if (types.size !== 1) return undefined;
  const [t] = types;
  return nullable ? [t!, 'null'] : t;
}

function refusal(where: Where, keyword: string, why: string): ApiError {
  return new ApiError({
    status: 400,
    message: `Moonshot (Kimi) refuses this ${where.what} and the gateway cannot rewrite it to the same meaning: '${keyword}' at '${where.at}' is ${why}. Restructure the schema (put '${keyword}' inside each anyOf branch).`,
    code: 'unsupported_tool_schema',
    param: where.param,
  });
}
