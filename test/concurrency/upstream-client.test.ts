/**
 * The gateway's upstream HTTP/1.1 client (src/http/upstream-client.ts) against real sockets: a
 * raw TCP server scripted per test (what goes over the wire is exactly what the test writes), and
 * Bun's own HTTP server (plain and TLS) for the ordinary cases. Loopback only.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Socket, TCPSocketListener } from 'bun';
import { socketFetch } from '../../src/http/upstream-client';
import { fixtureJson, readChunks, replay, replayJson, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';
import { openaiEmbeddingAnswer } from '../embeddings/fake-embeddings';

const TLS_DIR = join(import.meta.dir, '..', 'fixtures', 'tls');

/** One accepted connection of the raw server: the requests it read, and its socket to answer on. */
interface RawConn {
  socket: Socket<RawConn>;
  id: number;
  buffer: string;
  requests: { head: string; body: string }[];
  closed: boolean;
}

/**
 * A TCP server that reads HTTP requests (head + content-length body) and calls `onRequest` with
 * the connection, so each test writes the answer bytes itself.
 */
function rawServer(onRequest: (c: RawConn, req: { head: string; body: string }, nth: number) => void) {
  let next = 0;
  const conns: RawConn[] = [];
  let requestCount = 0;
  const listener: TCPSocketListener<RawConn> = Bun.listen<RawConn>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        const c: RawConn = { socket, id: ++next, buffer: '', requests: [], closed: false };
        socket.data = c;
        conns.push(c);
      },
      data(socket, data) {
        const c = socket.data;
        c.buffer += new TextDecoder('latin1').decode(data);
        for (;;) {
          const end = c.buffer.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = c.buffer.slice(0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (c.buffer.length < end + 4 + length) return;
          const req = { head, body: c.buffer.slice(end + 4, end + 4 + length) };
          c.buffer = c.buffer.slice(end + 4 + length);
          c.requests.push(req);
          onRequest(c, req, ++requestCount);
        }
      },
      close(socket) {
        socket.data.closed = true;
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}`, conns, stop: () => listener.stop(true) };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});
function track<T extends { stop: () => void }>(s: T): T {
  cleanups.push(() => s.stop());
  return s;
}
const never = () => new AbortController().signal;
const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
describe('upstream client on Bun sockets', () => {
  test('sends method, path, headers and body as given; answers reuse one kept-alive connection', async () => {
    const s = track(rawServer((c, req) => c.socket.write(ok(`echo ${Buffer.from(req.body, 'latin1').toString('utf8')}`))));
    for (const n of [1, 2, 3]) {
      const r = await socketFetch({ url: `${s.url}/v1/chat/completions?x=1`, method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body: `{"n":${n},"text":"héllo"}` }, never());
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(`echo {"n":${n},"text":"héllo"}`);
    }
    expect(s.conns.length).toBe(1);
    const head = s.conns[0]!.requests[0]!.head;
    expect(head).toStartWith('POST /v1/chat/completions?x=1 HTTP/1.1\r\n');
    expect(head).toContain(`\r\nhost: ${new URL(s.url).host}\r\n`);
    expect(head).toContain('\r\nauthorization: Bearer sk-test\r\n');
    expect(head).toEndWith(`\r\ncontent-length: ${Buffer.byteLength('{"n":1,"text":"héllo"}')}`);
  });

  test('a chunked stream arrives piece by piece as the upstream writes it, before the upstream has finished', async () => {
    let conn: RawConn | null = null;
    const s = track(rawServer((c) => {
      conn = c;
      c.socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
      c.socket.write('d\r\ndata: first\n\n\r\n');
    }));
    const r = await socketFetch({ url: `${s.url}/v1/chat/completions`, method: 'POST', headers: {}, body: '{}' }, never());
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const reader = r.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
    conn!.socket.write('e\r\ndata: second\n\n\r\n0\r\n\r\n');
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: second\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  test('a pooled connection the server closed as it was reused is retried once on a new one', async () => {
    const s = track(rawServer((c, _req, nth) => {
      if (nth === 2) return void c.socket.end(); // closes the kept-alive connection instead of answering
      c.socket.write(ok(`answer ${nth}`));
    }));
    expect(await (await socketFetch({ url: s.url, method: 'POST', headers: {}, body: 'a' }, never())).text()).toBe('answer 1');
    expect(await (await socketFetch({ url: s.url, method: 'POST', headers: {}, body: 'b' }, never())).text()).toBe('answer 3');
    expect(s.conns.length).toBe(2);
  });

  test('the retry is made once: when the new connection is refused too, the call fails with that', async () => {
    let stopListening = () => {};
    const s = track(rawServer((c, _req, nth) => {
      if (nth === 1) return void c.socket.write(ok('first'));
      stopListening(); // nobody listens any more: the retry's connection is refused
      c.socket.end();
    }));
    stopListening = s.stop;
    expect(await (await socketFetch({ url: s.url, method: 'POST', headers: {}, body: 'a' }, never())).text()).toBe('first');
    await expect(socketFetch({ url: s.url, method: 'POST', headers: {}, body: 'b' }, never())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('a new connection cut before the head is an error, not a retry', async () => {
    const s = track(rawServer((c) => void c.socket.end()));
    await expect(socketFetch({ url: s.url, method: 'POST', headers: {}, body: 'a' }, never())).rejects.toThrow(/closed the connection before answering/);
    expect(s.conns.length).toBe(1);
  });

  test('a body cut mid-way errors the stream; connection: close and a body to the close are not reused', async () => {
    const cut = track(rawServer((c) => {
      c.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
      setTimeout(() => c.socket.end(), 20);
    }));
    const r = await socketFetch({ url: cut.url, method: 'POST', headers: {}, body: '' }, never());
    await expect(r.text()).rejects.toThrow(/mid-body/);

    const closing = track(rawServer((c, _r, nth) => {
      if (nth === 1) c.socket.write(ok('one', 'connection: close\r\n'));
      else {
        c.socket.write('HTTP/1.1 200 OK\r\n\r\nto the close');
        c.socket.end();
      }
    }));
    expect(await (await socketFetch({ url: closing.url, method: 'GET', headers: {} }, never())).text()).toBe('one');
    expect(await (await socketFetch({ url: closing.url, method: 'GET', headers: {} }, never())).text()).toBe('to the close');
    expect(closing.conns.length).toBe(2);
  });

  test('aborting before the head rejects with the reason; aborting mid-body errors the stream and drops the connection', async () => {
    const silent = track(rawServer(() => {}));
    const a = new AbortController();
    const pending = socketFetch({ url: silent.url, method: 'POST', headers: {}, body: 'x' }, a.signal);
    await until(() => silent.conns[0]?.requests.length === 1);
    a.abort(new Error('gateway timeout'));
    await expect(pending).rejects.toThrow('gateway timeout');
    await until(() => silent.conns[0]!.closed);

    const slow = track(rawServer((c) => c.socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n')));
    const b = new AbortController();
    const r = await socketFetch({ url: slow.url, method: 'POST', headers: {}, body: 'x' }, b.signal);
    const reader = r.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('abc');
    b.abort(new Error('client went away'));
    await expect(reader.read()).rejects.toThrow('client went away');
    await until(() => slow.conns[0]!.closed);
    // An aborted signal fails at once, nothing is sent.
    await expect(socketFetch({ url: slow.url, method: 'POST', headers: {}, body: 'x' }, b.signal)).rejects.toThrow('client went away');
    expect(slow.conns.length).toBe(1);
  });

  test('a cancelled body drops its connection; the next call opens a new one', async () => {
    const s = track(rawServer((c) => c.socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n')));
    const r = await socketFetch({ url: s.url, method: 'GET', headers: {} }, never());
    await r.body!.cancel();
    await until(() => s.conns[0]!.closed);
    const again = await socketFetch({ url: s.url, method: 'GET', headers: {} }, never());
    await again.body!.cancel();
    expect(s.conns.length).toBe(2);
  });

  test('a reader that stops reading pauses the socket (the upstream sees backpressure); everything arrives once it reads', async () => {
    const size = 48 * 1024 * 1024;
    const payload = new Uint8Array(size).fill(97);
    let accepted = 0;
    let pending: Uint8Array | null = null;
    const s = track(Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        data(socket) {
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n`);
          pending = payload;
          const n = socket.write(pending);
          accepted += n;
          pending = pending.subarray(n);
        },
        drain(socket) {
          if (!pending?.length) return;
          const n = socket.write(pending);
          accepted += n;
          pending = pending.subarray(n);
        },
      },
    }));
    const r = await socketFetch({ url: `http://127.0.0.1:${s.port}/big`, method: 'GET', headers: {} }, never());
    await Bun.sleep(300);
    expect(accepted).toBeLessThan(size / 2); // held back by the paused socket, not buffered in the gateway
    expect((await r.arrayBuffer()).byteLength).toBe(size);
    expect(accepted).toBe(size);
  });

  test('what a paused reader leaves queued is bounded in bytes, not in pieces (a socket read may be 512 KiB)', async () => {
    // A fast upstream and a reader that takes nothing: what the client queued before pausing its
    // socket is what one stream in flight holds in memory. Counted in pieces (16), it could be 16
    // whole socket reads, ~8 MiB per stream (12 MiB measured), for every client slower than its upstream.
    const piece = new Uint8Array(8192).fill(98);
    let sent = 0;
    const up = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () => new Response(new ReadableStream({ pull: (c) => void (sent < 4096 ? (sent++, c.enqueue(piece)) : c.close()) })),
    });
    try {
      const r = await socketFetch({ url: `http://127.0.0.1:${up.port}/fast`, method: 'GET', headers: {} }, never());
      // Until the upstream stops being able to send (the client paused; the kernel's buffers full).
      let last = -1;
      for (let i = 0; i < 100 && sent !== last; i++) {
        last = sent;
        await Bun.sleep(100);
      }
      expect(sent).toBeLessThan(4096); // held back, not all sent
      // What is queued now is what read() hands over without waiting (a pending read would resume the socket).
      const reader = r.body!.getReader();
      let queued = 0;
      for (;;) {
        const got = await Promise.race([reader.read(), Promise.resolve(null)]);
        if (!got || got.done) break;
        queued += got.value.byteLength;
      }
      expect(queued).toBeLessThan(1024 * 1024);
      await reader.cancel();
    } finally {
      up.stop(true);
    }
  });

  test('a large request body (partial socket writes) arrives whole', async () => {
    const big = 'x'.repeat(8 * 1024 * 1024) + 'é';
    const s = track(Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: async (req) => new Response(String((await req.text()) === big)) }));
    const r = await socketFetch({ url: `http://127.0.0.1:${s.port}/`, method: 'POST', headers: { 'content-type': 'text/plain' }, body: big }, never());
    expect(await r.text()).toBe('true');
  });

  test('a compressed answer is decoded (the client asks for identity, some servers compress anyway)', async () => {
    const text = JSON.stringify({ hello: 'world'.repeat(100) });
    const gz = gzipSync(text);
    const s = track(rawServer((c, req) => {
      expect(req.head).toContain('\r\naccept-encoding: identity');
      c.socket.write(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gz.length}\r\n\r\n`);
      c.socket.write(gz);
    }));
    const r = await socketFetch({ url: s.url, method: 'GET', headers: {} }, never());
    expect(r.headers.get('content-encoding')).toBeNull();
    expect(await r.json()).toEqual(JSON.parse(text));
  });

  test('a header with a line break is refused before anything is sent (no request smuggling)', async () => {
    const s = track(rawServer((c) => c.socket.write(ok('no'))));
    await expect(socketFetch({ url: s.url, method: 'POST', headers: { 'x-beta': 'a\r\nx-evil: 1' }, body: '' }, never())).rejects.toThrow(TypeError);
    await expect(socketFetch({ url: s.url, method: 'POST', headers: { 'bad name': 'a' }, body: '' }, never())).rejects.toThrow(TypeError);
    await expect(socketFetch({ url: 'ftp://127.0.0.1/', method: 'GET', headers: {} }, never())).rejects.toThrow(TypeError);
    await Bun.sleep(20);
    expect(s.conns.length).toBe(0);
  });

  test('an error status keeps its body and headers (retry-after); a refused connection rejects with its code', async () => {
    const s = track(rawServer((c) => c.socket.write('HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\ncontent-length: 13\r\n\r\n{"error":"x"}')));
    const r = await socketFetch({ url: s.url, method: 'POST', headers: {}, body: '' }, never());
    expect([r.status, r.ok, r.statusText, r.headers.get('retry-after'), await r.text()]).toEqual([429, false, 'Too Many Requests', '7', '{"error":"x"}']);
    const closed = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    await expect(socketFetch({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {} }, never())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('https: a certificate the system does not trust is refused with its reason; one it trusts (NODE_EXTRA_CA_CERTS) works', async () => {
    const s = track(Bun.serve({ hostname: '127.0.0.1', port: 0, tls: { cert: Bun.file(join(TLS_DIR, 'cert.pem')), key: Bun.file(join(TLS_DIR, 'key.pem')) }, fetch: () => new Response('secure') }));
    await expect(socketFetch({ url: `https://localhost:${s.port}/`, method: 'GET', headers: {} }, never())).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const script = `import { socketFetch } from ${JSON.stringify(join(import.meta.dir, '..', '..', 'src', 'http', 'upstream-client.ts'))};
      const r = await socketFetch({ url: 'https://localhost:${s.port}/', method: 'GET', headers: {} }, new AbortController().signal);
      console.log(r.status, await r.text());`;
    const proc = Bun.spawn(['bun', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'cert.pem') }, stdout: 'pipe', stderr: 'pipe' });
    expect((await new Response(proc.stdout).text()).trim()).toBe('200 secure');
    expect(await proc.exited).toBe(0);
  });
});

describe('the gateway calls providers through the client it is configured with', () => {
  for (const client of ['socket', 'fetch'] as const) {
    test(`LLM_PROXY__UPSTREAM__CLIENT=${client}: a stream and a completion through the OpenAI SDK, usage on the row`, async () => {
      const fake = startFakeUpstream();
      const gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`, { LLM_PROXY__UPSTREAM__CLIENT: client }) });
      try {
        expect(gw.ctx.config.upstream.client).toBe(client);
        fake.handler = replay('openai', 'text.chunks.txt');
        const stream = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }).withResponse();
        let text = '';
        let usage: unknown = null;
        for await (const chunk of stream.data) {
          text += chunk.choices[0]?.delta?.content ?? '';
          usage ??= chunk.usage;
        }
        const expected = readChunks('openai', 'text.chunks.txt').filter((l) => l !== '[DONE]').map((l) => JSON.parse(l)).map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
        expect(text).toBe(expected);
        expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
        const row = await gw.waitForRow(stream.response);
        expect(row).toMatchObject({ status: 200, stream: true, estimated: false, completionTokens: (usage as any).completion_tokens, promptTokens: (usage as any).prompt_tokens });
        fake.handler = replayJson('openai', 'chat.json');
        const done = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        expect(done.choices[0]!.message.content).toBe(fixtureJson('openai', 'chat.json').choices[0].message.content);
      } finally {
        await gw.close();
        fake.close();
      }
    }, 30_000);
  }

  test('an https provider whose certificate is not trusted: 502 upstream_unreachable naming the reason', async () => {
    const s = track(Bun.serve({ hostname: '127.0.0.1', port: 0, tls: { cert: Bun.file(join(TLS_DIR, 'cert.pem')), key: Bun.file(join(TLS_DIR, 'key.pem')) }, fetch: () => new Response('{}') }));
    const gw = await startGateway({ env: providerEnv('openai', `https://localhost:${s.port}/v1`) });
    try {
      const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(res.status).toBe(502);
      const { error } = (await res.json()) as any;
      expect(error).toMatchObject({ code: 'upstream_unreachable' });
      expect(error.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await gw.close();
    }
  }, 30_000);
});

describe('auto (the default): answers read whole over fetch, streams over the socket client', () => {
  // The socket client asks for `identity` (it decodes nothing it need not); Bun's fetch offers gzip and the rest.
  const encodings = async (env: Record<string, string>) => {
    const fake = startFakeUpstream();
    const gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`, env) });
    const seen: string[] = [];
    try {
      const body = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
      fake.handler = (req, rec, f) => (seen.push(`json ${req.headers.get('accept-encoding')}`), replayJson('openai', 'chat.json')(req, rec, f));
      const done = await gw.openai().chat.completions.create(body).withResponse();
      expect(done.data.choices[0]!.message.content).toBe(fixtureJson('openai', 'chat.json').choices[0].message.content);
      expect(await gw.waitForRow(done.response)).toMatchObject({ status: 200, stream: false });
      fake.handler = (req, rec, f) => (seen.push(`stream ${req.headers.get('accept-encoding')}`), replay('openai', 'text.chunks.txt')(req, rec, f));
      const stream = await gw.openai().chat.completions.create({ ...body, stream: true }).withResponse();
      let text = '';
      for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text.length).toBeGreaterThan(0);
      expect(await gw.waitForRow(stream.response)).toMatchObject({ status: 200, stream: true });
      fake.handler = (req, rec) => (seen.push(`embeddings ${req.headers.get('accept-encoding')}`), openaiEmbeddingAnswer(rec.body, 3));
      const vectors = await gw.openai().embeddings.create({ model: 'openai/text-embedding-3-small', input: 'hi' }).withResponse();
      expect(vectors.data.data).toHaveLength(1);
      expect(await gw.waitForRow(vectors.response)).toMatchObject({ status: 200, promptTokens: 3 });
      return { client: gw.ctx.config.upstream.client, seen };
    } finally {
      await gw.close();
      fake.close();
    }
  };

  test('unset: a chat JSON answer is fetched (gzip offered); a stream and embeddings (maybe large, read up to a cap) go over the socket client (identity)', async () => {
    const { client, seen } = await encodings({});
    expect(client).toBe('auto');
    expect(seen[0]).toMatch(/^json .*gzip/);
    expect(seen.slice(1)).toEqual(['stream identity', 'embeddings identity']);
  }, 30_000);

  test('LLM_PROXY__UPSTREAM__CLIENT=socket: both over the socket client', async () => {
    expect((await encodings({ LLM_PROXY__UPSTREAM__CLIENT: 'socket' })).seen).toEqual(['json identity', 'stream identity', 'embeddings identity']);
  }, 30_000);
});
