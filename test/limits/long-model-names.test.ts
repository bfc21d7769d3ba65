/**
 * Model names over 256 characters, with a limited key: every endpoint refuses them (the /v1 POSTs
 * validate the name before the key's limits run), and what the limits, the log rows and the lookup
 * of unlisted prices keep of such a name stays bounded, whatever its length (a request body may be
 * 32 MB).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { MAX_MODEL_CHARS } from '../../src/routing/model-name';
import { limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

const longName = (i: number) => `openai/${String(i).padEnd(50_000, 'x')}`;
const requests: [string, (model: string) => unknown][] = [
  ['/v1/images/generations', (model) => ({ model, prompt: 'a cat' })],
  ['/v1/embeddings', (model) => ({ model, input: 'hello' })],
  ['/v1/responses', (model) => ({ model, input: 'hello' })],
  ['/v1/messages/count_tokens', (model) => ({ model, messages: [{ role: 'user', content: 'hello' }] })],
  ['/v1/chat/completions', (model) => ({ model, messages: [{ role: 'user', content: 'hello' }] })],
];
const send = (key: string, path: string, body: unknown) =>
  rig.gw.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body) });

test('names of 50,000 characters are refused on every endpoint; the price cache keeps none of them', async () => {
  const c = await limitedClient(rig.gw, 'long names', { rpm: 1000 });
  const before = rig.gw.ctx.limits.pricedNames;
  let i = 0;
  for (const [path, body] of requests) {
    for (let n = 0; n < 3; n++) {
      const res = await send(c.key, path, body(longName(i++)));
      expect([path, res.status]).toEqual([path, 400]);
      expect(JSON.stringify(await res.json())).toContain(`at most ${MAX_MODEL_CHARS} characters`);
    }
  }
  const after = rig.gw.ctx.limits.pricedNames;
  expect(after.chars - before.chars).toBeLessThanOrEqual(0);
  // A name of ordinary length is still remembered.
  const ok = await send(c.key, '/v1/embeddings', { model: 'openai/text-embedding-3-small', input: 'hello' });
  await ok.arrayBuffer();
  expect(rig.gw.ctx.limits.pricedNames.names).toBeGreaterThan(after.names);
});

test("a refusal by the allow-list says and logs a long name cut to 256 characters", async () => {
  const c = await limitedClient(rig.gw, 'long names, allow-list', { models: ['lim-model'] });
  let i = 100;
  for (const [path, body] of requests) {
    const res = await send(c.key, path, body(longName(i++)));
    expect(res.status === 403 || res.status === 400).toBe(true);
    const text = await res.text();
    expect(text.length).toBeLessThan(2_000);
    const row = await rig.gw.waitForRow(res);
    expect(row.modelRequested!.length).toBeLessThanOrEqual(MAX_MODEL_CHARS);
    expect((row.error ?? '').length).toBeLessThan(2_000);
  }
});

test('GET /v1/models/{id}: an unlisted id longer than chat takes is a 404; the lookup of unlisted prices keeps no such name', async () => {
  const snap = () => rig.gw.ctx.state.getSnapshot();
  const held = () => snap().unlistedModel!.held!();
  const before = held();
  for (let i = 0; i < 20; i++) {
    const res = await rig.gw.fetch(`/v1/models/openai/${String(i).padEnd(8_000, 'q')}`);
    expect(res.status).toBe(404);
    expect((await res.text()).length).toBeLessThan(2_000);
  }
  // The lookup itself, whoever calls it: held until the next reload otherwise, 1,000 names as long as a request line takes.
  for (let i = 0; i < 20; i++) snap().unlistedModel!('openai', String(i).padEnd(8_000, 'z'));
  expect(held().chars - before.chars).toBeLessThanOrEqual(0);
  // An unlisted id of ordinary length is still answered and remembered.
  const ok = await rig.gw.fetch('/v1/models/openai/not-in-the-table-either');
  expect(ok.status).toBe(200);
  await ok.arrayBuffer();
  expect(held().names).toBe(before.names + 1);
});
