/**
 * An instance killed outright (kill -9, an OOM kill, a pod evicted) while it holds reservations in
 * Redis: two gateway PROCESSES (A survives, D dies) on one PostgreSQL database and a Redis server of
 * the test's own. D holds both max_parallel slots of a key with streams the upstream keeps open (their
 * worst-case USD reserved against the key's budget, their token estimates in its TPM window); after
 * kill -9 of D, A refuses the key until the heartbeat (README: silent for 10 s, beats every 2 s) frees
 * what D held, then serves it with both slots. Read from Redis: nothing of D's stays reserved, D is no
 * longer listed as an instance. Read from PostgreSQL by request id: the requests cut by the kill have
 * no row, every other request has exactly one, and the key's spend (as the admin API reads it from
 * Redis) is the sum of those rows. The same with no survivor: the process started again in its place
 * (same instance id, a new process) frees what its predecessor held.
 * Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { GatewayProcess } from '../helpers/gateway-process';
import { eventually } from '../helpers/redis-env';
import { killedInstanceRig, type KilledInstanceRig } from './killed-instance-rig';

setDefaultTimeout(90_000);

const ADMIN_PASSWORD = 'killed-admin-password';
const MODEL = 'deepseek/deepseek-chat';
const PREFIX = 'qa-crash:';

let rig: KilledInstanceRig;
let A: GatewayProcess, D: GatewayProcess;
let token: string;
/** Streams pause after their second payload while held (hold() / release()). */
const hold = () => rig.streams.hold();
const release = () => rig.streams.release();

beforeAll(async () => {
  rig = await killedInstanceRig({ prefix: PREFIX, dbPrefix: 'qa_crash_killed', adminPassword: ADMIN_PASSWORD });
  A = await rig.start('gw-a'); // creates and migrates the database
  D = await rig.start('gw-d');
  const login = await fetch(`${A.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  token = ((await login.json()) as any).token;
});

afterAll(() => rig?.close([A, D]));

const adminApi = (method: string, path: string, body?: unknown) =>
  fetch(`${A.url}${path}`, {
    method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body ? JSON.stringify(body) : undefined,
  });
const chat = (p: GatewayProcess, key: string, stream = false) =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream, max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] }),
  });
/** The key's shared counters (redis-limit-scripts.ts: <P>lim:<scope>:st). */
const counters = async (id: number) => {
  const [inflight, reserved, tsum] = (await rig.r.send('HMGET', [`${PREFIX}lim:c:${id}:st`, 'inflight', 'reserved', 'tsum'])) as (string | null)[];
  return { inflight: Number(inflight ?? 0), reserved: Number(reserved ?? 0), tsum: Number(tsum ?? 0) };
};
const instances = () => rig.instances();
const rowsOf = async (ids: string[]) =>
  (await rig.pg`SELECT request_id, instance, status, cost_usd, prompt_tokens + completion_tokens AS tokens FROM request_logs WHERE request_id IN ${rig.pg(ids)}`) as any[];

test('kill -9 with both max_parallel slots held: freed within the heartbeat, rows and spend intact', async () => {
  const made = await adminApi('POST', '/api/clients', { name: 'killed', max_parallel: 2, rpm: 100, tpm: 100_000, budget_usd: 5, budget_period: 'month' });
  expect(made.status).toBe(201);
  const { key, id } = (await made.json()) as { key: string; id: number };
  // One answered on each first (D's row is written before it dies).
  const served: string[] = [];
  for (const p of [A, D]) {
    expect(await eventually(async () => {
      const res = await chat(p, key);
      if (res.status === 200) served.push(res.headers.get('x-request-id')!);
      return res.status === 200;
    }, 15_000, 100)).toBe(true);
  }
  expect(await eventually(async () => (await rowsOf(served)).length === 2, 15_000)).toBe(true);
  const both = await instances();
  expect(both.length).toBe(2);

  // D holds both slots with streams the upstream keeps open.
  hold();
  const streams = [chat(D, key, true), chat(D, key, true)];
  const heads = await Promise.all(streams);
  expect(heads.map((h) => h.status)).toEqual([200, 200]);
  const cut = heads.map((h) => h.headers.get('x-request-id')!);
  const held = await counters(id);
  expect(held.inflight).toBe(2);
  expect(held.reserved).toBeGreaterThan(0);
  const refusal = await chat(A, key);
  expect(refusal.status).toBe(429);
  expect(((await refusal.json()) as any).error.code).toBe('concurrency_limit_exceeded');

  D.proc.kill('SIGKILL');
  await D.proc.exited;
  for (const h of heads) await h.text().catch(() => '');
  release();

  // Bounded: A serves the key again once D is taken for dead (10 s silent, seen at A's next beat).
  const ok = await eventually(async () => {
    const res = await chat(A, key);
    if (res.status === 200) served.push(res.headers.get('x-request-id')!);
    return res.status === 200;
  }, 25_000, 250);
  expect(ok).toBe(true);
  // Nothing of D's stays: its slots, reserved USD and token estimates are gone, and so is D.
  const left = await instances();
  expect(left.length).toBe(1);
  const dead = both.find((o) => o !== left[0])!;
  expect(await rig.r.send('EXISTS', [`${PREFIX}lim:held:${dead}`])).toBe(0);
  // Both slots at once on A: two streams held open together are admitted.
  hold();
  const two = await Promise.all([chat(A, key, true), chat(A, key, true)]);
  expect(two.map((h) => h.status)).toEqual([200, 200]);
  expect((await counters(id)).inflight).toBe(2);
  release();
  for (const h of two) {
    expect((await h.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
    served.push(h.headers.get('x-request-id')!);
  }
  expect(await eventually(async () => (await counters(id)).inflight === 0 && (await counters(id)).reserved === 0, 15_000)).toBe(true);

  // Rows: none for the requests the kill cut; exactly one for each request served, on its instance.
  expect(await eventually(async () => (await rowsOf(served)).length === served.length, 15_000)).toBe(true);
  expect(await rowsOf(cut)).toEqual([]);
  const rows = await rowsOf(served);
  expect(new Set(rows.map((x) => x.request_id)).size).toBe(served.length);
  expect(rows.map((x) => [x.request_id, x.instance, String(x.status)]).sort()).toEqual(
    served.map((rid, i) => [rid, i === 1 ? 'gw-d' : 'gw-a', '200']).sort(),
  );
  // The key's spend (Redis's, as the admin API reads it) is what its rows cost (the refusals A
  // answered while D's slots were held have rows too, at no cost).
  const [sum] = await rig.pg`SELECT coalesce(sum(cost_usd), 0) AS s, count(*) FILTER (WHERE status = 200) AS n FROM request_logs WHERE client_id = ${id}`;
  expect(Number(sum.n)).toBe(served.length);
  expect(Number(sum.s)).toBeGreaterThan(0);
  const info = (await (await adminApi('GET', `/api/clients/${id}`)).json()) as { spend_usd: number };
  expect(info.spend_usd).toBeCloseTo(Number(sum.s), 6);
  // TPM: only the tokens of requests that ended count; the cut requests' estimates went with D.
  const tokens = (await rig.pg`SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS t FROM request_logs WHERE client_id = ${id}`)[0].t;
  expect((await counters(id)).tsum).toBe(Number(tokens));
});

test('the only instance killed with both slots held and started again under the same instance id: the new process frees them', async () => {
  const made = await adminApi('POST', '/api/clients', { name: 'killed-alone', max_parallel: 2 });
  expect(made.status).toBe(201);
  const { key, id } = (await made.json()) as { key: string; id: number };
  expect(await eventually(async () => (await chat(A, key)).status === 200, 15_000, 100)).toBe(true);
  hold();
  const heads = await Promise.all([chat(A, key, true), chat(A, key, true)]);
  expect(heads.map((h) => h.status)).toEqual([200, 200]);
  expect((await counters(id)).inflight).toBe(2);

  A.proc.kill('SIGKILL');
  await A.proc.exited;
  for (const h of heads) await h.text().catch(() => '');
  release();
  // A pod restarted in place: same LLM_PROXY__INSTANCE_ID, a new process (its own origin in Redis).
  A = await rig.start('gw-a');
  const login = await fetch(`${A.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  token = ((await login.json()) as any).token;
  // Its predecessor's beat lasts 10 s after its last one: the new process frees it at a later beat.
  expect(await eventually(async () => (await chat(A, key)).status === 200, 25_000, 250)).toBe(true);
  expect(await eventually(async () => (await counters(id)).inflight === 0, 15_000)).toBe(true);
  expect((await instances()).length).toBe(1);
});
