/**
 * A limited key on /v1/messages and count_tokens, through the official Anthropic SDK: its answers
 * and refusals carry Anthropic's `anthropic-ratelimit-*` headers (OpenAI's `x-ratelimit-*` too),
 * a 429 carries what the SDK's retry reads (`retry-after-ms`, `retry-after`, or
 * `x-should-retry: false` where waiting cannot help), and the SDK's own retries get through once
 * the limit frees up. A browser app can read them all (CORS expose-headers).
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { CORS_HEADERS } from '../../src/http/v1-cors-headers';
import { requestIdOf } from '../helpers/start-gateway';
import { chatFixtures, limitedClient, useLimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

const rig = useLimitsRig((r) => (r.fake.handler = chatFixtures));

const T0 = Date.parse('2026-03-10T12:00:00Z');
const message = { model: 'lim-model', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

/** The SDK against the gateway; `fetch` sees each HTTP exchange (the SDK's retries included). */
function anthropic(key: string, maxRetries = 0, onResponse?: (res: Response) => Promise<void> | void): Anthropic {
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await globalThis.fetch(input, init);
    await onResponse?.(res);
    return res;
  };
  return new Anthropic({ baseURL: rig().gw.url, apiKey: key, maxRetries, fetch });
}

const trio = (h: Headers, kind: string) =>
  ['limit', 'remaining', 'reset'].map((f) => h.get(`anthropic-ratelimit-${kind}-${f}`));

test("answers of /v1/messages (JSON and stream) and count_tokens carry Anthropic's rate headers beside OpenAI's", async () => {
  rig().clock.now = T0;
  const c = await limitedClient(rig().gw, 'anthropic-headers', { rpm: 5, tpm: 10_000 });
  const client = anthropic(c.key);

  const { data, response } = await client.messages.create(message).withResponse();
  expect(data.type).toBe('message');
  const h = response.headers;
  // The window is whole again a minute after this request: an RFC 3339 time, as Anthropic sends.
  expect(trio(h, 'requests')).toEqual(['5', '4', '2026-03-10T12:01:00Z']);
  const tokens = trio(h, 'tokens');
  // Remaining counts this request's reservation (prompt estimate plus max_tokens), as x-ratelimit-* does.
  expect(tokens).toEqual(['10000', h.get('x-ratelimit-remaining-tokens'), '2026-03-10T12:01:00Z']);
  expect(Number(tokens[1])).toBeLessThan(10_000);
  // One TPM window for input and output: both variants repeat its figures.
  expect(trio(h, 'input-tokens')).toEqual(tokens);
  expect(trio(h, 'output-tokens')).toEqual(tokens);
  expect([h.get('x-ratelimit-limit-requests'), h.get('x-ratelimit-remaining-requests'), h.get('x-ratelimit-reset-requests')]).toEqual(['5', '4', '1m0s']);
  expect(h.get('request-id')).toBe(requestIdOf(response));
  await rig().gw.waitForRow(response);

  rig().clock.now = T0 + 15_500;
  const { data: stream, response: streamRes } = await client.messages.create({ ...message, stream: true }).withResponse();
  expect(trio(streamRes.headers, 'requests')).toEqual(['5', '3', '2026-03-10T12:01:16Z']); // 15.5 s + 1 min, rounded up
  const kinds: string[] = [];
  for await (const event of stream) kinds.push(event.type);
  expect(kinds.at(-1)).toBe('message_stop');
  await rig().gw.waitForRow(streamRes);

  const { data: count, response: countRes } = await client.messages.countTokens({ model: 'lim-model', messages: message.messages }).withResponse();
  expect(count.input_tokens).toBeGreaterThan(0);
  expect(trio(countRes.headers, 'requests')).toEqual(['5', '2', '2026-03-10T12:01:16Z']);
  expect(trio(countRes.headers, 'output-tokens')[0]).toBe('10000');
  expect((await rig().gw.waitForRow(countRes)).endpoint).toBe('count_tokens');

  // The OpenAI endpoints keep to OpenAI's names.
  const { response: chat } = await rig().gw.openai(c.key).chat.completions.create({ model: 'lim-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
  expect(chat.headers.get('x-ratelimit-remaining-requests')).toBe('1');
  expect([...chat.headers.keys()].filter((k) => k.startsWith('anthropic-ratelimit'))).toEqual([]);
});

test('a key with only a budget or max_parallel gets no rate headers (nothing to count down)', async () => {
  rig().clock.now = T0 + 3_600_000;
  const c = await limitedClient(rig().gw, 'anthropic-no-rate', { maxParallel: 3 });
  const { response } = await anthropic(c.key).messages.create(message).withResponse();
  expect([...response.headers.keys()].filter((k) => k.includes('ratelimit'))).toEqual([]);
});

test('an RPM refusal on /v1/messages: rate_limit_error with retry-after(-ms) and the rate headers at zero', async () => {
  rig().clock.now = T0 + 7_200_000;
  const c = await limitedClient(rig().gw, 'anthropic-rpm-refusal', { rpm: 1 });
  const client = anthropic(c.key);
  await client.messages.create(message);
  rig().clock.now += 20_000;
  const err = await client.messages.create(message).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.RateLimitError);
  expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  const h: Headers = err.headers;
  expect([h.get('retry-after'), h.get('retry-after-ms')]).toEqual(['40', '40000']);
  expect(trio(h, 'requests')).toEqual(['1', '0', '2026-03-10T14:01:00Z']);
  expect(h.get('x-ratelimit-remaining-requests')).toBe('0');
  expect(h.get('x-should-retry')).toBeNull();
  const row = await rig().gw.waitForRow(err.requestID);
  expect([row.status, row.errorType, row.endpoint]).toEqual([429, 'rate_limit_exceeded', 'messages']);
});

test('the SDK retries an RPM refusal after retry-after-ms and gets through once the window frees up', async () => {
  rig().clock.now = T0 + 10_800_000;
  const c = await limitedClient(rig().gw, 'anthropic-rpm-retry', { rpm: 1 });
  await anthropic(c.key).messages.create(message);
  // 100 ms before the first request leaves the window: the refusal asks for a 100 ms wait.
  rig().clock.now += 59_900;
  const statuses: number[] = [];
  const waits: (string | null)[] = [];
  const client = anthropic(c.key, 2, (res) => {
    statuses.push(res.status);
    if (res.status !== 429) return;
    waits.push(res.headers.get('retry-after-ms'));
    // The limits clock is the test's: the wait the SDK does in real time passes there too.
    rig().clock.now += Number(res.headers.get('retry-after-ms'));
  });
  const { data, response } = await client.messages.create(message).withResponse();
  expect(data.type).toBe('message');
  expect(statuses).toEqual([429, 200]);
  expect(waits).toEqual(['100']);
  expect(trio(response.headers, 'requests')[1]).toBe('0');
  const rows = await rig().gw.waitForClientRows(c.id, 3);
  expect(rows.map((r) => r.status).sort()).toEqual([200, 200, 429]);
});

test('the SDK retries a max_parallel refusal (retry-after: 1) and gets through once the request in flight ends', async () => {
  rig().clock.now = T0 + 14_400_000;
  const c = await limitedClient(rig().gw, 'anthropic-parallel-retry', { maxParallel: 1 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived = 0;
  const normal = rig().fake.handler;
  rig().fake.handler = async (req, recorded, fake) => {
    if (arrived++ === 0) await gate;
    return normal(req, recorded, fake);
  };
  try {
    const held = anthropic(c.key).messages.create(message).withResponse();
    while (arrived < 1) await Bun.sleep(10);
    const statuses: number[] = [];
    const client = anthropic(c.key, 2, async (res) => {
      statuses.push(res.status);
      if (res.status !== 429) return;
      expect(res.headers.get('retry-after')).toBe('1');
      // Let the held request finish and settle its slot before the SDK sees the refusal and waits.
      release();
      await rig().gw.waitForRow((await held).response);
    });
    const { data } = await client.messages.create(message).withResponse();
    expect(data.type).toBe('message');
    expect(statuses).toEqual([429, 200]);
    const rows = await rig().gw.waitForClientRows(c.id, 3);
    expect(rows.find((r) => r.status === 429)?.errorType).toBe('concurrency_limit_exceeded');
  } finally {
    release();
    rig().fake.handler = normal;
  }
});

test('where waiting cannot help (a spent budget, a request larger than the TPM) the 429 says x-should-retry: false and the SDK does not retry', async () => {
  rig().clock.now = T0 + 18_000_000;
  for (const [name, limits] of [['anthropic-budget', { budgetUsd: 0.000001, budgetPeriod: 'month' as const }], ['anthropic-huge', { tpm: 5 }]] as const) {
    const c = await limitedClient(rig().gw, name, limits);
    const statuses: number[] = [];
    const err = await anthropic(c.key, 3, (res) => void statuses.push(res.status)).messages.create(message).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers.get('x-should-retry')).toBe('false');
    expect(err.headers.get('retry-after')).toBeNull();
    expect(statuses).toEqual([429]);
    if (name === 'anthropic-huge') expect(trio(err.headers, 'tokens')[0]).toBe('5');
  }
});

test("every rate and retry header of a /v1/messages answer and refusal is readable to a browser app (CORS expose-headers)", async () => {
  rig().clock.now = T0 + 21_600_000;
  const exposed = new Set(CORS_HEADERS['access-control-expose-headers']!.split(', '));
  const c = await limitedClient(rig().gw, 'anthropic-cors', { rpm: 1, tpm: 10_000 });
  const send = () =>
    fetch(`${rig().gw.url}/v1/messages`, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'x-api-key': c.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
  const budget = await limitedClient(rig().gw, 'anthropic-cors-budget', { budgetUsd: 0.000001, budgetPeriod: 'month' });
  const spent = await fetch(`${rig().gw.url}/v1/messages`, {
    method: 'POST',
    headers: { origin: 'https://app.example', 'x-api-key': budget.key, 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  for (const res of [await send(), await send(), spent]) {
    await res.text();
    expect(res.headers.get('access-control-expose-headers')).toBe(CORS_HEADERS['access-control-expose-headers']!);
    const wanted = [...res.headers.keys()].filter((k) => /ratelimit|^retry-after|^x-should-retry$|^request-id$/.test(k));
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.filter((k) => !exposed.has(k))).toEqual([]);
  }
  expect(spent.headers.get('x-should-retry')).toBe('false');
});
