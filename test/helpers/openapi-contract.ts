/**
 * Checks one live HTTP answer against what /swagger/json says of that operation: its status is
 * listed, its content type is one the status documents, its body validates (Ajv, draft 2020-12)
 * against the documented schema, and every header the status marks required is there.
 *
 *   const contract = openApiContract(doc);
 *   contract.problems('GET /api/clients/{id}', res, body) -> [] when the answer is as documented
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import { createApp } from '../../src/app';
import { v1Routes } from '../../src/api/v1-routes';
import type { AppContext } from '../../src/context';

export type OpenApiDoc = { paths: Record<string, Record<string, any>>; [k: string]: unknown };

/** `METHOD /path` of every operation in the document, in its order, with the operation. */
export function operations(doc: OpenApiDoc): [string, any][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, op]): [string, any] => [`${m.toUpperCase()} ${path}`, op]));
}

/** The media type of a content-type header (`application/json; charset=utf-8` -> `application/json`). */
const mediaType = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/** JSON Pointer escaping of one segment. */
const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** `schema` with every object that lists its properties closed to others (`additionalProperties: false` where unset). */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v)]));
  return 'properties' in out && !('additionalProperties' in out) ? { ...out, additionalProperties: false } : out;
}

/**
 * `closedPaths`: the paths whose answers must not carry a field their schema does not list (a
 * client generated from the document would drop it); the others (/v1, OpenAI's and Anthropic's
 * objects, which grow) may.
 */
export function openApiContract(doc: OpenApiDoc, closedPaths: RegExp = /^\/(api\/|health$)/) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
  const paths = Object.fromEntries(Object.entries(doc.paths).map(([p, item]) => [p, closedPaths.test(p) ? closed(item) : item]));
  ajv.addSchema({ ...doc, paths } as object, 'doc');
  const compiled = new Map<string, ValidateFunction>();
  const validator = (at: string) => {
    let v = compiled.get(at);
    if (!v) compiled.set(at, (v = ajv.compile({ $ref: `doc#${at}` })));
    return v;
  };

  /**
   * What is wrong with one answer of `op` (`METHOD /path` as in the document); `body` is the text
   * read from `res`. An empty list: the answer is what the document promises.
   */
  function problems(op: string, res: Response, body: string): string[] {
    const [method, path] = op.split(' ') as [string, string];
    const operation = doc.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${op}: not in the document`];
    const status = String(res.status);
    const answer = operation.responses?.[status] ?? operation.responses?.default;
    const label = `${op} -> ${status}`;
    if (!answer) return [`${label}: status not documented (${body.slice(0, 160)})`];
    const out: string[] = [];
    for (const [name, h] of Object.entries<any>(answer.headers ?? {}))
      if (h.required && !res.headers.has(name)) out.push(`${label}: documented header ${name} missing`);
    const content: Record<string, any> = answer.content ?? {};
    const type = mediaType(res.headers.get('content-type'));
    if (!Object.keys(content).length) return body ? [...out, `${label}: a ${type} body where none is documented`] : out;
    if (!(type in content)) return [...out, `${label}: content-type ${type || '(none)'} is not one of ${Object.keys(content).join(', ')}`];
    if (type !== 'application/json') return out;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return [...out, `${label}: body is not JSON: ${body.slice(0, 80)}`];
    }
    const v = validator(`/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/${pointer(type)}/schema`);
    if (!v(value)) {
      const errors = [...new Set((v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`))];
      out.push(`${label}: body does not match the schema: ${errors.slice(0, 4).join('; ')} (${body.slice(0, 160)})`);
    }
    return out;
  }

  /** What the document's request body schema of `op` says against `body` (empty: it accepts it). */
  function bodyProblems(op: string, body: unknown): string[] {
    const [method, path] = op.split(' ') as [string, string];
    if (!doc.paths[path]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']) return [`${op}: documents no JSON body`];
    const v = validator(`/paths/${pointer(path)}/${method.toLowerCase()}/requestBody/content/application~1json/schema`);
    return v(body) ? [] : [`${op}: the document refuses the body ${JSON.stringify(body).slice(0, 100)}: ${(v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`];
  }

  return { problems, bodyProblems };
}

/** A value `schema` refuses (Ajv's word), from a few of every kind; undefined when it takes them all. */
const fieldAjv = new Ajv2020({ strict: false, logger: false });
export function outside(schema: object): unknown {
  const refuses = (v: unknown) => !fieldAjv.validate(schema, v);
  const long = 'maxLength' in schema && (schema.maxLength as number) < 10_000 ? ['x'.repeat((schema.maxLength as number) + 1)] : []; // longer: the body cap answers first
  return ['zz-not-valid', 12345, 1.5, -1, 1e9, [], {}, true, ...long].find(refuses);
}

/** Every property name a schema holds, at any depth. */
export const namesIn = (schema: unknown, out = new Set<string>()): Set<string> => {
  if (Array.isArray(schema)) schema.forEach((v) => namesIn(v, out));
  else if (schema && typeof schema === 'object')
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties') Object.keys(v as object).forEach((n) => out.add(n));
      namesIn(v, out);
    }
  return out;
};
/** The field names of INTERFACE.md's `{a, b?, c: {d}}` (not quoted values, not `<id>` placeholders). */
export const namesOf = (braces: string) => [...braces.matchAll(/(?<=[{,[]\s*)([a-z_][a-z0-9_]*)\??\s*(?=[,}:\]])/g)].map((m) => m[1]!);

/** OpenAPI's `{param}` form of a router path; `/v1/models/*` is documented as `/v1/models/{model}`. */
const openapiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{model}');

/** Every operation the app serves, as `METHOD /path/{param}` (a WebSocket route as GET). */
export const servedOperations = (ctx: AppContext): string[] => [
  ...createApp(ctx).routes.map((r) => `${r.method === 'WS' ? 'GET' : r.method} ${openapiPath(r.path)}`),
  ...Object.entries(v1Routes(ctx)).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${openapiPath(path)}`)),
];
