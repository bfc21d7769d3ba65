/**
 * Property tests over real HTTP, continued from v1-endpoints.fuzz.test.ts on the same rig: a key
 * with limits (its request estimated and reserved before the call) given hostile values, an
 * upstream error whose message is no string, and an object with its own toString key (which
 * String() throws on) at every path of every base body: never a 500, one row each.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { checkAnswer, checkOneRow, checkOrCollect, jsonText, mutated, pathsOf, plant, FUZZ_SEED, fuzzRuns } from './fuzz-http-kit';
import { chatBase, endpoints, messagesBase, responsesBase, set, useV1FuzzRig } from './v1-fuzz-rig';

setDefaultTimeout(60_000);
const RUNS = fuzzRuns(80);
const SEED = FUZZ_SEED;

let gw: TestGateway;
useV1FuzzRig((g) => (gw = g));

describe('a key with limits (its tokens estimated and reserved before the call)', () => {
  let limitedKey: string;
  beforeAll(async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const made = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'limited', rpm: 1_000_000, tpm: 1_000_000_000, budget_usd: 1_000_000, budget_period: 'total', max_parallel: 50 } });
    expect(made.status).toBe(201);
    limitedKey = ((await made.json()) as any).key;
  });

  // Counterexamples the property found: the reservation's estimate read an image's data, or an
  // image_generation tool's quality, with String(), which throws on an object with its own
  // toString key: a 500 where a key without limits got the request's own answer.
  const hostile = { toString: 'x' };
  const pinned: { name: string; path: string; body: unknown; anthropic?: boolean }[] = [
    { name: 'a Messages image whose data is such an object', path: '/v1/messages', anthropic: true, body: set(messagesBase('mock/echo'), ['messages', 0, 'content', 1, 'source', 'data'], hostile) },
    { name: 'a Messages image whose url is such an object', path: '/v1/messages', anthropic: true, body: set(messagesBase('mock/echo'), ['messages', 0, 'content', 1, 'source'], { type: 'url', url: hostile }) },
    { name: 'a chat image_url whose url is such an object', path: '/v1/chat/completions', body: set(chatBase('mock/echo'), ['messages', 1, 'content', 1, 'image_url', 'url'], hostile) },
    { name: 'a Responses input_image whose image_url is such an object', path: '/v1/responses', body: set(responsesBase('mock/echo'), ['input', 0, 'content', 1, 'image_url'], hostile) },
    { name: 'an image_generation tool whose quality is such an object', path: '/v1/responses', body: { model: 'gpt-4o-mini', input: 'draw', tools: [{ type: 'image_generation', quality: hostile }] } },
    { name: 'an image_generation tool whose model is such an object', path: '/v1/responses', body: { model: 'gpt-4o-mini', input: 'draw', tools: [{ type: 'image_generation', model: hostile }] } },
  ];
  for (const c of pinned) {
    test(`${c.name}: the endpoint's own answer, not a 500`, async () => {
      const r = await fetch(`${gw.url}${c.path}`, { method: 'POST', headers: { authorization: `Bearer ${limitedKey}`, 'content-type': 'application/json' }, body: JSON.stringify(c.body) });
      await checkAnswer(r, c.anthropic ? 'anthropic' : 'openai', c.name);
      await checkOneRow(gw, r, c.name);
    });
  }

  test('a valid body with hostile values on every endpoint: the same answers, one row each', async () => {
    const key = limitedKey;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints).chain((e) => fc.tuple(fc.constant(e), fc.oneof(...e.bases.map(mutated)))), async ([e, b]) => {
        const text = jsonText(b);
        const what = `POST ${e.path} (limited key) ${text.slice(0, 300)}`;
        const r = await fetch(`${gw.url}${e.path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: text, signal: AbortSignal.timeout(30_000) });
        if (process.env.FUZZ_STATS) console.log('FUZZSTAT', e.path, r.status);
        await checkOrCollect(async () => {
          await checkAnswer(r, e.shape, what);
          await checkOneRow(gw, r, what);
        });
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
  });
});

// Found reading the code the property pointed at: an upstream error whose message is an object with
// its own toString key made the gateway's String(message) throw, a 500 instead of a 502/4xx.
describe('an upstream error whose message is no string', () => {
  test('a whole answer: the upstream\'s status in OpenAI\'s shape, one row', async () => {
    const r = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'grok/grok-3', messages: [{ role: 'user', content: 'hi' }] }) });
    const { body } = await checkAnswer(r, 'openai', 'grok 400');
    expect(r.status).toBe(400);
    expect(body.error.message).toContain('{"toString":"x"}');
    await checkOneRow(gw, r, 'grok 400');
  });
  test('in a stream: the stream ends with an error event and [DONE], one row', async () => {
    const r = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'grok/grok-3', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    const { text } = await checkAnswer(r, 'openai', 'grok stream');
    expect(text).toContain('"error"');
    await checkOneRow(gw, r, 'grok stream');
  });
});

describe('an upstream stream error whose message is no string, bridged to Messages', () => {
  test('/v1/messages: the stream ends with an error event', async () => {
    const r = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ model: 'grok/grok-3', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    const { text } = await checkAnswer(r, 'anthropic', 'grok messages stream');
    expect(text).toContain('event: error');
    await checkOneRow(gw, r, 'grok messages stream');
  });
});

describe('an object with its own toString key at every path of every base body', () => {
  // Not random: every path, each endpoint, with and without limits (String() of such an object throws).
  test('never a 500, one row each', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const made = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'sweep', tpm: 1_000_000_000, budget_usd: 1_000_000, budget_period: 'total' } });
    const keys = [gw.clientKey, ((await made.json()) as any).key as string];
    const failures: string[] = [];
    for (const e of endpoints)
      for (const base of e.bases)
        for (const path of pathsOf(base).slice(1)) {
          const body = JSON.stringify(plant(base, path, { toString: 'x', valueOf: 'y' }));
          const key = keys[path.length % 2]!;
          const r = await fetch(`${gw.url}${e.path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
          const what = `${e.path} ${(base as any).model} at ${path.join('.')}`;
          try {
            await checkAnswer(r, e.shape, what);
            await checkOneRow(gw, r, what);
          } catch (err) {
            failures.push(String((err as Error).message).split('\n')[0]!.slice(0, 300));
          }
        }
    expect(failures).toEqual([]);
  });
});
