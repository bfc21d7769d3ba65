/** RPM, TPM and max_parallel end to end, through the official openai client (a hand-moved clock, no sleeping). */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { chatBody, limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

const T0 = Date.parse('2026-03-10T12:00:00Z');
const headerTrio = (h: Headers, kind: 'requests' | 'tokens') =>
  [h.get(`x-ratelimit-limit-${kind}`), h.get(`x-ratelimit-remaining-${kind}`), h.get(`x-ratelimit-reset-${kind}`)];

test('RPM is exact: N answered with x-ratelimit-* headers, N+1 refused with the right retry-after, answered after that wait', async () => {
  rig.clock.now = T0;
  const c = await limitedClient(rig.gw, 'rpm', { rpm: 3 });
  const client = rig.gw.openai(c.key);
  const seen: (string | null)[][] = [];
  for (let i = 0; i < 3; i++) {
    rig.clock.now = T0 + i * 10_000;
    const { response } = await client.chat.completions.create(chatBody()).withResponse();
    seen.push(headerTrio(response.headers, 'requests'));
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe(null); // no TPM on this key
  }
  expect(seen).toEqual([['3', '2', '1m0s'], ['3', '1', '1m0s'], ['3', '0', '1m0s']]);

  rig.clock.now = T0 + 30_000;
  const err = await apiError(client.chat.completions.create(chatBody()));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect([err.status, err.code, err.type]).toEqual([429, 'rate_limit_exceeded', 'requests']);
  // The first request (T0) leaves the one-minute window at T0 + 60 s: 30 s from now.
  expect(err.headers!.get('retry-after')).toBe('30');
  expect(err.headers!.get('retry-after-ms')).toBe('30000');
  expect(headerTrio(err.headers!, 'requests')).toEqual(['3', '0', '50s']);

  rig.clock.now += Number(err.headers!.get('retry-after-ms'));
  const { response } = await client.chat.completions.create(chatBody()).withResponse();
  expect(headerTrio(response.headers, 'requests')).toEqual(['3', '0', '1m0s']);
  const refusal = rig.gw.logs.find((r) => r.clientId === c.id && r.status === 429)!;
  expect([refusal.errorType, refusal.costUsd, refusal.endpoint, refusal.modelRequested]).toEqual(['rate_limit_exceeded', 0, 'chat', 'lim-model']);
});

test('TPM counts prompt and completion tokens: each answer settles to its 19 + 9 tokens, then the window is full', async () => {
  rig.clock.now = T0 + 3_600_000;
  const c = await limitedClient(rig.gw, 'tpm', { tpm: 100 });
  const client = rig.gw.openai(c.key);
  const remaining: number[] = [];
  let refused: InstanceType<typeof OpenAI.APIError> | null = null;
  for (let i = 0; i < 5 && !refused; i++) {
    try {
      const { response } = await client.chat.completions.create(chatBody()).withResponse();
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('100');
      // The clock stands still: the window is whole again a minute after this request.
      expect(response.headers.get('x-ratelimit-reset-tokens')).toBe('1m0s');
      remaining.push(Number(response.headers.get('x-ratelimit-remaining-tokens')));
      await rig.gw.waitForLogs(rig.gw.logs.length);
    } catch (err) {
      refused = err as InstanceType<typeof OpenAI.APIError>;
    }
  }
  // Same body each time, so the same reservation: the steps between answers are what settled.
  expect(remaining.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < remaining.length; i++) expect(remaining[i - 1]! - remaining[i]!).toBe(19 + 9);
  expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
  expect([refused!.code, refused!.type]).toEqual(['rate_limit_exceeded', 'tokens']);
  expect(refused!.headers!.get('retry-after')).toBe('60');
  rig.clock.now += 60_000;
  await client.chat.completions.create(chatBody());
});

test('max_parallel refuses a request beyond the limit while the others are in flight', async () => {
  rig.clock.now = T0 + 7_200_000;
  const c = await limitedClient(rig.gw, 'parallel', { maxParallel: 2 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived = 0;
  rig.fake.handler = async () => {
    arrived++;
    await gate;
    return jsonResponse(fixtureJson('openai', 'chat.json'));
  };
  const client = rig.gw.openai(c.key);
  const held = [client.chat.completions.create(chatBody()), client.chat.completions.create(chatBody())];
  while (arrived < 2) await Bun.sleep(10);
  const err = await apiError(client.chat.completions.create(chatBody()));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.code).toBe('concurrency_limit_exceeded');
  expect(err.headers!.get('retry-after')).toBe('1');
  release();
  await Promise.all(held);
  await rig.gw.waitForLogs(rig.gw.logs.length);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  expect((await client.chat.completions.create(chatBody())).choices.length).toBe(1);
});

test('a request that fails before its endpoint logs a row (an invalid Responses body) frees its slot at once', async () => {
  rig.clock.now = T0 + 10_800_000;
  const c = await limitedClient(rig.gw, 'release', { maxParallel: 1, rpm: 100 });
  const client = rig.gw.openai(c.key);
  for (let i = 0; i < 3; i++) {
    const err = await apiError(client.responses.create({ model: 'lim-model', input: 5 as any }));
    expect(err.status).toBe(400);
    // The rate headers come with the error too.
    expect(err.headers!.get('x-ratelimit-limit-requests')).toBe('100');
  }
  const scope = rig.gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
  expect(rig.gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  expect((await client.chat.completions.create(chatBody())).choices.length).toBe(1);
});
