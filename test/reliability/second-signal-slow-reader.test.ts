/**
 * A second stop signal (UpstreamSlots.cutAll, what main.ts runs on it) while a stream's client
 * reads nothing: the relay is waiting for that client, with no read pending to notice the cut. The
 * request still ends at once as documented: its row says 503 `shutting_down` (not, 2 s later when the
 * server drops the connection, 499 `client_closed_request`), the upstream call is closed, and a
 * client that reads again gets what was relayed, then the error event and `[DONE]`.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';
import { chunkedBody, rawSseUpstream, rawStream, settles } from './raw-stream-client';

setDefaultTimeout(60_000);

const frame = Buffer.from(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'x'.repeat(8192) }, finish_reason: null }] })}\n\n`);

/** An OpenAI-shaped upstream that streams 8 KiB chunks as fast as its socket takes them, until closed. */
const upstream = rawSseUpstream(({ sock, piece }) => {
  const pump = () => {
    while (!sock.destroyed) if (!piece(frame)) return void sock.once('drain', pump);
  };
  pump();
});
let gw: TestGateway;
beforeAll(async () => {
  await upstream.listening;
  // The idle timeout far beyond every wait: nothing but the cut ends these streams.
  gw = await startGateway({ env: { ...providerEnv('openai', upstream.url()), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '120' } });
});
afterAll(async () => {
  await gw.close();
  upstream.server.close();
});

test('cut while the client reads nothing: the row says 503 shutting_down at once, the upstream closes, the client then reads the error event', async () => {
  const N = 5;
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const clients = Array.from({ length: N }, () => rawStream(gw, gw.clientKey, '/v1/chat/completions', body));
  await until(() => clients.every((c) => c.requestId() !== undefined));
  for (const c of clients) c.sock.pause();
  await until(() => upstream.conns.length === N);
  // Every hop's buffers full: the relays wait for their clients.
  await settles(() => upstream.conns.reduce((n, c) => n + c.written, 0));

  gw.ctx.upstreamSlots.cutAll();
  for (const c of clients) {
    const row = await gw.waitForRow(c.requestId()!, 10_000);
    expect(row).toMatchObject({ status: 503, errorType: 'shutting_down' });
  }
  await until(() => upstream.conns.every((c) => c.closed));

  for (const c of clients) c.sock.resume();
  await until(() => clients.every((c) => c.tail().endsWith('data: [DONE]\n\n\r\n0\r\n\r\n')), 30_000);
  for (const c of clients) {
    const events = chunkedBody(c.all()).trimEnd().split('\n\n');
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(events.at(-2)!.slice('data: '.length)).error).toMatchObject({ code: 'shutting_down', type: 'server_error' });
    c.sock.destroy();
  }
});
