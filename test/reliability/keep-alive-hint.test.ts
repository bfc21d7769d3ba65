/**
 * Every answer after which the gateway keeps the connection announces its idle limit as
 * `Keep-Alive: timeout=N` (http/keep-alive-hint.ts), so a client pooling idle connections (Node's
 * http Agent, undici) closes them before the gateway does instead of reusing one just as it is
 * closed (ECONNRESET). A `connection: close` answer announces none.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { okCompletion, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

setDefaultTimeout(40_000);

// The keep-alive limit, and the upstream idle timeout (a stream's connection idles 7 + 5 s after it).
const KEEPALIVE_S = 3;
const IDLE_S = 7;

let fake: FakeUpstream;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  fake = startFakeUpstream(() => okCompletion('gpt-4o-mini'));
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      LLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S: String(KEEPALIVE_S),
      LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: String(IDLE_S),
    },
  });
  key = gw.addClient('keep-alive hint').key;
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** Sends one raw HTTP/1.1 request and returns the answer's status and headers (names in lower case). */
async function head(raw: string): Promise<{ status: number; headers: Record<string, string> }> {
  let text = '';
  const sock = await Bun.connect({
    hostname: '127.0.0.1',
    port: Number(new URL(gw.url).port),
    socket: { data: (_s, d) => void (text += new TextDecoder().decode(d)), error: () => {}, close: () => {} },
  });
  sock.write(raw);
  await until(() => text.includes('\r\n\r\n'));
  sock.terminate();
  const [statusLine, ...lines] = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  return { status: Number(statusLine!.split(' ')[1]), headers };
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${extra}\r\n`;
const post = (path: string, body: string, auth = key) =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${auth}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const chat = (stream: boolean) => JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });

test('/v1 answers announce the idle limit that follows them: the keep-alive limit, or the longer one after a stream', async () => {
  fake.handler = () => okCompletion('gpt-4o-mini');
  const whole = await head(post('/v1/chat/completions', chat(false)));
  expect(whole.status).toBe(200);
  expect(whole.headers['keep-alive']).toBe(`timeout=${KEEPALIVE_S}`);

  fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'));
  const stream = await head(post('/v1/chat/completions', chat(true)));
  expect(stream.status).toBe(200);
  expect(stream.headers['keep-alive']).toBe(`timeout=${IDLE_S + 5}`);

  // An error answer whose body was read keeps the connection: the keep-alive limit.
  const invalid = await head(post('/v1/chat/completions', '{not json'));
  expect(invalid.status).toBe(400);
  expect(invalid.headers['keep-alive']).toBe(`timeout=${KEEPALIVE_S}`);
  expect(invalid.headers.connection).not.toBe('close');

  const models = await head(get('/v1/models', `authorization: Bearer ${key}\r\n`));
  expect(models.status).toBe(200);
  expect(models.headers['keep-alive']).toBe(`timeout=${KEEPALIVE_S}`);
});

test('a /v1 refusal that closes the connection (body left unread) announces no idle limit', async () => {
  const refused = await head(post('/v1/chat/completions', chat(false), 'sk-wrong'));
  expect(refused.status).toBe(401);
  expect(refused.headers.connection).toBe('close');
  expect(refused.headers['keep-alive']).toBeUndefined();
});

test('the other routes (health, /api, dashboard, CORS preflight) announce the keep-alive limit; a connection: close refusal does not', async () => {
  for (const raw of [get('/health'), get('/api/clients'), get('/login'), `OPTIONS /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\norigin: http://x.test\r\naccess-control-request-method: POST\r\n\r\n`]) {
    const r = await head(raw);
    expect(r.headers.connection).not.toBe('close');
    expect(r.headers['keep-alive']).toBe(`timeout=${KEEPALIVE_S}`);
  }
  // A chunked body on an Elysia route is refused 411 and the connection closed (api/body-limit.ts).
  const chunked = await head(`POST /api/clients HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n`);
  expect(chunked.status).toBe(411);
  expect(chunked.headers.connection).toBe('close');
  expect(chunked.headers['keep-alive']).toBeUndefined();
});

/**
 * A TCP relay in front of the gateway that counts the client connections it carries; each side's
 * close closes the other, so the client sees the gateway's closings as they are.
 */
async function countingRelay(): Promise<{ url: string; connections: () => number; stop: () => void }> {
  let connections = 0;
  const gwPort = Number(new URL(gw.url).port);
  type Side = { peer?: Bun.Socket<undefined>; pending: Uint8Array[] };
  const listener = Bun.listen<Side>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        connections++;
        client.data = { pending: [] };
        void Bun.connect({
          hostname: '127.0.0.1',
          port: gwPort,
          socket: { data: (_s, d) => void client.write(d), close: () => void client.end(), error: () => void client.end() },
        }).then((up) => {
          client.data.peer = up;
          for (const d of client.data.pending) up.write(d);
        }, () => void client.end());
      },
      data(client, d) {
        if (client.data.peer) client.data.peer.write(d);
        else client.data.pending.push(new Uint8Array(d));
      },
      close: (client) => void client.data.peer?.end(),
      error: (client) => void client.data.peer?.end(),
    },
  });
  return { url: `http://127.0.0.1:${listener.port}`, connections: () => connections, stop: () => listener.stop(true) };
}

// Node's fetch (its bundled undici, as the openai SDK uses on Node) in its own process. It reads
// the hint and closes an idle pooled connection 1-2 s before the announced limit (its threshold).
const NODE_CLIENT = `
const [url, key, body] = process.argv.slice(1);
const call = () => fetch(url + '/v1/chat/completions', { method: 'POST', headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' }, body })
  .then(async (r) => ({ status: r.status, hint: r.headers.get('keep-alive'), text: await r.text() }), (e) => ({ error: e.cause?.code ?? e.message }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const out = [];
  // Back to back: the same connection. Then a wait past the client's own limit but short of the
  // gateway's: a new connection only if the hint was read. Then waits around and past the
  // gateway's closing (its limit, up to + 4 s for Bun's tick), the race that ends in ECONNRESET.
  for (const ms of [0, 0, ${KEEPALIVE_S * 1000 - 500}, ${KEEPALIVE_S * 1000 + 500}, ${KEEPALIVE_S * 1000 + 2500}]) {
    await sleep(ms);
    out.push(await call());
  }
  console.log(JSON.stringify(out.map(({ text, ...r }) => r)));
})();
`;

test("Node's fetch (undici) reads the hint: an idle connection is not reused past it, and no request fails with ECONNRESET", async () => {
  fake.handler = () => okCompletion('gpt-4o-mini');
  const relay = await countingRelay();
  try {
    const proc = Bun.spawn(['node', '-e', NODE_CLIENT, relay.url, key, chat(false)], { stdout: 'pipe', stderr: 'inherit' });
    const out = JSON.parse(await new Response(proc.stdout).text()) as { status?: number; hint?: string; error?: string }[];
    expect(await proc.exited).toBe(0);
    expect(out.map((r) => r.error ?? r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(out[0]!.hint).toBe(`timeout=${KEEPALIVE_S}`);
    // The second call reused the first connection; every call after a wait opened its own
    // (without the hint, the third reuses the first: the gateway had not closed it yet).
    expect(relay.connections()).toBe(4);
  } finally {
    relay.stop();
  }
});
