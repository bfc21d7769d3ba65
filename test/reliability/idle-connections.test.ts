/**
 * Kept-alive client connections left idle are closed (LLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S):
 * a /v1 request lifts Bun's idle limit while it waits on the upstream, and must set it again once
 * its answer is ready, or every connection that ever made a /v1 request would hold its file
 * descriptor for good. A slow upstream still answers (the wait is not the client's idleness).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Socket } from 'bun';
import { jsonResponse, okCompletion, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

// Bun checks idle limits on a 4 s tick: a closing takes up to the limit + 4 s.
setDefaultTimeout(40_000);
// The cases wait on those real ticks side by side (test.concurrent), each on its own connection;
// the fake upstream answers each by the case's tag, the message's content.
const answers = new Map<string, () => Response | Promise<Response>>();

let fake: FakeUpstream;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => answers.get(rec.body.messages[0].content)!());
  gw = await startGateway({
    env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S: '1', LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1' },
  });
  key = gw.addClient('idle connections').key;
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

interface Conn {
  sock: Socket<undefined>;
  text(): string;
  closed(): boolean;
  /** Milliseconds from the first byte of the answer to the close, once closed. */
  closedAfterMs(): number;
}

async function connect(): Promise<Conn> {
  let text = '';
  let firstByte = 0;
  let closedAt = 0;
  const sock = await Bun.connect({
    hostname: '127.0.0.1',
    port: Number(new URL(gw.url).port),
    socket: {
      data: (_s, d) => {
        firstByte ||= Date.now();
        text += new TextDecoder().decode(d);
      },
      error: () => {},
      close: () => void (closedAt = Date.now()),
    },
  });
  return { sock, text: () => text, closed: () => closedAt > 0, closedAfterMs: () => closedAt - firstByte };
}

const post = (body: string) =>
  `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
const chat = (stream: boolean, tag: string) => JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: tag }] });

test.concurrent('after a whole answer, the kept-alive connection is closed once idle for the keep-alive limit', async () => {
  // The upstream takes 2.5 s, longer than the 1 s keep-alive limit: the wait is not idleness.
  answers.set('slow', async () => {
    await Bun.sleep(2500);
    return okCompletion('gpt-4o-mini');
  });
  const c = await connect();
  c.sock.write(post(chat(false, 'slow')));
  await until(() => /"object":"chat\.completion"/.test(c.text()), 20_000);
  expect(c.text()).toStartWith('HTTP/1.1 200');
  // Kept alive (not closed with the answer); Bun's 4 s idle tick may close it any moment now, so
  // whether it is still open when the answer is read is left to chance and not asserted.
  expect(c.text()).not.toMatch(/\r\nconnection: close\r\n/i);
  await until(() => c.closed(), 15_000);
  // 1 s limit + Bun's 4 s tick, with room for a loaded machine.
  expect(c.closedAfterMs()).toBeLessThan(12_000);
});

test.concurrent('after a stream, the kept-alive connection is closed once idle (upstream idle timeout + 5 s)', async () => {
  answers.set('stream', () => sseResponse(readChunks('openai', 'text.chunks.txt')));
  const c = await connect();
  c.sock.write(post(chat(true, 'stream')));
  await until(() => c.text().includes('data: [DONE]'), 15_000);
  await until(() => c.closed(), 25_000);
  expect(c.closedAfterMs()).toBeGreaterThan(3_000);
});

test.concurrent('a connection reused within the limit answers again, and an error answer also gets the limit back', async () => {
  answers.set('reused', () => okCompletion('gpt-4o-mini'));
  const c = await connect();
  c.sock.write(post(chat(false, 'reused')));
  await until(() => (c.text().match(/HTTP\/1.1 200/g) ?? []).length === 1);
  // Refused by the upstream, after the idle limit was lifted for the wait.
  answers.set('reused', () => jsonResponse({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } }, 400));
  c.sock.write(post(chat(false, 'reused')));
  await until(() => /HTTP\/1.1 400/.test(c.text()));
  expect(c.text()).not.toMatch(/\r\nconnection: close\r\n/i);
  await until(() => c.closed(), 15_000);
});

test.concurrent('a body still arriving after the keep-alive limit is read to its end: the body deadline governs, not idleness', async () => {
  // Bun's idle limit is not reset by body bytes: it cut a slow upload once the 1 s keep-alive
  // limit passed (no answer, a 499 row), long before LLM_PROXY__SERVER__BODY_TIMEOUT_S (60 s).
  answers.set('trickled', () => okCompletion('gpt-4o-mini'));
  const c = await connect();
  const body = chat(false, 'trickled');
  c.sock.write(post(body).slice(0, -body.length));
  // ~8 s of trickling: past the limit plus Bun's 4 s tick.
  for (let i = 0; i < body.length && !c.closed(); i++) {
    c.sock.write(body[i]!);
    await Bun.sleep(8000 / body.length);
  }
  await until(() => /"object":"chat\.completion"/.test(c.text()) || c.closed(), 15_000);
  expect(c.text()).toStartWith('HTTP/1.1 200');
  const id = /x-request-id: ([\w-]+)\r\n/.exec(c.text())![1]!;
  expect(await gw.waitForRow(id)).toMatchObject({ status: 200 });
  c.sock.terminate();
});
