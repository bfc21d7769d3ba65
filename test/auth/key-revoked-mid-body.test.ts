/**
 * A client key revoked (or expired) while its request's body is still arriving: the key was good
 * when the headers came, but by the time the body is in it is not, so nothing goes upstream and
 * the client gets the 401 the key gets now. (A key revoked while its request waited for an
 * upstream slot: test/concurrency/queued-key-revoked.test.ts.)
 */
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

// Gateways and password hashes: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Sends `body` in two pieces, running `between` after the gateway has the headers (the request in its handler). */
async function postInTwo(url: string, headers: Record<string, string>, body: string, inHandler: () => Promise<unknown>, between: () => Promise<unknown>) {
  const cut = Math.floor(body.length / 2);
  let rest!: () => void;
  const restSent = new Promise<void>((r) => (rest = r));
  const stream = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(new TextEncoder().encode(body.slice(0, cut)));
      await restSent;
      c.enqueue(new TextEncoder().encode(body.slice(cut)));
      c.close();
    },
  });
  const answer = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: stream });
  await inHandler();
  await between();
  rest();
  return answer;
}

const CASES = [
  { endpoint: '/v1/chat/completions', body: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, header: (k: string) => ({ authorization: `Bearer ${k}` }) },
  { endpoint: '/v1/messages', body: { model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }, header: (k: string) => ({ 'x-api-key': k, 'anthropic-version': '2023-06-01' }) },
];

for (const c of CASES) {
  for (const change of ['revoked', 'expired'] as const) {
    test(`${c.endpoint}: a key ${change} while the body arrives is refused, nothing sent upstream, one row`, async () => {
      const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
      const gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`) });
      cleanup.push(() => fake.close(), () => gw.close());
      const admin = await login(gw, 'admin', ADMIN_PASSWORD);
      const k = gw.addClient('K');
      const act = change === 'revoked'
        ? () => api(gw, 'DELETE', `/api/clients/${k.id}`, { as: admin })
        : () => api(gw, 'PATCH', `/api/clients/${k.id}`, { as: admin, body: { expires_at: '2020-01-01T00:00:00Z' } });
      const res = await postInTwo(`${gw.url}${c.endpoint}`, c.header(k.key), JSON.stringify(c.body), () => until(() => gw.pendingRequests() === 1), async () => {
        expect((await act()).status).toBe(200);
      });
      const text = await res.text();
      expect({ status: res.status, sent: fake.requests.length }).toEqual({ status: 401, sent: 0 });
      expect(text).toContain(change === 'revoked' ? 'Incorrect or revoked API key.' : 'This API key expired at 2020-01-01T00:00:00.000Z.');
      const row = await gw.waitForRow(res);
      expect(row).toMatchObject({ status: 401, clientId: k.id, costUsd: 0 });
    });
  }
}
