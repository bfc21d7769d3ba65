/**
 * An agent's tool that returns an image (a screenshot) in its tool_result, on a conversation with
 * DeepSeek, whose API reads text only: the gateway refused the turn, and every later turn of that
 * conversation (which keeps the result) the same way. A tool result's images and documents now
 * reach DeepSeek as a short text placeholder; an image the user sends at the top level keeps the
 * clear 400; a group's next target that reads images still gets the image.
 */
import { expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, foldChatChunks, PNG_BASE64 } from './messages-helpers';

const TEXT = readChunks('deepseek', 'text.chunks.txt');
const PLACEHOLDER = '[image omitted: deepseek-chat reads text only]';

let deepseek: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;

/** DeepSeek's answer to a non-text part: the deserialisation 400 it really sends. */
function deepseekAnswer(body: any): Response {
  const i = (body.messages as any[]).findIndex((m) => Array.isArray(m.content) && m.content.some((p: any) => p.type !== 'text'));
  if (i >= 0) {
    return jsonResponse({ error: { message: `Failed to deserialize the JSON body into the target type: messages[${i}]: unknown variant \`image_url\`, expected \`text\` at line 1 column 180`, type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
  }
  if (body.messages.at(-1)?.content?.[1]?.text === 'busy') return jsonResponse({ error: { message: 'busy', type: 'server_error' } }, 503);
  return body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT));
}

useGateway(async (g) => {
  gw = g;
  // No rules: DeepSeek first, gpt-4o its fallback.
  gw.ctx.db.insert(modelGroups).values({ name: 'ds-then-gpt', strategy: 'heuristic', targets: ['deepseek-chat', 'gpt-4o'], settings: { rules: [] }, updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
}, {
  env: (() => {
    deepseek = startFakeUpstream((_r, rec) => deepseekAnswer(rec.body));
    openai = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT))));
    return { ...providerEnv('deepseek', `${deepseek.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`) };
  })(),
});

const screenshotTool = { name: 'screenshot', description: 'Takes a screenshot', input_schema: { type: 'object' as const, properties: {} } };
const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: PNG_BASE64 } };

/** A conversation whose tool returned a screenshot, then the user's question on it. */
const conversation = (question: string): Anthropic.MessageParam[] => [
  { role: 'user', content: 'Take a screenshot of the page.' },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'screenshot', input: {} }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'Screenshot taken.' }, image] }, { type: 'text', text: question }] },
];

test('a tool result holding an image reaches DeepSeek as a text placeholder; the turn and the next one succeed', async () => {
  const client = anthropicClient(gw);
  const from = deepseek.requests.length;
  const first = await client.messages.create({ model: 'deepseek-chat', max_tokens: 500, tools: [screenshotTool], messages: conversation('What does it show?') });
  expect(first.content.some((b) => b.type === 'text')).toBe(true);
  // The next turn carries the same tool result in its history.
  const next = client.messages.stream({
    model: 'deepseek-chat', max_tokens: 500, tools: [screenshotTool],
    messages: [...conversation('What does it show?'), { role: 'assistant', content: first.content.filter((b) => b.type === 'text') }, { role: 'user', content: 'Thanks. Anything else?' }],
  });
  expect((await next.finalMessage()).content.some((b) => b.type === 'text')).toBe(true);

  const sent = deepseek.requests.slice(from).map((r) => r.body.messages as any[]);
  expect(sent).toHaveLength(2);
  for (const messages of sent) {
    const tool = messages.find((m) => m.role === 'tool');
    expect(tool).toMatchObject({ tool_call_id: 'toolu_01', content: 'Screenshot taken.' });
    expect(messages[messages.indexOf(tool) + 1]).toEqual({ role: 'user', content: [{ type: 'text', text: PLACEHOLDER }, { type: 'text', text: 'What does it show?' }] });
  }
});

test('an image the user sends at the top level is still the clear 400, nothing sent', async () => {
  const from = deepseek.requests.length;
  const err: any = await anthropicClient(gw).messages.create({
    model: 'deepseek-chat', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }],
  }).catch((e) => e);
  expect(err.status).toBe(400);
  expect(err.error?.error?.type).toBe('invalid_request_error');
  expect(err.error?.error?.message).toContain('read text only');
  expect(deepseek.requests.length).toBe(from);
});

test("the 400 names the block where the client sent it (Anthropic's path and type), though the system prompt and a tool result shift chat's numbering", async () => {
  const from = deepseek.requests.length;
  const pdf = { type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: 'JVBERi0xLjQK' } };
  const refused = async (messages: Anthropic.MessageParam[]) => {
    const err: any = await anthropicClient(gw).messages.create({ model: 'deepseek-chat', max_tokens: 100, system: 'Be brief.', tools: [screenshotTool], messages }).catch((e) => e);
    expect(err.status).toBe(400);
    return err.error?.error?.message as string;
  };
  expect(await refused([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }]))
    .toBe("Content of type 'image' (messages.2.content.1) is not supported by provider 'deepseek': its models read text only.");
  expect(await refused([
    { role: 'user', content: 'Look' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A', name: 'screenshot', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'done' }, pdf] },
  ])).toBe("Content of type 'document' (messages.2.content.1) is not supported by provider 'deepseek': its models read text only.");
  expect(deepseek.requests.length).toBe(from);
});

test('in a group, DeepSeek gets the placeholder and the next target, which reads images, still the image', async () => {
  const [dFrom, oFrom] = [deepseek.requests.length, openai.requests.length];
  const msg = await anthropicClient(gw).messages.create({ model: 'ds-then-gpt', max_tokens: 500, tools: [screenshotTool], messages: conversation('busy') });
  expect(msg.content.some((b) => b.type === 'text')).toBe(true);
  const ds = deepseek.requests.slice(dFrom).map((r) => r.body.messages as any[]);
  expect(ds).toHaveLength(1);
  expect(ds[0]!.at(-1).content[0]).toEqual({ type: 'text', text: PLACEHOLDER });
  const gpt = openai.requests.slice(oFrom).map((r) => r.body.messages as any[]);
  expect(gpt).toHaveLength(1);
  expect(gpt[0]!.at(-1).content[0]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } });
});

test('/v1/responses: a function_call_output holding an image reaches DeepSeek as the same placeholder', async () => {
  const from = deepseek.requests.length;
  const res = await gw.openai().responses.create({
    model: 'deepseek-chat',
    input: [
      { role: 'user', content: 'Take a screenshot of the page.' },
      { type: 'function_call', call_id: 'call_01', name: 'screenshot', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_01', output: [{ type: 'input_text', text: 'Screenshot taken.' }, { type: 'input_image', image_url: `data:image/png;base64,${PNG_BASE64}`, detail: 'auto' }] },
    ],
  });
  expect(res.status).toBe('completed');
  const sent = deepseek.requests.slice(from).map((r) => r.body.messages as any[]);
  expect(sent).toHaveLength(1);
  const messages = sent[0]!;
  const tool = messages.find((m) => m.role === 'tool');
  expect(tool).toMatchObject({ tool_call_id: 'call_01', content: 'Screenshot taken.' });
  expect(messages[messages.indexOf(tool) + 1]).toEqual({ role: 'user', content: [{ type: 'text', text: PLACEHOLDER }] });
});
