/**
 * Backpressure on the native pass-throughs, relayed byte for byte (`/v1/responses` to OpenAI,
 * `/v1/messages` to Anthropic): a client that stops reading holds the upstream back, as on chat
 * (slow-reader-backpressure.test.ts). The upstream here sends as fast as its socket takes it and
 * ends every write inside an event, so the gateway's reads never end on an event's end: the
 * relay must hand on the whole events of a read and keep only the unfinished one, not read on
 * until a read happens to end between events (which, with the client reading nothing, read the
 * whole answer into memory). A client that reads again gets every event intact, one row.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';
import { chunkedBody, rawSseUpstream, rawStream, settles } from './raw-stream-client';

setDefaultTimeout(60_000);

/** Text per delta: its index (8 digits) then filler, so a lost, doubled or reordered event shows. */
const PIECE = 8 * 1024;
/** 16,384 deltas: 128 MiB of text, far more than the socket buffers on both hops hold (20-30 MiB here). */
const FRAMES = 16384;
const TOTAL = FRAMES * PIECE;

const ev = (type: string, o: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...o })}\n\n`;
const textOf = (i: number) => String(i).padStart(8, '0') + 'x'.repeat(PIECE - 8);

/** One API's stream: its events before, per delta and after, the client's request, and how its deltas and usage read. */
interface Wire {
  path: string;
  request: object;
  head: Buffer;
  delta(i: number): Buffer;
  last: Buffer;
  deltaEvent: string;
  deltaText(data: any): string;
  outputTokens: number;
}

const RESPONSE = { id: 'resp_bp', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-4o-mini', output: [], usage: null };
const RESPONSES_USAGE = { input_tokens: 7, output_tokens: 4321, total_tokens: 4328, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } };
const RESPONSES: Wire = {
  path: '/v1/responses',
  request: { model: 'openai/gpt-4o-mini', stream: true, input: 'hi' },
  head: Buffer.from(
    ev('response.created', { sequence_number: 0, response: RESPONSE }) +
      ev('response.output_item.added', { sequence_number: 1, output_index: 0, item: { id: 'msg_bp', type: 'message', status: 'in_progress', role: 'assistant', content: [] } }),
  ),
  delta: (i) => Buffer.from(ev('response.output_text.delta', { sequence_number: i + 2, item_id: 'msg_bp', output_index: 0, content_index: 0, delta: textOf(i) })),
  last: Buffer.from(ev('response.completed', { sequence_number: FRAMES + 2, response: { ...RESPONSE, status: 'completed', usage: RESPONSES_USAGE } })),
  deltaEvent: 'response.output_text.delta',
  deltaText: (d) => d.delta,
  outputTokens: RESPONSES_USAGE.output_tokens,
};

const MESSAGES: Wire = {
  path: '/v1/messages',
  request: { model: 'anthropic/claude-sonnet-4-5', max_tokens: 64000, stream: true, messages: [{ role: 'user', content: 'hi' }] },
  head: Buffer.from(
    ev('message_start', { message: { id: 'msg_bp', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, output_tokens: 1 } } }) +
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ),
  delta: (i) => Buffer.from(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: textOf(i) } })),
  last: Buffer.from(ev('content_block_stop', { index: 0 }) + ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4321 } }) + ev('message_stop', {})),
  deltaEvent: 'content_block_delta',
  deltaText: (d) => d.delta.text,
  outputTokens: 4321,
};

/** An OpenAI Responses and Anthropic Messages upstream on a raw socket, each write ending inside an event, as fast as the socket takes them. */
const startUpstream = () =>
  rawSseUpstream(({ sock, conn, piece, request }) => {
    const wire = request.startsWith('POST /v1/messages') ? MESSAGES : RESPONSES;
    // Each write ends 100 bytes into the next event (the rest of one event, then the start of the
    // next): the gateway's reads end inside an event, never between two.
    let held: Uint8Array = new Uint8Array(0);
    const event = (b: Buffer) => {
      const ok = piece(Buffer.concat([held, b.subarray(0, 100)]));
      held = b.subarray(100);
      return ok;
    };
    let i = 0;
    const pump = () => {
      while (i < FRAMES) if (!event(wire.delta(i++))) return void sock.once('drain', pump);
      event(wire.last);
      piece(held);
      conn.finished = true;
      sock.end('0\r\n\r\n');
    };
    event(wire.head);
    pump();
  });

let upstream: ReturnType<typeof startUpstream>;
let gw: TestGateway;
beforeAll(async () => {
  upstream = startUpstream();
  await upstream.listening;
  // The idle timeout far beyond every wait: only the client decides when it reads.
  const root = upstream.url().replace(/\/v1$/, '');
  gw = await startGateway({ env: { ...providerEnv('openai', upstream.url()), ...providerEnv('anthropic', root), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '120' } });
});
afterAll(async () => {
  await gw.close();
  upstream.server.close();
});

test.each([
  ['/v1/responses (OpenAI)', RESPONSES],
  ['/v1/messages (Anthropic)', MESSAGES],
])('%s: a stream whose client stops reading holds the upstream back; once it reads again every event arrives intact, one row', async (_name, wire) => {
  const before = upstream.conns.length;
  const c = rawStream(gw, gw.clientKey, wire.path, JSON.stringify(wire.request));
  const ended = () => c.tail().endsWith('\r\n0\r\n\r\n');
  await until(() => c.bytes() > 0);
  c.sock.pause();
  await until(() => upstream.conns.length > before);
  const conn = upstream.conns[before]!;
  const held = await settles(() => conn.written);
  expect(conn.finished).toBe(false);
  expect(held).toBeLessThan(TOTAL / 2);

  c.sock.resume();
  await until(ended, 30_000);
  const events = chunkedBody(c.all())
    .split('\n\n')
    .filter((e) => e.startsWith(`event: ${wire.deltaEvent}\n`))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
  expect(events).toHaveLength(FRAMES);
  events.forEach((e, i) => {
    const t: string = wire.deltaText(e);
    if (t.length !== PIECE || t.slice(0, 8) !== String(i).padStart(8, '0')) throw new Error(`delta ${i} arrived wrong: ${t.slice(0, 16)}… (${t.length} chars)`);
  });
  const row = await gw.waitForRow(c.requestId()!);
  expect(row).toMatchObject({ status: 200, errorType: null, completionTokens: wire.outputTokens });
  c.sock.destroy();
});
