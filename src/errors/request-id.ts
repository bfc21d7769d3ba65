import type { ApiError } from './api-error';

/**
 * Puts the request's id on its error answer as `x-request-id`, as OpenAI does on every answer
 * (errors included), so a failed request can be found in the logs by it. Errors are made per
 * request, so the error's own header map is written.
 */
export function withRequestId<E extends ApiError>(err: E, requestId: string): E {
  err.headers['x-request-id'] = requestId;
  return err;
}
