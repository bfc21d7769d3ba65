/**
 * Kimi's thinking switch as a client of each API asks for it. Kimi K2.5 and later K2.x take
 * `thinking: {type: "enabled" | "disabled"}` and think unless told not to ("Kimi K2.5 supports the
 * thinking parameter to control whether deep thinking is enabled. Accepts {"type": "enabled"} or
 * {"type": "disabled"}", platform.kimi.ai/docs/api/models-overview); kimi-k2-thinking always thinks,
 * moonshot-v1 and the K2 previews never do. The fake Kimi behaves so (reasoning_content in an answer
 * made thinking, none otherwise) and, like the real one, pays `reasoning_effort` no heed. So:
 * - /v1/messages `thinking` (Anthropic SDK) reaches K2.5+ as Kimi's `thinking`: `disabled` stops it
 *   thinking (it used to think regardless); the others get nothing;
 * - `reasoning_effort: "none"` (chat) and `reasoning: {effort: "none"}` (Responses bridge) go to K2.5+
 *   as `thinking: {type: "disabled"}`; kimi-k2-thinking, which cannot stop, refuses it before the call.
 * Rows by x-request-id.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const REASONING = 'The user greets me; I will greet back.';

/** Whether Kimi answers `b` in thinking mode (its documented defaults). */
const thinks = (b: any) => /thinking/.test(b.model) || (/^kimi-k2\.\d/.test(b.model) ? b.thinking?.type !== 'disabled' : false);

let kimi: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  kimi = startFakeUpstream((_req, rec) => {
    const answer = fixtureJson('moonshot', 'chat.json');
    answer.model = rec.body.model;
    if (thinks(rec.body)) answer.choices[0].message.reasoning_content = REASONING;
    return jsonResponse(answer);
  });
  gw = await startGateway({ env: providerEnv('moonshot', `${kimi.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  kimi.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const sent = () => kimi.last().body;

test('/v1/messages thinking reaches Kimi K2.5+ as its switch (disabled: no thinking); kimi-k2-thinking and the non-thinking models get none', async () => {
  const anthropic = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const enabled = { type: 'enabled' as const, budget_tokens: 2048 };
  const disabled = { type: 'disabled' as const };
  const cases = [
    { model: 'kimi-k2.5', thinking: disabled, sent: { type: 'disabled' }, thinks: false },
    { model: 'kimi-k2.6', thinking: disabled, sent: { type: 'disabled' }, thinks: false },
    { model: 'kimi-k2.6', thinking: enabled, sent: { type: 'enabled' }, thinks: true },
    { model: 'kimi-k2.5', thinking: undefined, sent: undefined, thinks: true },
    { model: 'kimi-k2-thinking', thinking: disabled, sent: undefined, thinks: true },
    { model: 'moonshot-v1-8k', thinking: enabled, sent: undefined, thinks: false },
    { model: 'kimi-k2-0905-preview', thinking: enabled, sent: undefined, thinks: false },
  ];
  for (const c of cases) {
    const { data, response } = await anthropic.messages
      .create({ model: `moonshot/${c.model}`, max_tokens: 4096, messages: hi, ...(c.thinking ? { thinking: c.thinking } : {}) })
      .withResponse();
    expect([c.model, c.thinking?.type, sent().thinking]).toEqual([c.model, c.thinking?.type, c.sent]);
    expect([c.model, c.thinking?.type, data.content.some((b) => b.type === 'thinking')]).toEqual([c.model, c.thinking?.type, c.thinks]);
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'moonshot', modelRequested: `moonshot/${c.model}`, status: 200 });
  }
});

test('chat reasoning_effort "none" and Responses reasoning.effort "none": thinking off on Kimi K2.5+', async () => {
  for (const model of ['kimi-k2.5', 'kimi-k2.6']) {
    const { data, response } = await gw.openai().chat.completions.create({ model: `moonshot/${model}`, messages: hi, reasoning_effort: 'none' }).withResponse();
    expect(sent()).toMatchObject({ model, thinking: { type: 'disabled' } });
    expect(sent().reasoning_effort).toBeUndefined();
    expect((data.choices[0]!.message as any).reasoning_content).toBeUndefined();
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'chat', provider: 'moonshot', modelRequested: `moonshot/${model}`, status: 200 });
    const { data: r, response: rr } = await gw.openai().responses.create({ model: `moonshot/${model}`, input: 'Hello', reasoning: { effort: 'none' } }).withResponse();
    expect(r.output.some((o) => o.type === 'reasoning')).toBe(false);
    expect(sent()).toMatchObject({ model, thinking: { type: 'disabled' } });
    expect(sent().reasoning_effort).toBeUndefined();
    expect(await gw.waitForRow(rr)).toMatchObject({ endpoint: 'responses', provider: 'moonshot', modelRequested: `moonshot/${model}`, status: 200 });
  }
  // Without it K2.5 thinks, its reasoning comes back.
  const plain = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.5', messages: hi });
  expect((plain.choices[0]!.message as any).reasoning_content).toBe(REASONING);
  // A client's own switch wins over the effort.
  await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi, reasoning_effort: 'none', thinking: { type: 'enabled' } } as any);
  expect(sent().thinking).toEqual({ type: 'enabled' });
  // Other efforts go as sent, thinking left on; so does `none` to a model that does not think.
  await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi, reasoning_effort: 'high' });
  expect(sent()).toMatchObject({ reasoning_effort: 'high' });
  expect(sent().thinking).toBeUndefined();
  await gw.openai().chat.completions.create({ model: 'moonshot/moonshot-v1-8k', messages: hi, reasoning_effort: 'none' });
  expect(sent()).toMatchObject({ reasoning_effort: 'none' });
  expect(sent().thinking).toBeUndefined();
});

test('reasoning_effort "none" on kimi-k2-thinking (it always thinks): a 400 unsupported_parameter before any call; one row', async () => {
  const before = kimi.requests.length;
  const err: any = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2-thinking', messages: hi, reasoning_effort: 'none' }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect(err.error).toMatchObject({ code: 'unsupported_parameter', param: 'reasoning_effort' });
  expect(err.message).toContain('kimi-k2-thinking');
  expect(kimi.requests.length).toBe(before);
  expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ status: 400, provider: 'moonshot' });
});
