/**
 * Deadlines after the event loop was held up (here the test blocks it with Bun.sleepSync in an
 * I/O callback, as a long GC pause or synchronous task in a handler would): the runtime runs the
 * timers that fell due before it handles the I/O that arrived meanwhile. A deadline whose awaited answer or body came during the
 * hold-up does not act (runtime/deadline.ts looks again once that I/O was handled); one that
 * really passed still does. The outcomes are asserted, never how long anything took.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Socket, TCPSocketListener } from 'bun';
import { connect } from 'node:net';
import { fixtureText, okCompletion, readChunks, startFakeUpstream } from '../helpers/fake-upstream';
import { holdEventLoop } from '../helpers/hold-event-loop';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const chat = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
const COMPLETION = fixtureText('openai', 'chat.json');
const answer = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(COMPLETION)}\r\nconnection: close\r\n\r\n${COMPLETION}`;

/**
 * A fake OpenAI on a raw socket: each request's connection is kept in `held` until the test
 * writes its answer, which goes to the kernel at once (no event loop turn), so the test can
 * block the loop right after it. With `answerAtOnce`, requests are answered as they come.
 */
function rawUpstream() {
  const held: Socket<{ buf: string }>[] = [];
  let requests = 0;
  let answerAtOnce = false;
  const listener: TCPSocketListener<{ buf: string }> = Bun.listen<{ buf: string }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open: (s) => void (s.data = { buf: '' }),
      data(s, d) {
        s.data.buf += new TextDecoder().decode(d);
        const end = s.data.buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(s.data.buf.slice(0, end))?.[1] ?? 0);
        if (s.data.buf.length < end + 4 + length) return;
        s.data.buf = '';
        requests++;
        if (answerAtOnce) return void (s.write(answer), s.end());
        held.push(s);
      },
      error: () => {},
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    held,
    get requests() {
      return requests;
    },
    answerFromNowOn: () => void (answerAtOnce = true),
    close: () => listener.stop(true),
  };
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function until(pred: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await Bun.sleep(10);
  }
}

const waiting = async (gw: TestGateway) => ((await (await fetch(`${gw.url}/health`)).json()) as any).upstream.waiting;

describe('the upstream slot queue after a held-up event loop', () => {
  async function setup() {
    const up = rawUpstream();
    const gw = await startGateway({
      env: { ...providerEnv('openai', `${up.url}/v1`), LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '1', LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S: '1' },
    });
    cleanup.push(() => up.close(), () => gw.close());
    // The one slot is held by a call the upstream has not answered; a second request waits for it.
    const first = gw.fetch('/v1/chat/completions', { method: 'POST', body: chat });
    await until(() => up.held.length === 1, 'the first call at the upstream');
    const second = gw.fetch('/v1/chat/completions', { method: 'POST', body: chat });
    await until(async () => (await waiting(gw)) === 1, 'the second request waiting');
    return { up, gw, first, second };
  }

  test('a slot given back during the hold-up goes to the waiting request: no 503', async () => {
    const { up, gw, first, second } = await setup();
    up.answerFromNowOn();
    // The first call's answer arrives while the loop is held up past the queue timeout.
    await holdEventLoop(2500, () => {
      up.held[0]!.write(answer);
      up.held[0]!.end();
    });
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect((await b.json()).choices[0].message.content).toBeString();
    expect(up.requests).toBe(2);
    expect((await gw.waitForRow(b)).status).toBe(200);
  });

  test('a wait that really ran out still gets 503 overloaded with retry-after', async () => {
    const { up, first, second } = await setup();
    await holdEventLoop(2500);
    const b = await second;
    expect(b.status).toBe(503);
    expect(b.headers.get('retry-after')).toBe('1');
    expect((await b.json()).error.code).toBe('overloaded');
    expect(up.requests).toBe(1);
    up.held[0]!.write(answer);
    up.held[0]!.end();
    expect((await first).status).toBe(200);
  });
});

describe('the request body deadline after a held-up event loop', () => {
  async function setup() {
    const fake = startFakeUpstream(() => okCompletion('gpt-4o-mini'));
    const gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__SERVER__BODY_TIMEOUT_S: '1' } });
    cleanup.push(() => fake.close(), () => gw.close());
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
    cleanup.push(() => socket.destroy());
    let got = '';
    socket.on('data', (d) => void (got += d));
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.clientKey}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${chat.length}\r\n\r\n${chat.slice(0, 10)}`,
    );
    // The gateway has the head and reads the body under its deadline.
    await Bun.sleep(300);
    return { socket, status: async () => (await until(() => got.includes('\r\n'), 'an answer'), Number(got.split(' ')[1])) };
  }

  test('a body whose last bytes came during the hold-up is read: 200, not 408', async () => {
    const { socket, status } = await setup();
    await holdEventLoop(2500, () => socket.write(chat.slice(10)));
    expect(await status()).toBe(200);
  });

  test('a body still missing when the deadline really passed gets 408', async () => {
    const { status } = await setup();
    await holdEventLoop(2500);
    expect(await status()).toBe(408);
  });
});

describe('a stream after a held-up event loop', () => {
  test('chunks that came during a hold-up past the idle timeout are relayed: no 504', async () => {
    const up = rawUpstream();
    const gw = await startGateway({ env: { ...providerEnv('openai', `${up.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1' } });
    cleanup.push(() => up.close(), () => gw.close());
    const chunks = readChunks('openai', 'text.chunks.txt').map((c) => `data: ${c}\n\n`);
    const res = gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ ...JSON.parse(chat), stream: true }) });
    await until(() => up.held.length === 1, 'the call at the upstream');
    const sock = up.held[0]!;
    // The head and a first chunk; the rest comes while the loop is held up past the idle timeout.
    sock.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n${chunks[0]}`);
    const answer = await res;
    expect(answer.status).toBe(200);
    await holdEventLoop(2500, () => {
      sock.write(chunks.slice(1).join(''));
      sock.end();
    });
    const text = await answer.text();
    expect(text).not.toContain('"error"');
    expect(text).toContain('data: [DONE]');
    expect(await gw.waitForRow(answer)).toMatchObject({ status: 200, errorType: null });
    expect(gw.ctx.breakers.state('openai')).toBe('closed');
  });
});
