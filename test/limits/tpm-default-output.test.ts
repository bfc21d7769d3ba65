/**
 * A request that names no output cap reserves TPM for a default allowance (16,384 tokens). A key
 * whose TPM is below that must still be served such a request when its window has room: the
 * allowance shrinks to what the TPM leaves beside the prompt, and the request settles to its
 * actual tokens. Only a prompt itself larger than the TPM is "too large" (429 without retry-after).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

const hello = { model: 'lim-model', messages: [{ role: 'user' as const, content: 'Hello' }] };

test('a key with a TPM of 10,000 is served chat and Responses requests that name no max_tokens, each settling to its own tokens', async () => {
  const c = await limitedClient(rig.gw, 'tpm-10k', { tpm: 10_000 });
  const client = rig.gw.openai(c.key);
  const { data, response } = await client.chat.completions.create(hello).withResponse();
  expect(data.choices[0]!.message.content).toContain('Hello');
  expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
  await rig.gw.waitForRow(response);
  // The first settled to the fixture's 19 + 9 tokens, so the window has room for the next one.
  const again = await client.chat.completions.create(hello).withResponse();
  expect(again.response.status).toBe(200);
  await rig.gw.waitForRow(again.response);

  rig.fake.handler = () => jsonResponse(fixtureJson('responses', 'openai-response.json'));
  const r = await client.responses.create({ model: 'lim-model', input: 'Hello' }).withResponse();
  expect(r.response.status).toBe(200);
  await rig.gw.waitForRow(r.response);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
});

test('while one such request is in flight the next waits its turn (429 with retry-after), not "too large"', async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'tpm-10k-busy', { tpm: 10_000 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const there = new Promise<void>((r) => (arrived = r));
  rig.fake.handler = async () => (arrived(), await gate, jsonResponse(fixtureJson('openai', 'chat.json')));
  const client = rig.gw.openai(c.key);
  const held = client.chat.completions.create(hello);
  await there;
  const err = await apiError(client.chat.completions.create(hello));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.code).toBe('rate_limit_exceeded');
  expect(err.headers!.get('retry-after')).not.toBeNull();
  expect(err.headers!.get('x-should-retry')).toBeNull();
  release();
  await held;
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
});

test('a prompt larger than the whole TPM is still refused as too large, without retry-after', async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'tpm-small', { tpm: 100 });
  const err = await apiError(rig.gw.openai(c.key).chat.completions.create({ ...hello, messages: [{ role: 'user', content: 'word '.repeat(400) }] }));
  expect(err.code).toBe('rate_limit_exceeded');
  expect(err.message).toContain('Request too large');
  expect(err.headers!.get('retry-after')).toBeNull();
  expect(err.headers!.get('x-should-retry')).toBe('false');
});
