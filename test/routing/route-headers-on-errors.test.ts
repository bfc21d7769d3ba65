/**
 * An error answer of a request routing had already sent somewhere (an upstream's 429 or 500
 * relayed, chat, embeddings, /v1/messages in Anthropic's shape) carries the x-gophergate-model,
 * -provider and -route headers a success carries, so a client can tell which target failed. And
 * the gateway reads no x-gophergate-route from the client: a long one is ignored (not a route
 * override, not forwarded), up to Bun's own 16 KiB limit on a request's headers.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let openai: FakeUpstream;
/** OpenAI's own 429 body and headers, as its API sends them. */
const rateLimited = () =>
  jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Used 199000, Requested 1500. Please try again in 150ms.', type: 'tokens', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after-ms': '150' });
beforeAll(async () => {
  openai = startFakeUpstream((_req, rec) => (rec.body?.user === 'ok' ? jsonResponse(fixtureJson('openai', 'chat.json')) : rateLimited()));
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
  gw.ctx.db.insert(modelGroups).values({ name: 'mini-group', strategy: 'heuristic', targets: ['gpt-4o-mini'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const routeOf = (h: Headers | undefined) => [h?.get('x-gophergate-model'), h?.get('x-gophergate-provider'), h?.get('x-gophergate-route')];

test('an upstream 429 relayed on chat names the target it came from, its retry-after kept', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'mini-group', messages: hi }));
  expect([err.status, err.code]).toEqual([429, 'rate_limit_exceeded']);
  expect(routeOf(err.headers)).toEqual(['gpt-4o-mini', 'openai', 'mini-group>gpt-4o-mini']);
  expect(err.headers!.get('retry-after-ms')).not.toBeNull();
  expect((await gw.waitForRow(err)).status).toBe(429);
});

test('embeddings and /v1/messages (Anthropic shape) carry them on an upstream failure too', async () => {
  const emb = await apiError(gw.openai().embeddings.create({ model: 'text-embedding-3-small', input: 'hi' }));
  expect(emb.status).toBe(429);
  expect(routeOf(emb.headers).slice(0, 2)).toEqual(['text-embedding-3-small', 'openai']);
  const anthropic = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const msg = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: hi }).catch((e) => e);
  expect(msg).toBeInstanceOf(Anthropic.RateLimitError);
  expect(routeOf(msg.headers)).toEqual(['gpt-4o-mini', 'openai', 'gpt-4o-mini']);
});

test("a client's own x-gophergate-route, however long, is ignored: the answer's is the gateway's, nothing forwarded", async () => {
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'x-gophergate-route': 'x'.repeat(15_000) },
    body: JSON.stringify({ model: 'mini-group', messages: hi, user: 'ok' }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-gophergate-route')).toBe('mini-group>gpt-4o-mini');
  expect(openai.last().headers['x-gophergate-route']).toBeUndefined();
});
