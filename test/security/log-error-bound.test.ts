/**
 * A refusal that quotes what the client sent (`Previous response with id '<…>' not found`, an
 * unknown item type, an `include` value) kept the whole quote in the log row's `error`: one
 * request with a 30 MB id wrote 30 MB into the request log (with body storage off), into every
 * `GET /api/logs` page and into every monitor message. Such a refusal now quotes the start of the
 * value (src/errors/shown-value.ts), answer and row alike; the row's own bound stays as a guard.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { badRequest } from '../../src/errors/api-error';
import { logMessageOf, MAX_LOG_ERROR_CHARS } from '../../src/proxy/upstream-redirect';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

// Gateways on a loaded machine: seconds. A limit only bounds a hang.
setDefaultTimeout(60_000);

let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

const huge = 'z'.repeat(200_000);

const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${gw.clientKey}` }) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe("a log row's error text is bounded", () => {
  test('client text quoted in a refusal: the answer and the row quote its start, cut', async () => {
    const cases: [string, Response, number][] = [
      ['previous_response_id', await post('/v1/responses', { model: 'mock/echo', input: 'hi', previous_response_id: huge }), 400],
      ['item_reference', await post('/v1/responses', { model: 'mock/echo', input: [{ type: 'item_reference', id: huge }] }), 404],
      ['include', await post('/v1/responses', { model: 'mock/echo', input: 'hi', include: [huge] }), 400],
      ['messages content type', await post('/v1/messages', { model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: [{ type: huge }] }] }, { 'x-api-key': gw.clientKey }), 400],
    ];
    for (const [name, res, status] of cases) {
      expect({ name, status: res.status }).toEqual({ name, status });
      const body = (await res.json()) as any;
      const message: string = body.error?.message ?? '';
      expect(message).toMatch(/'z{64,256}…'/);
      expect(message.length).toBeLessThan(400);
      const row = await gw.waitForRow(res);
      expect({ name, status: row.status }).toEqual({ name, status });
      expect(row.error).toBe(message);
    }
  });

  test('an error longer than the bound (none the gateway makes now, a guard for those to come): the row keeps its start and says how much was cut', () => {
    const text = logMessageOf(badRequest(`Unknown thing '${huge}'.`));
    expect(text.length).toBeLessThanOrEqual(MAX_LOG_ERROR_CHARS);
    expect(text).toStartWith("Unknown thing 'zzzz");
    expect(text).toMatch(/characters cut\)$/);
  });

  test('an error within the bound is kept whole', async () => {
    const res = await post('/v1/responses', { model: 'mock/echo', input: 'hi', previous_response_id: 'resp_short' });
    expect(res.status).toBe(400);
    expect((await gw.waitForRow(res)).error).toBe("Previous response with id 'resp_short' not found.");
  });
});
