/**
 * Streams the gateway relays as the provider wrote them (a /v1/responses pass-through to OpenAI,
 * a /v1/messages pass-through to Anthropic) whose provider reports a failure that echoes the
 * gateway's provider key back: the key reaches neither the client nor the log row. Real gateway,
 * fake upstreams on loopback, rows by request id.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sseEventsResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const OPENAI_KEY = 'sk-test-openai-key-0123456789'; // what providerEnv configures
const ANTHROPIC_KEY = 'sk-test-anthropic-key-0123456789';
const XAI_KEY = 'sk-test-grok-key-0123456789';
/** The key as it is and upper-cased (which no key-shape pattern catches: only redacting the key itself does). */
const echo = (key: string) => `Incorrect API key provided: ${key} (${key.toUpperCase()}).`;
const leaks = (text: string, key: string) => text.toLowerCase().includes(key.slice(5).toLowerCase());

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let xai: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  openai = startFakeUpstream();
  anthropic = startFakeUpstream();
  xai = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('anthropic', anthropic.url), ...providerEnv('grok', `${xai.url}/v1`) } });
});
afterAll(async () => {
  await gw.close();
  openai.close();
  anthropic.close();
  xai.close();
});

const created = { event: 'response.created', data: JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'resp_echo1', object: 'response', status: 'in_progress', model: 'gpt-4o-mini', output: [] } }) };
const responsesStream = () => gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, input: 'hi' }) });

test("Responses pass-through: OpenAI's error event echoing the key", async () => {
  const error = { event: 'error', data: JSON.stringify({ type: 'error', code: 'invalid_api_key', message: echo(OPENAI_KEY), param: null, sequence_number: 1 }) };
  openai.handler = () => sseEventsResponse([created, error]);
  const res = await responsesStream();
  const text = await res.text();
  expect(text).toContain('Incorrect API key provided');
  expect({ where: 'client', leaked: leaks(text, OPENAI_KEY) }).toEqual({ where: 'client', leaked: false });
  const row = await gw.waitForRow(res);
  expect(row.error).toContain('Incorrect API key provided');
  expect({ where: 'log', leaked: leaks(row.error ?? '', OPENAI_KEY) }).toEqual({ where: 'log', leaked: false });
});

test("Responses pass-through: response.failed echoing the key", async () => {
  const failed = {
    event: 'response.failed',
    data: JSON.stringify({
      type: 'response.failed', sequence_number: 1,
      response: { id: 'resp_echo2', object: 'response', status: 'failed', model: 'gpt-4o-mini', output: [], error: { code: 'server_error', message: echo(OPENAI_KEY) } },
    }),
  };
  openai.handler = () => sseEventsResponse([created, failed]);
  const res = await responsesStream();
  const text = await res.text();
  expect(text).toContain('Incorrect API key provided');
  expect({ where: 'client', leaked: leaks(text, OPENAI_KEY) }).toEqual({ where: 'client', leaked: false });
  const row = await gw.waitForRow(res);
  expect({ where: 'log', leaked: leaks(row.error ?? '', OPENAI_KEY) }).toEqual({ where: 'log', leaked: false });
});

test("Responses pass-through to xAI (events re-framed for its ids): its error event echoing the key", async () => {
  const xaiCreated = { event: 'response.created', data: JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'resp_xai_echo', object: 'response', status: 'in_progress', model: 'grok-4-fast-non-reasoning', output: [] } }) };
  const error = { event: 'error', data: JSON.stringify({ code: 'invalid_api_key', error: echo(XAI_KEY) }) };
  xai.handler = () => sseEventsResponse([xaiCreated, error]);
  const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'grok/grok-4-fast-non-reasoning', stream: true, input: 'hi' }) });
  const text = await res.text();
  expect(text).toContain('Incorrect API key provided');
  expect({ where: 'client', leaked: leaks(text, XAI_KEY) }).toEqual({ where: 'client', leaked: false });
  const row = await gw.waitForRow(res);
  expect({ where: 'log', leaked: leaks(row.error ?? '', XAI_KEY) }).toEqual({ where: 'log', leaked: false });
});

test("Messages pass-through: Anthropic's error event after the first bytes echoing the key", async () => {
  const start = `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_echo', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } })}\n\n`;
  const block = `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`;
  const error = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: echo(ANTHROPIC_KEY) } })}\n\n`;
  // The error is sent only once the client has read message_start (held until content_block_start):
  // it comes after the first bytes went out.
  let firstRead!: () => void;
  const read = new Promise<void>((r) => (firstRead = r));
  anthropic.handler = () => {
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (step === 0) c.enqueue(new TextEncoder().encode(start + block));
        else if (step === 1) {
          await read;
          c.enqueue(new TextEncoder().encode(error));
        } else c.close();
        step++;
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  const res = await gw.fetch('/v1/messages', {
    method: 'POST',
    headers: { 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    text += dec.decode(r.value, { stream: true });
    if (text.includes('message_start')) firstRead();
  }
  expect(text).toContain('message_start');
  expect(text).toContain('Incorrect API key provided');
  expect({ where: 'client', leaked: leaks(text, ANTHROPIC_KEY) }).toEqual({ where: 'client', leaked: false });
  const row = await gw.waitForRow(res);
  expect({ where: 'log', leaked: leaks(row.error ?? '', ANTHROPIC_KEY) }).toEqual({ where: 'log', leaked: false });
});
