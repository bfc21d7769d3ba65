/**
 * Key limits on /v1/embeddings: TPM reserves an input given as token ids at its exact count (the
 * body's size counted each ~6-byte id as two tokens, so a request that fits was refused as too
 * large) and settles to the prompt tokens of the answer; the refusal names what to change.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';

let gw: TestGateway;
const clock = { now: Date.parse('2026-03-10T12:00:00Z') };
beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' }, limitsClock: () => clock.now });
});
afterAll(() => gw.close());

const ids = (n: number, from = 100_000) => Array.from({ length: n }, (_, i) => from + i);
const embed = (key: string, input: unknown) =>
  gw.fetch('/v1/embeddings', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'mock/embed', input }) });

test('a TPM key embeds token ids up to its limit: reserved at their count, settled to the prompt tokens', async () => {
  const c = await limitedClient(gw, 'tpm-embed', { tpm: 200 });
  const first = await embed(c.key, [ids(120), ids(30)]);
  expect(first.status).toBe(200);
  expect((await first.json()).usage.prompt_tokens).toBe(150);
  expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('50');
  expect(await gw.waitForRow(first)).toMatchObject({ endpoint: 'embeddings', status: 200, promptTokens: 150 });

  // 60 more do not fit in this minute: a wait, not "too large".
  const second = await embed(c.key, ids(60));
  expect(second.status).toBe(429);
  expect(second.headers.get('retry-after')).not.toBeNull();
  expect((await second.json()).error).toMatchObject({ code: 'rate_limit_exceeded' });

  // More than the whole limit is refused for good, with advice that fits embeddings too.
  clock.now += 61_000;
  const tooLarge = await embed(c.key, ids(201));
  expect(tooLarge.status).toBe(429);
  expect(tooLarge.headers.get('retry-after')).toBeNull();
  expect((await tooLarge.json()).error.message).toContain('Send a smaller request');
  expect((await embed(c.key, ids(200))).status).toBe(200);
});
