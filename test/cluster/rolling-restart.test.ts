/**
 * A rolling restart: two gateway PROCESSES (`bun src/main.ts`) on one PostgreSQL database and one
 * Redis prefix; B gets SIGTERM while two chat streams and one bridged /v1/responses stream of a key
 * with max_parallel are in flight through it. Every stream finishes, each request leaves exactly
 * one row, the conversation B finished is readable (and continued) on A, and the key's parallel
 * slots are all free again at once (none left reserved by B).
 * Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { heldDeepSeekStreams, type HeldStreams } from '../helpers/held-streams';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';

setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'rolling-admin-password';
const MODEL = 'deepseek/deepseek-chat';

let fake: FakeUpstream;
let db: TestDatabase;
let pg: SQL;
let prefix: string;
let dir: string;
let A: GatewayProcess, B: GatewayProcess;
let token: string;
/** Streams pause after their second payload while held (hold() / release()). */
let streams: HeldStreams | undefined;
const hold = () => streams!.hold();
const release = () => streams?.release();

const start = (id: string) =>
  startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'unused.db'), adminPassword: ADMIN_PASSWORD,
    env: {
      ...redisEnv(prefix),
      LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id,
      LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: fake.url, DEEPSEEK_API_KEY: 'sk-rolling-provider-0123456789',
    },
  });

beforeAll(async () => {
  streams = heldDeepSeekStreams();
  fake = streams.fake;
  dir = mkdtempSync(join(tmpdir(), 'gg-rolling-'));
  prefix = randomPrefix();
  db = await createTestDatabase('gg_rolling');
  pg = new SQL({ url: db.url, max: 2 });
  A = await start('gw-a'); // creates and migrates the database
  B = await start('gw-b');
  const login = await fetch(`${A.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as any).token;
});

afterAll(async () => {
  release();
  for (const p of [A, B]) p?.proc.kill('SIGKILL');
  await Promise.all([A, B].filter(Boolean).map((p) => p.proc.exited));
  await pg?.close();
  await db?.drop();
  await deleteKeys(prefix);
  fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const chatStream = (p: GatewayProcess, key: string) =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] }),
  });

test('SIGTERM with streams in flight: they finish, one row each, the conversation goes on elsewhere, no slot stays taken', async () => {
  const made = await fetch(`${A.url}/api/clients`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'rolling', max_parallel: 3 }),
  });
  expect(made.status).toBe(201);
  const key = ((await made.json()) as any).key as string;
  const known = (p: GatewayProcess) => fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status === 200);
  for (const p of [A, B]) expect(await eventually(() => known(p), 10_000)).toBe(true);

  hold();
  const onB = new OpenAI({ apiKey: key, baseURL: `${B.url}/v1`, maxRetries: 0, timeout: 20_000 });
  const chats = [chatStream(B, key), chatStream(B, key)];
  const { data: events, response: resHeaders } = await onB.responses.create({ model: MODEL, input: 'Hello', stream: true }).withResponse();
  const heads = await Promise.all(chats);
  expect(heads.map((r) => r.status)).toEqual([200, 200]);
  expect(await eventually(() => fake.requests.length >= 3, 5_000)).toBe(true);

  B.proc.kill('SIGTERM');
  expect(await eventually(() => B.out().includes('SIGTERM received'), 5_000)).toBe(true);
  release();

  const texts = await Promise.all(heads.map((r) => r.text()));
  for (const t of texts) expect(t.trimEnd().endsWith('data: [DONE]')).toBe(true);
  let responseId = '';
  let last = '';
  for await (const ev of events) {
    if (ev.type === 'response.created') responseId = ev.response.id;
    last = ev.type;
  }
  expect(last).toBe('response.completed');
  expect(await B.proc.exited).toBe(0);
  expect(await B.outAtExit()).toContain('stopped cleanly');

  // One row each, written by B before it exited.
  const ids = [...heads.map((r) => r.headers.get('x-request-id')!), resHeaders.headers.get('x-request-id')!];
  const rows = (await pg`SELECT request_id, instance, status FROM request_logs WHERE request_id IN ${pg(ids)}`) as any[];
  expect(rows.map((r) => [r.request_id, r.instance, String(r.status)]).sort()).toEqual(ids.map((id) => [id, 'gw-b', '200']).sort());

  // The conversation B finished during its drain is stored: A reads it and continues it.
  const onA = new OpenAI({ apiKey: key, baseURL: `${A.url}/v1`, maxRetries: 0, timeout: 20_000 });
  expect((await onA.responses.retrieve(responseId)).status).toBe('completed');
  const next = await onA.responses.create({ model: MODEL, input: 'And then?', previous_response_id: responseId });
  expect(next.status).toBe('completed');
  const sent = fake.last().body.messages.filter((m: any) => m.role !== 'system');
  expect(sent.map((m: any) => [m.role, m.content])).toEqual([['user', 'Hello'], ['assistant', 'Hello! How can I help?'], ['user', 'And then?']]);

  // B left none of the key's 3 parallel slots taken: 3 streams at once on A are all admitted.
  hold();
  const three = await Promise.all([chatStream(A, key), chatStream(A, key), chatStream(A, key)]);
  release();
  expect(three.map((r) => r.status)).toEqual([200, 200, 200]);
  await Promise.all(three.map((r) => r.text()));
});
