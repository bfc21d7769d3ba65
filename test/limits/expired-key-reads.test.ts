/**
 * An expired key is refused everywhere under /v1, not only on the model requests: the stored
 * responses it made (their conversations) cannot be read, listed, deleted or cancelled with it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } })), 30_000);
afterAll(() => rig.close());

test('after expires_at the key gets 401 key_expired on GET, DELETE, input_items and cancel of its stored responses', async () => {
  const start = rig.clock.now;
  const k = await limitedClient(rig.gw, 'expiring', { expiresAt: start + 3_600_000 });
  const made = await rig.gw.openai(k.key).responses.create({ model: 'mock/echo', input: 'a secret conversation' });
  const call = (method: string, path: string) =>
    fetch(`${rig.gw.url}/v1/responses/${made.id}${path}`, { method, headers: { authorization: `Bearer ${k.key}` } });
  expect((await call('GET', '')).status).toBe(200); // before it expires, the key reads its response

  rig.clock.now = start + 3_600_000;
  try {
    for (const [method, path] of [['GET', ''], ['GET', '/input_items'], ['POST', '/cancel'], ['DELETE', '']] as const) {
      const r = await call(method, path);
      const body = (await r.json()) as { error: { code: string; type: string } };
      expect({ method, path, status: r.status, code: body.error?.code, type: body.error?.type }).toEqual({
        method, path, status: 401, code: 'key_expired', type: 'authentication_error',
      });
    }
  } finally {
    rig.clock.now = start;
  }
  // Nothing was deleted by the refused DELETE.
  expect((await call('GET', '')).status).toBe(200);
});
