import { badRequest } from '../errors/api-error';
import { jsonProblem } from '../errors/json-problem';
import { prototypeKeyPath } from '../security/prototype-keys';
import { refuseJsonShape } from './json-depth';
import { decodeUtf8, refuseNonJsonHeaders } from './request-validation-body';

/**
 * The admin API takes JSON bodies only, as /v1 does (an onRequest hook, before Elysia parses):
 * - a declared non-JSON content type (a form, multipart, text) or a Content-Encoding is a 400
 *   `unsupported_content_type` / `unsupported_content_encoding` (refuseNonJsonHeaders). Elysia
 *   would parse a form as fields and a text body as a string: `PATCH /api/clients/{id}` with a
 *   `text/plain` JSON text answered 200 and changed nothing, and a gzip body was "not valid UTF-8".
 * - a JSON type Elysia does not recognise (`Application/JSON`, `application/merge-patch+json`)
 *   or none at all is relabelled `application/json`, so it is parsed as the JSON it is rather
 *   than refused with "Expected object".
 * - the body must be UTF-8. Elysia reads it with `request.json()`, which turns bytes that are not
 *   UTF-8 into U+FFFD: a name or a key sent so would be stored silently changed. Such a body is
 *   a 400 `invalid_encoding`, as on /v1.
 * - nesting past MAX_JSON_DEPTH is a 400 `invalid_json` found in the bytes before any parse (refuseJsonShape).
 * - malformed JSON is a 400 `invalid_json` saying what is wrong and where (jsonProblem).
 * Elysia then parses the body as usual, so its OpenAPI document keeps the routes' body schemas (a
 * parse hook of our own would hide them). Other paths (the dashboard's forms) are left alone; an
 * empty body (`Content-Length: 0`, e.g. `curl -d ''` on a bodiless route) is no body. Admin
 * traffic only: the body is read twice.
 */
export async function refuseNonUtf8AdminJson({ request }: { request: Request }): Promise<void> {
  if (!request.body || request.headers.get('content-length') === '0') return;
  const path = new URL(request.url).pathname;
  if (!path.startsWith('/api/')) return;
  refuseNonJsonHeaders(request);
  if (request.headers.get('content-type') !== 'application/json') request.headers.set('content-type', 'application/json');
  const bytes = await request.clone().bytes();
  // Nesting past MAX_JSON_DEPTH is refused from the bytes, before any parse: the sign-in is
  // anonymous, and its 1 MB of `[` would otherwise be parsed here and by Elysia first.
  refuseJsonShape(bytes);
  const text = decodeUtf8(bytes);
  // Parsed here as well so malformed JSON is told in words with where (Elysia's parse error says
  // neither); a blank body is left to the route, as before.
  if (!text.trim()) return;
  try {
    JSON.parse(text);
  } catch {
    throw badRequest(`The request body is not valid JSON: ${jsonProblem(text)}`, null, 'invalid_json');
  }
}

/** A body holding such a key is a 400 naming it (a transform hook: after parsing, before the body check). */
export function refusePrototypeKeys({ body }: { body: unknown }): void {
  const found = prototypeKeyPath(body);
  const path = found && found.length > 200 ? `…${found.slice(-200)}` : found;
  if (path) throw badRequest(`The key '${path.split('.').pop()}' is not allowed in a request body (at ${path}).`, path);
}

/** The body schema a route declared, found by method and the route pattern the router matched. */
export type BodySchemaOf = (method: string, route: string) => unknown;

/**
 * Builds BodySchemaOf from an app's route table, read on first use (after every route is added).
 * One place for every admin route: a route added later is covered without edits.
 */
export function bodySchemaLookup(app: { routes: { method: string; path: string; hooks: { body?: unknown } }[] }): BodySchemaOf {
  let table: Map<string, unknown> | undefined;
  return (method, route) => {
    table ??= new Map(app.routes.map((r) => [`${r.method} ${r.path}`, r.hooks?.body]));
    return table.get(`${method} ${route}`);
  };
}

/**
 * A top-level field the route's body schema does not name is a 400 naming it (a transform hook,
 * before the body check). Elysia would drop it silently: `{"revoked": false}` or a typo such as
 * `budgetUsd` answered 200 while nothing changed. A schema with `additionalProperties: true`
 * documents that it takes extra fields and is left alone. A body that is JSON but no object
 * (`1`, `"x"`, `[]`) is a 400 too: Elysia's check let it through, and a PATCH answered 200 as if
 * it were `{}`. So is a field whose schema is an object (`settings`) given anything but a JSON
 * object: Elysia's check turned `"zz"` into `{"0":"z","1":"z"}` and `[1]` into `{"0":1}`, and stored that.
 */
export function refuseUnknownFields(schemaOf: BodySchemaOf) {
  return ({ body, route, request }: { body: unknown; route: string; request: Request }): void => {
    if (body === undefined || body === null) return;
    const schema = schemaOf(request.method, route) as { type?: string; properties?: Record<string, unknown>; additionalProperties?: unknown } | undefined;
    if (!schema || schema.type !== 'object') return;
    if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.', null);
    if (!schema.properties || schema.additionalProperties === true) return;
    const known = Object.keys(schema.properties);
    const unknown = Object.keys(body).find((k) => !Object.hasOwn(schema.properties!, k));
    if (unknown === undefined) return refuseNonObjects(schema.properties, body as Record<string, unknown>);
    const shown = unknown.length > 100 ? `${unknown.slice(0, 100)}…` : unknown;
    throw badRequest(`Unknown field '${shown}': this endpoint takes only ${known.map((k) => `'${k}'`).join(', ')}.`, shown, 'unknown_field');
  };
}

/**
 * A field whose schema is an object (a record: `settings`) must be given one, or null where the
 * schema is the object or null (t.Nullable: an `anyOf` of the two), which the check lets through as
 * it stands: Elysia's check turns a string under either into an object as well.
 */
function refuseNonObjects(properties: Record<string, unknown>, body: Record<string, unknown>): void {
  for (const [k, field] of Object.entries(properties)) {
    const v = body[k];
    const kind = objectField(field);
    if (v === undefined || !kind || (v === null && kind === 'object or null')) continue;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`Invalid value for '${k}': must be a JSON object${kind === 'object or null' ? ' or null' : ''}.`, k);
  }
}

/** Whether a field's schema is an object, or an object or null (t.Nullable of one); else undefined. */
function objectField(field: unknown): 'object' | 'object or null' | undefined {
  const f = field as { type?: unknown; anyOf?: { type?: unknown }[] };
  if (f.type === 'object') return 'object';
  const types = Array.isArray(f.anyOf) ? f.anyOf.map((s) => s?.type) : [];
  return types.length === 2 && types.includes('object') && types.includes('null') ? 'object or null' : undefined;
}
