/**
 * Claude Code opens its system prompt with an attribution block whose hash changes on every request
 * (`x-anthropic-billing-header: cc_version=…; cc_entrypoint=cli; cch=…;`). Anthropic strips it; sent on
 * to DeepSeek, Gemini or OpenAI it made every turn's prompt prefix new, so their automatic prompt
 * caches never hit. Two turns of a session, sent with the official SDK as Claude Code sends them,
 * must reach each provider with the same system prompt, without the block.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { foldChatChunks, foldGeminiChunks } from './messages-helpers';

const REQUEST = fixtureJson('messages', 'claude-code-request.json');
const CHAT = readChunks('messages', 'deepseek-claude-code.chunks.txt');
const GEMINI = readChunks('gemini', 'tool-call-gemini3.chunks.txt');
const attribution = (cch: string) => ({ type: 'text', text: `x-anthropic-billing-header: cc_version=2.1.117.48f; cc_entrypoint=cli; cch=${cch};` });

const chat = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(CHAT) : jsonResponse(foldChatChunks(CHAT))));
const openai = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(CHAT) : jsonResponse(foldChatChunks(CHAT))));
const gemini = startFakeUpstream((_r, rec) => (rec.path.includes(':stream') ? sseResponse(GEMINI) : jsonResponse(foldGeminiChunks(GEMINI))));
afterAll(() => [chat, openai, gemini].forEach((f) => f.close()));
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { ...providerEnv('deepseek', `${chat.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url) } });

const systemSent = (body: any): string => body.systemInstruction?.parts.map((p: any) => p.text).join('') ?? body.messages.find((m: any) => m.role === 'system').content;

for (const [model, fake] of [['deepseek-chat', chat], ['gpt-5', openai], ['gemini-2.5-pro', gemini]] as const) {
  test(`${model}: two turns with new attribution hashes send the same system prompt, without the block`, async () => {
    const client = new Anthropic({ authToken: gw.clientKey, apiKey: null, baseURL: gw.url, maxRetries: 0 });
    const sent: string[] = [];
    for (const cch of ['71fea', '0b3c2']) {
      await client.beta.messages.stream({ ...REQUEST, model, system: [attribution(cch), ...REQUEST.system], betas: ['claude-code-20250219', 'interleaved-thinking-2025-05-14'] }).finalMessage();
      sent.push(systemSent(fake.last().body));
    }
    expect(sent[0]).not.toContain('x-anthropic-billing-header');
    expect(sent[0]!.startsWith("You are Claude Code, Anthropic's official CLI for Claude.")).toBe(true);
    expect(sent[1]).toBe(sent[0]!);
  });
}

test('the attribution as the first line of a system string: the line alone is left out', async () => {
  const res = await gw.fetch('/v1/messages', {
    method: 'POST',
    body: JSON.stringify({ model: 'deepseek-chat', max_tokens: 100, system: `${attribution('71fea').text}\nBe brief.`, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  expect(systemSent(chat.last().body)).toBe('Be brief.');
});
