/**
 * Claude Code sends `thinking` on every turn. Through a group, the first target (Gemini) gets it as
 * its `reasoning_effort`; when it fails, gpt-4.1 gets the request translated for itself. OpenAI's
 * models that do not reason refuse `reasoning_effort` (its real 400, `unsupported_parameter`), so a
 * fallback to gpt-4.1 sent one would answer that 400 instead of the turn (group-translation.test.ts
 * covers the other provider-dependent settings).
 * Driven with the official @anthropic-ai/sdk against fakes replaying each provider's wire shapes.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { answerOf, anthropicClient, foldChatChunks } from './messages-helpers';

const TEXT = readChunks('openai', 'text.chunks.txt');
/** OpenAI's answer to reasoning_effort on a model that does not reason. */
const REFUSAL = {
  error: { message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.", type: 'invalid_request_error', param: 'reasoning_effort', code: 'unsupported_parameter' },
};

let gemini: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  gemini = startFakeUpstream(() => jsonResponse({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }, 503));
  openai = startFakeUpstream((_r, rec) => {
    const reasons = /^(o\d|gpt-5)/.test(rec.body.model);
    if (rec.body.reasoning_effort !== undefined && !reasons) return jsonResponse(REFUSAL, 400);
    return rec.body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT));
  });
  gw = await startGateway({ env: { ...providerEnv('gemini', gemini.url), ...providerEnv('openai', `${openai.url}/v1`) } });
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-sonnet', strategy: 'heuristic', targets: ['gemini/gemini-2.5-pro', 'openai/gpt-4.1'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  gemini.close();
  openai.close();
});

const turn: Anthropic.MessageCreateParamsNonStreaming = {
  model: 'claude-sonnet-4-5-20250929',
  max_tokens: 32000,
  thinking: { type: 'enabled', budget_tokens: 31999 },
  messages: [{ role: 'user', content: 'Hello' }],
};

for (const stream of [false, true]) {
  test(`Gemini overloaded, the group falls back to gpt-4.1 (${stream ? 'stream' : 'JSON'}): the turn is answered, gpt-4.1 gets no reasoning_effort; one row`, async () => {
    const { data, response } = await answerOf(client, turn, stream);
    expect(data.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?', citations: null }]);
    expect(response.headers.get('x-gophergate-route')).toBe('claude-sonnet>gpt-4.1');
    expect(gemini.last().body.generationConfig.thinkingConfig).toBeDefined();
    expect(openai.last().body.reasoning_effort).toBeUndefined();
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200 });
  });
}

test('an OpenAI reasoning model named directly still gets the effort', async () => {
  await client.messages.create({ ...turn, model: 'openai/o4-mini' });
  expect(openai.last().body.reasoning_effort).toBe('high');
});
