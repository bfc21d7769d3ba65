/**
 * A Claude Code session on DeepSeek V4 (thinking mode) resumed where the gateway holds none of its
 * reasoning (restarted, another instance, or past the reasoning memory's hour: `claude --resume`
 * the next day). DeepSeek's thinking-mode guide: between two user messages where the model called a
 * tool, every assistant message's reasoning_content "must be passed back to the API", the answer
 * that came after the tool results included. Claude Code sends each turn back verbatim, its thinking
 * blocks too, so the gateway has that reasoning in the request itself and must send it, not ''.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { foldChatChunks } from './messages-helpers';

const MODEL = 'deepseek/deepseek-v4-pro';
const reasoningOf = (t: number) => `Reasoning of step ${t}.`;

/** DeepSeek's 400 when an assistant message of a tool-calling stretch comes back without its reasoning_content. */
function refusal(messages: any[]): Response | null {
  // The stretches between two user messages in which the model called a tool.
  const segments: any[][] = [];
  let current: any[] = [];
  for (const m of messages) {
    if (m.role === 'user') {
      segments.push(current);
      current = [];
    } else current.push(m);
  }
  segments.push(current);
  for (const seg of segments) {
    if (!seg.some((m) => m.role === 'assistant' && m.tool_calls?.length)) continue;
    for (const m of seg) {
      if (m.role === 'assistant' && typeof m.reasoning_content !== 'string') {
        return jsonResponse({ error: { message: 'The reasoning_content in the thinking mode must be passed back to the API.', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
      }
    }
  }
  return null;
}

/** Step `t` of the loop (its assistant messages so far): a Read call on the first, then an answer. */
function chunks(t: number): string[] {
  const c = (delta: object, finish: string | null = null) =>
    JSON.stringify({ id: `ds-${t}`, object: 'chat.completion.chunk', created: 1764000000, model: 'deepseek-v4-pro', system_fingerprint: 'fp_ds', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const usage = JSON.stringify({ id: `ds-${t}`, object: 'chat.completion.chunk', created: 1764000000, model: 'deepseek-v4-pro', choices: [], usage: { prompt_tokens: 900, completion_tokens: 40, total_tokens: 940, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 900, completion_tokens_details: { reasoning_tokens: 12 } } });
  const head = [c({ role: 'assistant', content: null, reasoning_content: '' }), c({ reasoning_content: reasoningOf(t) })];
  const body =
    t % 2 === 0
      ? [c({ tool_calls: [{ index: 0, id: `call_00_step${t}`, type: 'function', function: { name: 'Read', arguments: '' } }] }), c({ tool_calls: [{ index: 0, function: { arguments: `{"file_path":"/repo/f${t}.ts"}` } }] }), c({}, 'tool_calls')]
      : [c({ content: `Step ${t} done.` }), c({}, 'stop')];
  return [...head, ...body, usage, '[DONE]'];
}

const agent: FakeHandler = (_req, rec) => {
  const bad = refusal(rec.body.messages);
  if (bad) return bad;
  const cs = chunks(rec.body.messages.filter((m: any) => m.role === 'assistant').length);
  return rec.body.stream ? sseResponse(cs) : jsonResponse(foldChatChunks(cs));
};

let fake: FakeUpstream;
beforeAll(() => void (fake = startFakeUpstream(agent)));
afterAll(() => fake.close());

const tools: Anthropic.Tool[] = [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } }];

async function turn(gw: TestGateway, history: Anthropic.MessageParam[]): Promise<Anthropic.Message> {
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0, timeout: 20_000, defaultHeaders: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' } });
  const message = await client.messages.stream({ model: MODEL, max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 31_999 }, tools, messages: history }).finalMessage();
  history.push({ role: 'assistant', content: message.content as any });
  const calls = message.content.filter((b) => b.type === 'tool_use');
  if (calls.length) history.push({ role: 'user', content: calls.map((b: any) => ({ type: 'tool_result' as const, tool_use_id: b.id, content: 'export const x = 1;' })) });
  return message;
}

test('a resumed DeepSeek session: each assistant message of the tool loop goes back with the reasoning the client sent, the answer after the tool results too', async () => {
  const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Read f0 and tell me what it exports.' }];
  const first = await startGateway({ env: providerEnv('deepseek', `${fake.url}/v1`) });
  try {
    expect((await turn(first, history)).stop_reason).toBe('tool_use');
    expect((await turn(first, history)).stop_reason).toBe('end_turn');
  } finally {
    await first.close();
  }
  // The session resumed on a gateway that never saw it.
  history.push({ role: 'user', content: 'Now read the next one.' });
  const second = await startGateway({ env: providerEnv('deepseek', `${fake.url}/v1`) });
  try {
    expect((await turn(second, history)).stop_reason).toBe('tool_use');
  } finally {
    await second.close();
  }
  const sent = fake.last().body.messages.filter((m: any) => m.role === 'assistant');
  expect(sent.map((m: any) => [m.content, m.reasoning_content])).toEqual([
    [null, reasoningOf(0)],
    ['Step 1 done.', reasoningOf(1)],
  ]);
}, 60_000);
