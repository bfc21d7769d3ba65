/**
 * Claude Code sends `thinking` on every turn. OpenAI's GPT-5 chat models (gpt-5-chat-latest,
 * gpt-5.1-chat-latest, gpt-5.2-chat-latest) are not reasoning models to the chat API: gpt-5-chat
 * refuses `reasoning_effort` outright and the later ones take only its default (`medium`), so a
 * translated turn that sent them the thinking budget's effort was OpenAI's 400 instead of an answer.
 * They get none (they answer without thinking blocks, as gpt-4.1 does); GPT-5 itself keeps it.
 * Driven with the official @anthropic-ai/sdk against a fake OpenAI giving its real refusals.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { answerOf, anthropicClient, foldChatChunks } from './messages-helpers';

const TEXT = readChunks('openai', 'text.chunks.txt');
const refusal = (message: string, code: string) => ({ error: { message, type: 'invalid_request_error', param: 'reasoning_effort', code } });

/** OpenAI's answers to `reasoning_effort` on its GPT-5 chat models (the real 400s). */
function chatModelRefusal(model: string, effort: unknown): object | null {
  if (effort === undefined) return null;
  if (/^gpt-5-chat/.test(model)) return refusal("Unsupported parameter: 'reasoning_effort' is not supported with this model.", 'unsupported_parameter');
  if (/^gpt-5\.\d+-chat/.test(model) && effort !== 'medium') {
    return refusal(`Unsupported value: 'reasoning_effort' does not support '${effort}' with this model. Supported values are: 'medium'.`, 'unsupported_value');
  }
  return null;
}

let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream((_r, rec) => {
    const refused = chatModelRefusal(rec.body.model, rec.body.reasoning_effort);
    if (refused) return jsonResponse(refused, 400);
    return rec.body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT));
  });
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

const turn = (model: string): Anthropic.MessageCreateParamsNonStreaming => ({
  model,
  max_tokens: 32000,
  thinking: { type: 'enabled', budget_tokens: 31999 },
  messages: [{ role: 'user', content: 'Hello' }],
});

for (const model of ['gpt-5-chat-latest', 'gpt-5.1-chat-latest', 'gpt-5.2-chat-latest']) {
  for (const stream of [false, true]) {
    test(`${model} with thinking on (${stream ? 'stream' : 'JSON'}): answered, no reasoning_effort sent; one row`, async () => {
      const params = turn(`openai/${model}`);
      const { data, response } = await answerOf(client, params, stream);
      expect(data.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?', citations: null }]);
      expect(openai.last().body.model).toBe(model);
      expect(openai.last().body.reasoning_effort).toBeUndefined();
      expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200 });
    });
  }
}

test('GPT-5 itself, a reasoning model, still gets the effort', async () => {
  await client.messages.create(turn('openai/gpt-5'));
  expect(openai.last().body.reasoning_effort).toBe('high');
});
