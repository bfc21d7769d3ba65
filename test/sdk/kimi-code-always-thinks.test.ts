/**
 * kimi-k2.7-code (and kimi-k2.7-code-highspeed), Moonshot's coding models, always think: their
 * `thinking.type` takes "enabled" only, "Passing "disabled" errors"
 * (platform.kimi.ai/docs/guide/use-kimi-k2-thinking-model). The gateway took them for K2.x models
 * with a switch (as kimi-k2.6), and so sent `thinking: {type: "disabled"}` for a forced tool call,
 * `reasoning_effort: "none"` and /v1/messages `thinking: {type: "disabled"}`: each Kimi's 400 a
 * group could not walk past. Now they are treated as kimi-k2-thinking is: the first two refused
 * before the call by name (a group falls back), the third sent no switch. The fake Kimi refuses
 * `disabled` for them as the real one does. Rows by x-request-id.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { expectForcedToolRefusedThenFallback } from './forced-tool-refusal';

const REASONING = 'The user greets me; I will greet back.';
const CODE_MODELS = ['kimi-k2.7-code', 'kimi-k2.7-code-highspeed'];

/** Kimi's coding models as documented: `disabled` is a 400, every answer thinks. */
const kimi = startFakeUpstream((_req, rec) => {
  const b = rec.body;
  if (b.thinking && b.thinking.type !== 'enabled') return jsonResponse({ error: { message: `thinking type '${b.thinking.type}' is not supported for this model`, type: 'invalid_request_error' } }, 400);
  const answer = fixtureJson('moonshot', 'chat.json');
  answer.model = b.model;
  answer.choices[0].message.reasoning_content = REASONING;
  return jsonResponse(answer);
});
const openai = startFakeUpstream();
let gw: TestGateway;
useGateway(
  (g) => {
    gw = g;
    g.ctx.db.insert(modelGroups).values({ name: 'kimi-code-first', strategy: 'heuristic', targets: ['moonshot/kimi-k2.7-code', 'openai/gpt-4o-mini'], updatedAt: Date.now() }).run();
    g.ctx.state.reload();
  },
  { env: { ...providerEnv('moonshot', `${kimi.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`) } },
);
afterAll(() => {
  kimi.close();
  openai.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];

test('a forced tool call to kimi-k2.7-code: a 400 unsupported_parameter before the call, and a group falls back', async () => {
  await expectForcedToolRefusedThenFallback(gw, kimi, openai, 'moonshot/kimi-k2.7-code', 'kimi-code-first');
});

test("reasoning_effort 'none' to Kimi's coding models: a 400 naming reasoning_effort before the call; one row", async () => {
  for (const model of CODE_MODELS) {
    const before = kimi.requests.length;
    const err = await apiError(gw.openai().chat.completions.create({ model: `moonshot/${model}`, messages: hi, reasoning_effort: 'none' }));
    expect([model, err.status]).toEqual([model, 400]);
    expect(err.error).toMatchObject({ code: 'unsupported_parameter', param: 'reasoning_effort' });
    expect(err.message).toContain('always thinks');
    expect(kimi.requests.length).toBe(before);
    expect(await gw.waitForRow(err.headers!.get('x-request-id')!)).toMatchObject({ status: 400, provider: 'moonshot' });
  }
});

test('/v1/messages thinking disabled to kimi-k2.7-code: no switch sent, the answer and its thinking come back', async () => {
  const anthropic = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  for (const model of CODE_MODELS) {
    const { data, response } = await anthropic.messages
      .create({ model: `moonshot/${model}`, max_tokens: 4096, messages: hi, thinking: { type: 'disabled' } })
      .withResponse();
    expect(kimi.last().body.thinking).toBeUndefined();
    expect(data.content.find((b) => b.type === 'thinking')).toMatchObject({ thinking: REASONING });
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'moonshot', status: 200 });
  }
  // Tool-free chat on the coding model keeps Kimi's own default (thinking), its reasoning comes back.
  const plain = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.7-code', messages: hi });
  expect((plain.choices[0]!.message as any).reasoning_content).toBe(REASONING);
});
