/**
 * Ollama's OpenAI endpoint on an error mid-stream (a runner crash, out of memory): its server puts
 * the native `{"error":"…"}` line through the OpenAI middleware, which reads it as a chat response
 * (an unknown field, so no error) and writes one empty chunk, then the stream ends without a finish
 * reason or `[DONE]` (server/routes.go streamResponse, middleware/openai.go ChatWriter). The error's
 * words never reach the wire; the client must still learn the answer was cut, and the row say so.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let up: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  up = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('ollama', `${up.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  up.close();
});

/** The chunk Ollama writes for its error line: no role, empty content, the model "" (the error line named none). */
const errorLineChunk = JSON.stringify({ id: 'chatcmpl-412', object: 'chat.completion.chunk', created: 1757925900, model: '', system_fingerprint: 'fp_ollama', choices: [{ index: 0, delta: { content: '' }, finish_reason: null }] });

test('the text so far reaches the client, then an error (not a clean end); the row is an error saying the stream was cut', async () => {
  up.handler = () => sseResponse([...readChunks('ollama', 'text.chunks.txt').slice(0, 3), errorLineChunk]);
  const stream = await gw.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: [{ role: 'user', content: 'Hello' }], stream: true }).withResponse();
  let text = '';
  const err = await (async () => {
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? '';
  })().catch((e) => e);
  expect(text).toBe('Hello');
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.message).toContain('ollama stream ended before it finished');
  const row = await gw.waitForRow(stream.response);
  expect(row.stream).toBe(true);
  expect(row.error).toContain('ollama stream ended before it finished');
  expect(row.status).not.toBe(200);
});
