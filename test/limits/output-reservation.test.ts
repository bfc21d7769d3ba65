/**
 * What a request may write is reserved in full: each of chat's `n` choices, and images by what one
 * image bills rather than the few bytes of its URL.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { apiError } from '../helpers/start-gateway';
import { chatBody, limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig();
});
afterAll(() => rig.close());

test('n: 4 choices of 1,000 tokens do not fit a budget that fits one', async () => {
  // $0.001 a token: one choice of 1,000 tokens is ~$1, four ~$4.
  const c = await limitedClient(rig.gw, 'n-choices', { budgetUsd: 2, budgetPeriod: 'day' });
  const openai = rig.gw.openai(c.key);
  const err = await apiError(openai.chat.completions.create(chatBody('lim-model', { max_tokens: 1000, n: 4 })));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(err.message).toMatch(/this request may cost up to \$4\.0/);
  await openai.chat.completions.create(chatBody('lim-model', { max_tokens: 1000 }));
});

test('an image URL reserves an image of the dearest kind the model counts (gpt-4o-mini: ~48K tokens)', async () => {
  const c = await limitedClient(rig.gw, 'image-url', { tpm: 40_000 });
  const openai = rig.gw.openai(c.key);
  const withImage = chatBody('lim-model', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }, { type: 'text', text: 'What is it?' }] }] });
  const err = await apiError(openai.chat.completions.create(withImage as any));
  expect([err.status, err.code]).toEqual([429, 'rate_limit_exceeded']);
  await openai.chat.completions.create(chatBody('lim-model'));
});

test('a chunked body (no content-length) is estimated by its bytes, not its characters: CJK text is ~a token a character', async () => {
  const c = await limitedClient(rig.gw, 'chunked-cjk', { tpm: 15_000 });
  // 30,000 CJK characters: 90,000 bytes, ~30,000 tokens; counted as characters it looked like 10,000.
  const body = JSON.stringify(chatBody('lim-model', { messages: [{ role: 'user', content: '漢'.repeat(30_000) }] }));
  const chunked = new ReadableStream({
    start(ctrl) {
      ctrl.enqueue(new TextEncoder().encode(body));
      ctrl.close();
    },
  });
  const res = await fetch(`${rig.gw.url}/v1/chat/completions`, {
    method: 'POST', body: chunked, duplex: 'half', headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' },
  } as RequestInit);
  expect(res.status).toBe(429);
  expect(((await res.json()) as any).error.code).toBe('rate_limit_exceeded');
});

test("a classifier group's scoring call is reserved with the request: a budget that fits the request alone refuses it", async () => {
  // The classifier (lim-other, $0.001 a token, no output limit known) is sent with max_completion_tokens 4,096: its
  // 6,200-token prompt and that answer, ~$10.3 (without the cap, 16,384 tokens: ~$22.6).
  rig.gw.ctx.db.insert(modelGroups).values({ name: 'lim-classified', strategy: 'classifier', targets: ['lim-model'], settings: { classifier_model: 'lim-other' }, updatedAt: Date.now() }).run();
  const c = await limitedClient(rig.gw, 'classified', { budgetUsd: 10, budgetPeriod: 'day' });
  const err = await apiError(rig.gw.openai(c.key).chat.completions.create(chatBody('lim-classified')));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(err.message).toMatch(/this request may cost up to \$10\.3/);
  await rig.gw.openai(c.key).chat.completions.create(chatBody('lim-model'));
});
