/**
 * An OpenAI fake that answers per key, as OpenAI does: revoked keys get 401 `invalid_api_key`,
 * rate-limited ones 429 `rate_limit_exceeded` with their `retry-after` (seconds), the others
 * the chat fixture.
 */
import { jsonResponse, replayJson, type FakeHandler } from './fake-upstream';

export function openaiRefusingKeys(o: { revoked?: string[]; limited?: Record<string, string> }): FakeHandler {
  return (req, rec, fake) => {
    const key = req.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    if (o.revoked?.includes(key)) {
      return jsonResponse({ error: { message: `Incorrect API key provided: ${key.slice(0, 8)}***${key.slice(-4)}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }, 401);
    }
    const wait = o.limited?.[key];
    if (wait !== undefined) return jsonResponse({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': wait });
    return replayJson('openai', 'chat.json')(req, rec, fake);
  };
}
