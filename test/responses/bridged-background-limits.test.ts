/**
 * A key with a budget may use `background: true` on a bridged model: the
 * request's reservation is held while the gateway runs it, then settled once,
 * at the real cost of its one row.
 */
import { expect, test } from 'bun:test';
import { readChunks, sseResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { limitedClient, useBridgedLimitsRig, type LimitsRig } from '../limits/limits-helpers';

let rig: LimitsRig;
const deepseek = useBridgedLimitsRig((r) => (rig = r));

test('the reservation holds while it runs, then the real cost counts, once', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  deepseek.handler = () => sseResponse([...readChunks('responses', 'deepseek-reasoner-text.chunks.txt'), '[DONE]'], { holdAt: { at: 2, until: held } });
  const c = await limitedClient(rig.gw, 'bridged-bg', { budgetUsd: 1, budgetPeriod: 'month' });
  const openai = rig.gw.openai(c.key);
  // Reserves ~$0.6 (600 output tokens at $0.001, and the prompt) until the response ends.
  const { data, request_id } = await openai.responses.create({ model: 'lim-bridged', input: 'A long essay', background: true, max_output_tokens: 600 }).withResponse();
  expect(data.status).toBe('queued');
  const chat = { model: 'lim-model', messages: [{ role: 'user' as const, content: 'Hi' }], max_tokens: 500 };
  // Another ~$0.5 does not fit beside it while it runs.
  const refused = await apiError(openai.chat.completions.create(chat));
  expect([refused.status, refused.code]).toEqual([429, 'budget_exceeded']);
  release();
  // It used 12 + 30 tokens: $0.042, and the same request fits.
  const row = await rig.gw.waitForRow(request_id!);
  expect(row).toMatchObject({ status: 200, promptTokens: 12, completionTokens: 30 });
  expect(row.costUsd).toBeCloseTo(0.042, 9);
  expect((await openai.chat.completions.create(chat)).choices[0]!.message.content).toBeString();
  expect(rig.gw.logs.filter((r) => r.requestId === request_id).length).toBe(1);
});
