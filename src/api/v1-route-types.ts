/**
 * What a /v1 endpoint is to the table that serves it (v1-routes.ts): a handler of the request and
 * its OpenAPI entry. The endpoint files and openai-request.ts build them; v1-routes.ts serves them.
 */
import type { DocumentDecoration } from 'elysia';
import type { AnswerKey } from '../limits/answer-rate-headers';

/** What a /v1 handler may use of the server: lifting the socket idle limit for a long answer. */
export type V1Server = { timeout(request: Request, seconds: number): void } | null;

/**
 * A /v1 endpoint's handler: a plain function of the request. `key` starts empty; the handler fills
 * it in once the client key is known good, so its answer, whatever ends it, gets the key's rate headers.
 */
export type V1Handler = (request: Request, server: V1Server, key: AnswerKey) => Response | Promise<Response>;

/** One /v1 endpoint: its handler and its entry in the OpenAPI document. */
export interface V1Route {
  handler: V1Handler;
  detail: DocumentDecoration;
}
