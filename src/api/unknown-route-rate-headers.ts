import type { AppContext } from '../context';
import { clientOf } from './openai-request';
import { speaksAnthropic } from './anthropic-client';
import { withRateHeaders } from '../limits/answer-rate-headers';

/**
 * The 404 of an unknown /v1 route (`POST /v1/images/edits`, `GET /v1/chat/completions`) as it
 * leaves: sent with a known key under an RPM or TPM limit, it carries that key's rate headers, as
 * every other /v1 answer of the key does (the interface promises it for every answer), read
 * from its windows without counting anything. The route is unknown whatever the key, so a missing,
 * wrong or revoked key changes nothing: the same 404, without rate headers. The key is looked up in
 * the in-memory snapshot (no store read).
 */
export function unknownRouteRateHeaders(ctx: AppContext): (request: Request, res: Response) => Response | Promise<Response> {
  return (request, res) => {
    // Anthropic's paths and clients (their key may come as x-api-key) get Anthropic's rate headers.
    const anthropic = speaksAnthropic(request, new URL(request.url).pathname);
    let limits;
    try {
      limits = clientOf(ctx.state.getSnapshot(), request, anthropic ? 'anthropic' : 'openai').limits;
    } catch {
      return res;
    }
    return limits ? withRateHeaders(ctx, { limits, anthropic }, res) : res;
  };
}
