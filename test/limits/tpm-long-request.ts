/**
 * TPM settles each request to its actual tokens. A request that named no output cap reserves only
 * what its window had room for, so its answer may use more; one that runs longer than the window
 * (a long answer, over a minute) settles after its reservation left it. What it used beyond its
 * reservation then counts from when it ended: a key with a 2,000 TPM whose answer used 5,000 tokens
 * waits, instead of finding its window empty as if nothing had been used. Run on either counters.
 */
import { expect } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { chatBody, limitedClient, type LimitsRig } from './limits-helpers';

/** The chat fixture with 19 prompt and `completion` completion tokens. */
function answerOf(completion: number): Response {
  const body = fixtureJson('openai', 'chat.json') as { usage: Record<string, unknown> };
  return jsonResponse({ ...body, usage: { ...body.usage, completion_tokens: completion, total_tokens: 19 + completion } });
}

export async function longRequestCountsItsExcess(rig: LimitsRig, name: string): Promise<void> {
  const c = await limitedClient(rig.gw, name, { tpm: 2_000 });
  const client = rig.gw.openai(c.key);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const there = new Promise<void>((r) => (arrived = r));
  rig.fake.handler = async () => (arrived(), await gate, answerOf(5_000));
  // No max_tokens: it reserves its prompt and what the window has left, ~2,000 tokens.
  const long = client.chat.completions.create({ model: 'lim-model', messages: [{ role: 'user', content: 'Write a long story.' }] }).withResponse();
  await there;
  const full = await apiError(client.chat.completions.create(chatBody()));
  expect(full).toBeInstanceOf(OpenAI.RateLimitError);

  // A minute on, its reservation left the window while it still runs; it ends having used 5,019 tokens.
  rig.clock.now += 61_000;
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  release();
  const { response } = await long;
  await rig.gw.waitForRow(response);
  // Its row settles it (Redis: a script run after the row).
  const scope = rig.gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
  for (let i = 0; i < 200 && (await rig.gw.ctx.limits.counters.outstanding(scope)).inFlight > 0; i++) await Bun.sleep(10);

  // ~3,000 tokens beyond its reservation, counted now: the 2,000 TPM is used up for the next minute.
  const err = await apiError(client.chat.completions.create(chatBody()));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.code).toBe('rate_limit_exceeded');
  expect(Number(err.headers!.get('retry-after'))).toBeGreaterThan(50);
  expect(err.headers!.get('x-ratelimit-remaining-tokens')).toBe('0');

  // Once that minute passed, the key is served again.
  rig.clock.now += 60_000;
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  const again = await client.chat.completions.create(chatBody()).withResponse();
  expect(again.response.status).toBe(200);
  rig.clock.now += 3_600_000;
}
