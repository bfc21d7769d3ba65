/**
 * The real server process at its open-file limit (`prlimit --nofile=128:128`, so a hundred sockets
 * exhaust it): idle client connections take every descriptor, then requests arrive on some of
 * them, and the connection each would open (to its upstream, to an image URL) fails with EMFILE.
 * That is the gateway's own limit, neither the provider failing nor the client's mistake: each
 * request is a 503 `overloaded` with `retry-after` and one row, the provider's circuit stays
 * closed, and once the connections go the next request is served. Before, each was a 502
 * `upstream_unreachable` ("ECONNREFUSED": Bun reports that EMFILE so) counted against the provider,
 * whose circuit then opened and refused every request for its cooldown; and the process's first
 * fetch() there (the fetch client's first call, an image download) ended the process, as did the
 * token counter's thread started there (an answer without usage).
 * Linux with prlimit only (spawns a process per test, a few seconds each).
 */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Socket } from 'bun';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { answersOf, type RawAnswer } from '../helpers/raw-http';
import { until } from '../helpers/until';

const LIMIT = 128;
const CONNECTIONS = 160; // more than fit: the last wait in the listen backlog
const REQUESTS = 12; // more than the 5 failures in a row that open a circuit
const ADMIN_PASSWORD = 'descriptor-exhaustion-admin';
const canRun = process.platform === 'linux' && Bun.which('prlimit') !== null;

let fake: FakeUpstream;
const dirs: string[] = [];
const gateways: GatewayProcess[] = [];
/** The tests' raw connections: closed in afterAll too, so a failed run does not leave a process draining them. */
const socks: Socket<number>[] = [];

/** Resolves the answers held back (the upstream's `hold` requests). */
let release: () => void = () => {};
const released = new Promise<void>((r) => (release = r));

beforeAll(() => {
  if (!canRun) return;
  fake = startFakeUpstream(async (_req, rec) => {
    if (rec.body?.messages?.[0]?.content !== 'hold') return okCompletion(rec.body?.model ?? 'gpt-4o-mini');
    await released;
    // No usage: the gateway counts the tokens itself.
    return Response.json({ id: 'chatcmpl-2', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'counted here' }, finish_reason: 'stop' }] });
  });
});
afterAll(async () => {
  for (const s of socks) s.terminate();
  for (const gw of gateways) gw.proc.kill('SIGTERM');
  await Promise.all(gateways.map((gw) => gw.proc.exited));
  fake?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const openFiles = (gw: GatewayProcess) => readdirSync(`/proc/${gw.proc.pid}/fd`).length;

/** The client ports of the connections the process holds: its sockets (by inode) on the gateway's port in /proc/net/tcp. */
function acceptedPeerPorts(gw: GatewayProcess): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${gw.proc.pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${gw.proc.pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const line of readFileSync(`/proc/${gw.proc.pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/); // sl local_address rem_address st ... uid timeout inode
    if (f.length > 9 && parseInt(f[1]!.split(':')[1]!, 16) === gw.port && inodes.has(f[9]!)) ports.add(parseInt(f[2]!.split(':')[1]!, 16));
  }
  return ports;
}

/** A server process under the limit, with a client key. */
async function startAtLimit(env: Record<string, string>): Promise<{ gw: GatewayProcess; key: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gg-emfile-'));
  dirs.push(dir);
  const gw = await startGatewayProcess({ cwd: dir, dbPath: join(dir, 'gophergate.db'), adminPassword: ADMIN_PASSWORD, wrap: ['prlimit', `--nofile=${LIMIT}:${LIMIT}`], env });
  gateways.push(gw);
  // The warning at start says the limit caps the requests in flight (printed just after the line saying it listens).
  await until(() => gw.out().includes(`the open-file limit is ${LIMIT}`), 10_000, 20);
  return { gw, key: await createClientKey(gw.url, ADMIN_PASSWORD, 'emfile'), dir };
}

/** Opens idle connections to the process until it holds every descriptor it may; returns them and what each received. */
async function fillDescriptors(gw: GatewayProcess): Promise<{ mine: Socket<number>[]; texts: string[] }> {
  const texts: string[] = Array(CONNECTIONS).fill('');
  const mine: Socket<number>[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const sock = await Bun.connect({ hostname: '127.0.0.1', port: gw.port, data: i, socket: { data: (s, d) => void (texts[s.data] += d.toString('latin1')), error: () => {} } });
    mine.push(sock);
    socks.push(sock);
  }
  await until(() => openFiles(gw) >= LIMIT, 15_000, 20);
  return { mine, texts };
}

/**
 * Fills the process's descriptors with idle connections, then sends `body` to chat completions
 * on REQUESTS of those it accepted (not in the order they came: the others wait in the backlog),
 * one at a time; returns their answers and closes every connection.
 */
async function requestsAtTheLimit(gw: GatewayProcess, key: string, body: string): Promise<RawAnswer[]> {
  const { mine, texts } = await fillDescriptors(gw);
  const accepted = acceptedPeerPorts(gw);
  const chosen = mine.filter((s) => accepted.has(s.localPort)).slice(0, REQUESTS);
  expect(chosen).toHaveLength(REQUESTS);
  const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  for (const s of chosen) {
    s.write(head + body);
    await until(() => answersOf(texts[s.data]!).length > 0 || gw.proc.exitCode !== null, 15_000, 10);
    expect(gw.proc.exitCode).toBeNull();
  }
  for (const s of mine) s.terminate();
  await until(() => openFiles(gw) < LIMIT - 40, 15_000, 50);
  return chosen.map((s) => answersOf(texts[s.data]!)[0]!);
}

/** Each answer is 503 overloaded with retry-after, saying what it could not reach, and has one row saying so. */
/** What /health and /metrics count of them: each as refused for lack of a descriptor, none as a queue timeout. */
async function expectCounted(gw: GatewayProcess, n: number): Promise<void> {
  const health = (await (await fetch(`${gw.url}/health`)).json()) as any;
  expect(health.upstream).toMatchObject({ refused: 0, refused_out_of_files: n });
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  const counter = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1]);
  expect({ outOfFiles: counter('gophergate_out_of_files_refusals_total'), queue: counter('gophergate_upstream_overloaded_total') }).toEqual({ outOfFiles: n, queue: 0 });
}

async function expectOverloaded(dir: string, answers: RawAnswer[], what: string): Promise<void> {
  for (const a of answers) {
    expect({ status: a.status, code: JSON.parse(a.body).error?.code, retryAfter: a.headers['retry-after'] }).toEqual({ status: 503, code: 'overloaded', retryAfter: '1' });
    expect(JSON.parse(a.body).error.message).toContain(`ran out of open files (EMFILE) and could not open a connection to ${what}`);
  }
  const ids = answers.map((a) => a.headers['x-request-id']!);
  const db = new Database(join(dir, 'gophergate.db'), { readonly: true });
  const rows = () => db.query(`SELECT status, error_type AS code FROM request_logs WHERE request_id IN (${ids.map(() => '?').join(',')})`).all(...ids) as { status: number; code: string }[];
  try {
    await until(() => rows().length >= ids.length, 15_000, 50);
    expect(rows().map((r) => `${r.status} ${r.code}`)).toEqual(Array(ids.length).fill('503 overloaded'));
  } finally {
    db.close();
  }
}

for (const client of ['socket', 'fetch']) {
  test.skipIf(!canRun)(`${client} client: requests that find no descriptor for their upstream are 503 overloaded, one row each, the circuit closed; served again once connections go`, async () => {
    const { gw, key, dir } = await startAtLimit({ LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-emfile-provider-0123456789', LLM_PROXY__UPSTREAM__CLIENT: client });
    const sentBefore = fake.requests.length;
    const answers = await requestsAtTheLimit(gw, key, JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    await expectOverloaded(dir, answers, 'upstream OpenAI');
    expect(fake.requests.length).toBe(sentBefore);

    // Served again at once: the provider was never taken for failing.
    const openai = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const after = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'still there?' }] });
    expect(after.choices[0]!.message.content).toBe('ok');
    const health = (await (await fetch(`${gw.url}/health`)).json()) as any;
    expect(health.status).toBe('ok');
    expect(health.providers.openai.circuit).toBe('closed');
    expect(health.upstream).toMatchObject({ in_use: 0, waiting: 0 });
    await expectCounted(gw, REQUESTS);
  }, 60_000);
}

test.skipIf(!canRun)("an image URL to download for Gemini (it takes inline bytes only) with no descriptor free: 503 overloaded, not the client's bad URL, and the process lives", async () => {
  const { gw, key, dir } = await startAtLimit({ LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'emfile-gemini-key-0123456789', LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1' });
  const content = [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `${fake.url}/cat.png` } }];
  const answers = await requestsAtTheLimit(gw, key, JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content }] }));
  await expectOverloaded(dir, answers, 'the image URL');
  expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  await expectCounted(gw, REQUESTS);
}, 60_000);

test.skipIf(!canRun)('an answer without usage that arrives with no descriptor free: its tokens are estimated without starting a thread there, and the process lives', async () => {
  const { gw, key, dir } = await startAtLimit({ LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-emfile-provider-0123456789' });
  const answer = fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hold' }] }) });
  await until(() => fake.requests.some((r) => r.body?.messages?.[0]?.content === 'hold'), 15_000, 10);
  // Its upstream connection is open: the answer needs no new descriptor, the token count's thread one of its own.
  const { mine } = await fillDescriptors(gw);
  release();
  const res = await answer;
  expect(res.status).toBe(200);
  const body = (await res.json()) as any;
  expect(body.choices[0].message.content).toBe('counted here');
  expect(body.usage.completion_tokens).toBeGreaterThan(0);
  expect(gw.proc.exitCode).toBeNull();
  for (const s of mine) s.terminate();
  await until(() => openFiles(gw) < LIMIT - 40, 15_000, 50);
  const db = new Database(join(dir, 'gophergate.db'), { readonly: true });
  try {
    const row = () => db.query('SELECT status, completion_tokens AS output FROM request_logs WHERE request_id = ?').get(res.headers.get('x-request-id')) as { status: number; output: number } | null;
    await until(() => row() !== null, 15_000, 50);
    expect(row()!.status).toBe(200);
    expect(row()!.output).toBeGreaterThan(0);
  } finally {
    db.close();
  }
}, 60_000);
