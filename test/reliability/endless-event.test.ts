/**
 * One SSE event (one line) that never ends, on every path that parses an upstream stream: chat
 * translated (Gemini) and relayed (OpenAI-shaped: OpenAI, Ollama), /v1/messages native (Anthropic)
 * and bridged, /v1/responses native (OpenAI) and bridged. The gateway holds at most MAX_EVENT_CHARS
 * of it: before the first byte to the client that is a failed try (a group falls back, a named
 * model answers 502 in the endpoint's shape), after it the stream ends with the endpoint's error
 * event; either way the upstream connection is dropped (the fake stops writing well short of
 * what it would send) and the request leaves one row. The fake is a raw TCP server writing 1 MiB
 * pieces of one line; it gives up after ENDLESS bytes so a broken gateway cannot hang the machine.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createServer, type Server, type Socket } from 'node:net';
import { modelGroups } from '../../src/db/schema';
import { MAX_EVENT_CHARS } from '../../src/providers/shared/sse-parser';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { expectApiError, expectStillServing } from './reliability-helpers';

// Each case moves a little over 64 MiB over loopback: seconds on a loaded CI machine.
setDefaultTimeout(60_000);

const MiB = 1 << 20;
/** What the fake writes at most: a gateway reading it all would hold eight times the cap. */
const ENDLESS = 8 * MAX_EVENT_CHARS;
/** What it may write before the gateway hangs up: the cap, and what sockets and reads had in flight. */
const CUT_BY = MAX_EVENT_CHARS + 48 * MiB;

const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
const SSE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n';
const PIECE = chunk('x'.repeat(MiB));

/** A first event in each wire shape, for a request marked LATE (bytes reach the client first). */
function firstEvent(path: string): string {
  const data = (v: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(v)}\n\n`;
  if (path.includes(':streamGenerateContent')) return data({ candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, index: 0 }], modelVersion: 'gemini-2.5-flash' });
  if (path.endsWith('/messages'))
    return data({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }, 'message_start') +
      data({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start') +
      data({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } }, 'content_block_delta');
  if (path.endsWith('/responses'))
    return data({ type: 'response.created', sequence_number: 0, response: { id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-4o-mini', output: [] } }, 'response.created');
  return data({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] });
}

/** Per request the fake served: what it wrote, and (once its connection closed) whether the gateway hung up before it was done. */
const served: { path: string; written: number; closed: Promise<boolean> }[] = [];

/**
 * Resolved by a LATE test once its client read the first event: only then does the endless line
 * begin (read together with it, the first event would be held with it and never reach the client).
 */
let clientHasRead = Promise.withResolvers<void>();

async function endless(s: Socket, path: string, late: boolean) {
  const closed = Promise.withResolvers<boolean>();
  const rec = { path, written: 0, closed: closed.promise };
  served.push(rec);
  s.on('close', () => closed.resolve(rec.written < ENDLESS));
  s.write(SSE_HEAD);
  if (late) {
    s.write(chunk(firstEvent(path)));
    await clientHasRead.promise;
  }
  s.write(chunk('data: {"x":"'));
  const more = () => {
    while (!s.destroyed && rec.written < ENDLESS) {
      rec.written += MiB;
      if (!s.write(PIECE)) return void s.once('drain', more);
    }
    if (!s.destroyed) s.end('0\r\n\r\n');
  };
  more();
}

let server: Server;
let gw: TestGateway;
beforeAll(async () => {
  server = createServer((s) => {
    s.on('error', () => {});
    let req = '';
    s.on('data', (d) => {
      if (req === null) return;
      req += d.toString('latin1');
      const end = req.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(req)?.[1] ?? 0);
      if (end === -1 || req.length < end + 4 + length) return;
      const path = /^POST (\S+)/.exec(req)?.[1]?.split('?')[0] ?? '';
      const late = req.includes('LATE');
      req = null as unknown as string;
      void endless(s, path, late);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${url}/v1`),
      ...providerEnv('ollama', `${url}/v1`),
      ...providerEnv('deepseek', `${url}/v1`),
      ...providerEnv('anthropic', url),
      ...providerEnv('gemini', url),
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
      // Long enough that a gateway reading on until it fires fails these tests.
      LLM_PROXY__UPSTREAM__TIMEOUT_S: '45',
      LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '45',
    },
  });
  gw.ctx.db.insert(modelGroups).values({ name: 'endless-first', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'mock/echo'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  server.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => {
  clientHasRead = Promise.withResolvers<void>();
  return gw.fetch(path, { method: 'POST', body: JSON.stringify(body), headers });
};
const chat = (model: string, content = 'hi') => post('/v1/chat/completions', { model, stream: true, messages: [{ role: 'user', content }] });
const messages = (model: string, content = 'hi') =>
  post('/v1/messages', { model, stream: true, max_tokens: 100, messages: [{ role: 'user', content }] }, { 'anthropic-version': '2023-06-01' });
const responses = (model: string, input = 'hi') => post('/v1/responses', { model, stream: true, input });

/** The last upstream request went to `path` and was dropped by the gateway soon after the cap. */
async function expectCut(path: string) {
  const last = served.at(-1)!;
  expect(last.path).toEndWith(path);
  expect(await last.closed).toBe(true);
  expect(last.written).toBeLessThan(CUT_BY);
}

/** A LATE stream's text: its first read, then (the fake told to go on) the rest. */
async function readLate(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    text += decoder.decode(r.value, { stream: true });
    clientHasRead.resolve();
  }
  return text;
}

const TOO_LONG = `an SSE event longer than ${MAX_EVENT_CHARS} characters`;

async function expectRow(res: Response, status = 502) {
  const row = await gw.waitForRow(res);
  expect(row.status).toBe(status);
  expect(row.error ?? '').toContain(TOO_LONG);
  return row;
}

describe('before the first byte: a failed try', () => {
  test('chat, a named OpenAI model: 502 in OpenAI shape, the upstream dropped, one row; the gateway did not hold the line', async () => {
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    const res = await chat('openai/gpt-4o-mini');
    const err = await expectApiError(res, 502);
    expect(err.code).toBe('upstream_error');
    expect(err.message).toBe(`Upstream OpenAI (openai) sent ${TOO_LONG} (64 Mi); it was not read to its end.`);
    await expectRow(res);
    await expectCut('/v1/chat/completions');
    Bun.gc(true);
    // Coarse: reading the whole line (ENDLESS, 512 MiB, held as text) would grow the process by far more.
    expect(process.memoryUsage().rss - before).toBeLessThan(ENDLESS / 2);
    await expectStillServing(gw);
  });

  test('chat, a group: the next target answers', async () => {
    const stream = await gw.openai().chat.completions.create({ model: 'endless-first', stream: true, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    let text = '';
    for await (const c of stream.data) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: hello');
    await expectCut('/v1/chat/completions');
    const row = await gw.waitForRow(stream);
    expect(row.status).toBe(200);
  });

  test('chat, Ollama: 502', async () => {
    const res = await chat('ollama/llama3');
    expect((await expectApiError(res, 502)).message).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut('/v1/chat/completions');
  });

  test('/v1/messages native (Anthropic): a 502 in Anthropic shape', async () => {
    const res = await messages('anthropic/claude-sonnet-4-5');
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut('/v1/messages');
  });

  test('/v1/messages bridged (DeepSeek): a 502 in Anthropic shape', async () => {
    const res = await messages('deepseek/deepseek-chat');
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.type).toBe('error');
    expect(body.error.message).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut('/v1/chat/completions');
  });

  test('/v1/responses native (OpenAI): 502 in OpenAI shape', async () => {
    const res = await responses('openai/gpt-4o-mini');
    expect((await expectApiError(res, 502)).message).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut('/v1/responses');
  });

  test('/v1/responses bridged (DeepSeek): 502 in OpenAI shape', async () => {
    const res = await responses('deepseek/deepseek-chat');
    expect((await expectApiError(res, 502)).message).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut('/v1/chat/completions');
  });
});

/** The stream's last two events: the endpoint's error event and what closes the stream (if anything). */
const lastEvents = (text: string) => text.trim().split('\n\n').slice(-2);

describe('after the first byte: the stream ends with the error event', () => {
  test('chat, Gemini translated', async () => {
    const res = await chat('gemini/gemini-2.5-flash', 'LATE');
    expect(res.status).toBe(200);
    const text = await readLate(res);
    expect(text).toContain('"content":"hi"');
    const [error, done] = lastEvents(text);
    expect(done).toBe('data: [DONE]');
    expect(JSON.parse(error!.replace(/^data: /, '')).error.message).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut(':streamGenerateContent');
  });

  test('/v1/messages native (Anthropic): an Anthropic error event, not half an event', async () => {
    const res = await messages('anthropic/claude-sonnet-4-5', 'LATE');
    expect(res.status).toBe(200);
    const text = await readLate(res);
    expect(text).toContain('"text":"hi"');
    expect(text).not.toContain('xxxx');
    const error = text.trim().split('\n\n').at(-1)!;
    expect(error).toStartWith('event: error\n');
    expect(JSON.parse(error.split('\ndata: ')[1]!).error.message).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut('/v1/messages');
  });

  test('/v1/responses native (OpenAI): a Responses error event, not half an event', async () => {
    const res = await responses('openai/gpt-4o-mini', 'LATE');
    expect(res.status).toBe(200);
    const text = await readLate(res);
    expect(text).toContain('response.created');
    expect(text).not.toContain('xxxx');
    const error = text.trim().split('\n\n').at(-1)!;
    expect(error).toStartWith('event: error\n');
    expect(error).toContain(TOO_LONG);
    await expectRow(res);
    await expectCut('/v1/responses');
    await expectStillServing(gw);
  });
});
