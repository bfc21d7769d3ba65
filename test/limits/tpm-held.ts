/**
 * A TPM refusal whose room requests in flight hold (their reservations: prompt estimate plus
 * max_tokens, settled at their real use, often far less) asks for a short wait, not the window's
 * whole minute: the room may come back as soon as they settle. One whose settled tokens alone
 * fill the window still waits for the window to slide. Run on either counters.
 */
import { expect } from 'bun:test';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { chatBody, limitedClient, type LimitsRig } from './limits-helpers';

export async function tpmHeldByRequestsInFlight(rig: LimitsRig, name: string): Promise<void> {
  rig.clock.now += 120_000; // windows of earlier tests are gone
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const reached = new Promise<void>((r) => (arrived = r));
  rig.fake.handler = async () => {
    arrived();
    await gate;
    return jsonResponse(fixtureJson('openai', 'chat.json')); // 28 tokens used
  };
  const c = await limitedClient(rig.gw, name, { tpm: 200 });
  const client = rig.gw.openai(c.key);
  // Reserves its body's estimate plus 150 output tokens; the window holds nothing settled.
  const running = client.chat.completions.create(chatBody('lim-model', { max_tokens: 150 }));
  await reached;
  const held = await apiError(client.chat.completions.create(chatBody('lim-model', { max_tokens: 60 }))).finally(release);
  expect([held.status, held.code]).toEqual([429, 'rate_limit_exceeded']);
  expect([held.headers!.get('retry-after'), held.headers!.get('retry-after-ms')]).toEqual(['1', '1000']);
  expect(held.message).toContain('held by requests in flight until they finish');
  await running;
  // Settled at its 28 tokens: the same request fits now, a second later by the clock of the limits.
  rig.clock.now += 1_000;
  await client.chat.completions.create(chatBody('lim-model', { max_tokens: 60 }));

  // Settled tokens alone (28 a request, three of them) leave no room for ~130 more (a prompt of ~25
  // and 105): the wait is until the first of them leaves the window, 49 s from now; nothing in flight could make it sooner.
  rig.clock.now += 10_000;
  await client.chat.completions.create(chatBody('lim-model', { max_tokens: 60 }));
  const slid = await apiError(client.chat.completions.create(chatBody('lim-model', { max_tokens: 105 })));
  expect([slid.status, slid.headers!.get('retry-after-ms')]).toEqual([429, '49000']);
  expect(slid.message).not.toContain('held by requests in flight');
}
