/**
 * A stored Responses conversation whose tool returned an image (a `function_call_output` with an
 * `input_image` part: an agent's screenshot), continued with `previous_response_id`. The image is
 * kept after the run of tool messages, marked as a tool result's so a text-only model (DeepSeek)
 * reads a placeholder. The mark lived on the in-memory object only: a follow-up that read the
 * conversation from the table (another instance, a restart) sent the image as a plain user image,
 * and DeepSeek's 400 failed that turn and every later one.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { foldChatChunks, PNG_BASE64 } from '../messages/messages-helpers';
import { schemaErrors } from './openai-schema';

const TEXT = readChunks('deepseek', 'text.chunks.txt');
const PLACEHOLDER = '[image omitted: deepseek-chat reads text only]';
const PNG = `data:image/png;base64,${PNG_BASE64}`;

let deepseek: FakeUpstream;
let openai: FakeUpstream;
let dir: string;
let a: TestGateway;
let b: TestGateway;

/** DeepSeek's answer to a non-text part: the deserialisation 400 it really sends. */
function deepseekAnswer(body: any): Response {
  const i = (body.messages as any[]).findIndex((m) => Array.isArray(m.content) && m.content.some((p: any) => p.type !== 'text'));
  if (i >= 0) {
    return jsonResponse({ error: { message: `Failed to deserialize the JSON body into the target type: messages[${i}]: unknown variant \`image_url\`, expected \`text\` at line 1 column 180`, type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
  }
  return body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT));
}

beforeAll(async () => {
  deepseek = startFakeUpstream((_r, rec) => deepseekAnswer(rec.body));
  openai = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT))));
  dir = mkdtempSync(join(tmpdir(), 'gophergate-tool-image-'));
  // Two gateways on one database: B reads what A stored from the table, as after a restart.
  const env = { LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db'), ...providerEnv('deepseek', `${deepseek.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`) };
  a = await startGateway({ env });
  b = await startGateway({ env });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  deepseek?.close();
  openai?.close();
  rmSync(dir, { recursive: true, force: true });
});

const screenshotTurn = [
  { role: 'user' as const, content: 'Take a screenshot of the page.' },
  { type: 'function_call' as const, call_id: 'call_shot', name: 'screenshot', arguments: '{}' },
  { type: 'function_call_output' as const, call_id: 'call_shot', output: [{ type: 'input_text' as const, text: 'Screenshot taken.' }, { type: 'input_image' as const, image_url: PNG, detail: 'auto' as const }] },
];

/** The messages after the tool message of one request DeepSeek received. */
const afterTool = (messages: any[]) => messages[messages.findIndex((m) => m.role === 'tool') + 1];

/** A's queued writes in the table, so B reads what A stored (as the next instance would). */
const written = () => a.ctx.responseStore.flush();

test('same gateway: the follow-up keeps the screenshot as DeepSeek\'s placeholder', async () => {
  const client = a.openai();
  const first = await client.responses.create({ model: 'deepseek-chat', input: screenshotTurn });
  const from = deepseek.requests.length;
  const next = await client.responses.create({ model: 'deepseek-chat', previous_response_id: first.id, input: 'Anything else on it?' });
  expect(next.status).toBe('completed');
  const sent = deepseek.requests.slice(from).map((r) => r.body.messages as any[]);
  expect(sent).toHaveLength(1);
  expect(afterTool(sent[0]!)).toEqual({ role: 'user', content: [{ type: 'text', text: PLACEHOLDER }] });
});

test('read from the table (another instance): the image keeps its tool-result mark, DeepSeek gets the placeholder, a streamed follow-up too', async () => {
  const first = await a.openai().responses.create({ model: 'deepseek-chat', input: screenshotTurn });
  const from = deepseek.requests.length;
  await written();
  const next = await b.openai(a.clientKey).responses.create({ model: 'deepseek-chat', previous_response_id: first.id, input: 'Anything else on it?' });
  await b.ctx.responseStore.flush();
  expect(next.status).toBe('completed');
  // And the turn after it, streamed, on A again (its history read back through B's stored row).
  const stream = await a.openai().responses.stream({ model: 'deepseek-chat', previous_response_id: next.id, input: 'Thanks.' }).finalResponse();
  expect(stream.status).toBe('completed');
  const sent = deepseek.requests.slice(from).map((r) => r.body.messages as any[]);
  expect(sent).toHaveLength(2);
  for (const messages of sent) {
    expect(messages.find((m) => m.role === 'tool')).toMatchObject({ tool_call_id: 'call_shot', content: 'Screenshot taken.' });
    expect(afterTool(messages)).toEqual({ role: 'user', content: [{ type: 'text', text: PLACEHOLDER }] });
  }
});

test('read from the table, continued by a model that reads images: it gets the image itself', async () => {
  const first = await a.openai().responses.create({ model: 'deepseek-chat', input: screenshotTurn });
  const from = openai.requests.length;
  // gpt-4o continuing a bridged response stays on the bridge (OpenAI never saw the id): chat completions.
  await written();
  const next = await b.openai(a.clientKey).responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'Describe it.' });
  expect(next.status).toBe('completed');
  const sent = openai.requests.slice(from).map((r) => r.body.messages as any[]);
  expect(sent).toHaveLength(1);
  expect(afterTool(sent[0]!)).toEqual({ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG, detail: 'auto' } }] });
});

test('input_items of the stored response list the tool output with its image, as sent, in OpenAI\'s schema (on the other instance too)', async () => {
  const first = await a.openai().responses.create({ model: 'deepseek-chat', input: screenshotTurn });
  await written();
  const res = await b.fetch(`/v1/responses/${first.id}/input_items?order=asc`, { headers: { authorization: `Bearer ${a.clientKey}` } });
  const list = await res.json();
  expect(schemaErrors('ResponseItemList', list)).toEqual([]);
  expect(list.data.map((i: any) => i.type)).toEqual(['message', 'function_call', 'function_call_output']);
  expect(list.data[2]).toMatchObject({ call_id: 'call_shot', output: screenshotTurn[2]!.output });
});
