import { badRequest } from '../errors/api-error';
import { prototypeKeyPath } from '../security/prototype-keys';
import { decodeUtf8 } from './request-validation-body';

/**
 * The admin API's JSON bodies must be UTF-8. Elysia reads them with `request.json()`, which turns
 * bytes that are not UTF-8 into U+FFFD: a name or a key sent so would be stored silently changed.
 * Here (an onRequest hook, before Elysia parses) such a body is a 400 `invalid_encoding`, as on
 * /v1; Elysia then parses the body as usual, so its OpenAPI document keeps the routes' body
 * schemas (a parse hook of our own would hide them). Other content types (the dashboard's forms)
 * and other paths are left alone. Admin traffic only: the body is read twice.
 */
export async function refuseNonUtf8AdminJson({ request }: { request: Request }): Promise<void> {
  if (!request.body) return;
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim())) return;
  const path = new URL(request.url).pathname;
  if (!path.startsWith('/api/')) return;
  decodeUtf8(await request.clone().bytes());
}

/** A body holding such a key is a 400 naming it (a transform hook: after parsing, before the body check). */
export function refusePrototypeKeys({ body }: { body: unknown }): void {
  const found = prototypeKeyPath(body);
  const path = found && found.length > 200 ? `…${found.slice(-200)}` : found;
  if (path) throw badRequest(`The key '${path.split('.').pop()}' is not allowed in a request body (at ${path}).`, path);
}
