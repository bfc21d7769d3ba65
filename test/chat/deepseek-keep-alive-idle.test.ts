/**
 * While a request waits in DeepSeek's queue, DeepSeek keeps the connection open with `: keep-alive`
 * SSE comments (a stream) or blank lines (a whole answer), for up to 10 minutes. The idle timeout
 * (LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S) is for an upstream gone silent: bytes that arrive, though
 * they make no chunk, are not silence, so a queued request outlasting the idle timeout is answered,
 * not cut with a 504. Here the timeout is 1 s and DeepSeek sends a keep-alive every 100 ms for
 * well over a second. Each request leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let deepseek: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  deepseek = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('deepseek', `${deepseek.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1' } });
});
afterAll(async () => {
  await gw?.close();
  deepseek?.close();
});

/** `keepAlives` pieces 100 ms apart, then the rest in one write, as DeepSeek writes while the request is queued. */
function queued(keepAlive: string, keepAlives: number, rest: string, contentType: string): Response {
  const enc = new TextEncoder();
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      await Bun.sleep(100);
      if (sent++ < keepAlives) return c.enqueue(enc.encode(keepAlive));
      c.enqueue(enc.encode(rest));
      c.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': contentType } });
}

test('stream: `: keep-alive` comments for longer than the idle timeout, then the answer: the client gets it all, the row is a 200', async () => {
  const chunks = readChunks('deepseek', 'text.chunks.txt');
  deepseek.handler = () => queued(': keep-alive\n\n', 25, chunks.map((c) => `data: ${c}\n\n`).join(''), 'text/event-stream; charset=utf-8');
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let usage: { prompt_tokens: number } | undefined;
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? '';
    usage = c.usage ?? usage;
  }
  expect(text).toBe('Hello! How can I help?');
  expect(usage?.prompt_tokens).toBeGreaterThan(0);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'deepseek', stream: true, error: null, promptTokens: usage!.prompt_tokens });
}, 30_000);
