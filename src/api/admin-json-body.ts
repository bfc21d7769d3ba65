import { badRequest } from '../errors/api-error';
import { decodeUtf8 } from './request-validation-body';

/**
 * The admin API's JSON body parser (an Elysia parse hook). Elysia's own reads the body with
 * `request.json()`, which turns bytes that are not UTF-8 into U+FFFD: a name or a key sent so
 * would be stored silently changed. Here they are a 400 `invalid_encoding`, as on /v1. Other
 * content types (the dashboard's forms) are left to Elysia's parsers. Errors thrown here reach
 * the error handler inside Elysia's ParseError (its `cause`).
 */
export async function parseAdminJson({ request, contentType }: { request: Request; contentType: string }): Promise<unknown> {
  if (!/^application\/([\w.+-]+\+)?json$/i.test(contentType.trim())) return undefined;
  const text = decodeUtf8(await request.bytes());
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.', null, 'invalid_json');
  }
}
