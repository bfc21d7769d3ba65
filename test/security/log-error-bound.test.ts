/**
 * A refusal that quotes what the client sent (`Previous response with id '<…>' not found`, an
 * unknown item type, an `include` value) kept the whole quote in the log row's `error`: one
 * request with a 30 MB id wrote 30 MB into the request log (with body storage off), into every
 * `GET /api/logs` page and into every monitor message. The row keeps a bounded text; the client's
 * own answer still says what it sent.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MAX_LOG_ERROR_CHARS } from '../../src/proxy/upstream-redirect';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

// Gateways on a loaded machine: seconds. A limit only bounds a hang.
setDefaultTimeout(60_000);

let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

const huge = 'z'.repeat(200_000);

const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${gw.clientKey}` }) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe("a log row's error text is bounded", () => {
  test('client text quoted in a refusal: the answer quotes it, the row keeps its start and says how much was cut', async () => {
    const cases: [string, Response, number][] = [
      ['previous_response_id', await post('/v1/responses', { model: 'mock/echo', input: 'hi', previous_response_id: huge }), 404],
      ['item_reference', await post('/v1/responses', { model: 'mock/echo', input: [{ type: 'item_reference', id: huge }] }), 404],
      ['include', await post('/v1/responses', { model: 'mock/echo', input: 'hi', include: [huge] }), 400],
      ['messages content type', await post('/v1/messages', { model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: [{ type: huge }] }] }, { 'x-api-key': gw.clientKey }), 400],
    ];
    for (const [name, res, status] of cases) {
      expect({ name, status: res.status }).toEqual({ name, status });
      expect(await res.text()).toContain(huge);
      const row = await gw.waitForRow(res);
      expect({ name, status: row.status }).toEqual({ name, status });
      expect(row.error!.length).toBeLessThanOrEqual(MAX_LOG_ERROR_CHARS);
      expect(row.error).toContain('zzzz');
      expect(row.error).toMatch(/characters cut\)$/);
    }
  });

  test('an error within the bound is kept whole', async () => {
    const res = await post('/v1/responses', { model: 'mock/echo', input: 'hi', previous_response_id: 'resp_short' });
    expect(res.status).toBe(404);
    expect((await gw.waitForRow(res)).error).toBe("Previous response with id 'resp_short' not found.");
  });
});
