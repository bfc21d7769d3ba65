/**
 * A Redis server of the test's own on a free loopback port (never the shared one on 6379), so a
 * test can kill it and start it again, empty, on the same port: what an operator sees when Redis
 * restarts without persistence.
 */
import { afterAll, beforeAll, expect } from 'bun:test';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/redis-env';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

export interface OwnRedis {
  port: number;
  url: string;
  /** Stops the server (SIGKILL: no save, nothing kept). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT), its data and connections as they were. */
  resume(): void;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function answers(port: number, password?: string): Promise<boolean> {
  const auth = password ? ['--no-auth-warning', '-a', password] : [];
  const p = Bun.spawn(['redis-cli', '-h', '127.0.0.1', '-p', String(port), ...auth, 'PING'], { stdout: 'pipe', stderr: 'ignore' });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return out.trim() === 'PONG';
}

/** `password`: the server asks for it (`--requirepass`); `url` then carries it. */
export async function startOwnRedis(o: { password?: string } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gg-own-redis-'));
  let proc: Bun.Subprocess | null = null;
  const start = async () => {
    proc = Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(o.password ? ['--requirepass', o.password] : [])], {
      stdout: 'ignore', stderr: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    while (!(await answers(port, o.password))) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await Bun.sleep(20);
    }
  };
  const kill = async () => {
    const p = proc;
    proc = null;
    if (!p) return;
    p.kill('SIGKILL');
    await p.exited;
  };
  await start();
  return {
    port,
    url: `redis://${o.password ? `:${encodeURIComponent(o.password)}@` : ''}127.0.0.1:${port}`,
    kill,
    start,
    pause: () => (proc as Bun.Subprocess | null)?.kill('SIGSTOP'),
    resume: () => (proc as Bun.Subprocess | null)?.kill('SIGCONT'),
    async close() {
      (proc as Bun.Subprocess | null)?.kill('SIGCONT');
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills `redis` and starts it again empty, once each gateway's /health said it was down; returns once each says it is back. */
/** What a gateway's /health says of Redis: `ok`, `down` or `off`. */
export const redisOf = async (gw: { url: string }) => ((await (await fetch(`${gw.url}/health`)).json()) as { redis: string }).redis;

export const restartRedisEmpty = (redis: OwnRedis, gateways: readonly { url: string; ctx?: unknown }[]) => restartRedis(redis, gateways);

/**
 * Kills `redis` and starts it again, once each gateway's /health said it was down; returns once
 * each says it is back and has put back its reservations. It comes back empty, or with what a
 * `SAVE` sent to it last wrote (a snapshot older than what the gateways counted since).
 */
export async function restartRedis(redis: OwnRedis, gateways: readonly { url: string; ctx?: unknown }[]): Promise<void> {
  await redis.kill();
  for (const gw of gateways) expect(await eventually(async () => (await redisOf(gw)) === 'down', 5_000)).toBe(true);
  await redis.start();
  for (const gw of gateways) expect(await eventually(async () => (await redisOf(gw)) === 'ok', 10_000)).toBe(true);
  await untilRestored(gateways);
}

/**
 * Connected is not yet restored: each instance puts its reservations back just after (and admits
 * nothing before its own are), so a request on one may still miss the other's for a moment. The
 * tests judge what holds once every instance has put its own back.
 */
export async function untilRestored(gateways: readonly { ctx?: unknown }[]): Promise<void> {
  for (const gw of gateways) expect(await eventually(() => !restoring(gw), 10_000)).toBe(true);
}

/** Whether an in-process gateway is still putting its reservations back into Redis (redis-limit-reconnect.ts). */
const restoring = (gw: { ctx?: unknown }): boolean => Boolean((gw.ctx as any)?.limits?.counters?.reconnect?.restoring);

/**
 * An in-process gateway (its rows kept) on PostgreSQL `dbUrl` and `redis` under `prefix`, named
 * `id`, with OpenAI at `upstreamUrl` (the fake's base URL with `/v1`).
 */
export function startOnOwnRedis(o: { upstreamUrl: string; dbUrl: string; redis: OwnRedis; prefix: string; id: string }): Promise<TestGateway> {
  return startGateway({
    storeLogs: true,
    env: {
      ...providerEnv('openai', o.upstreamUrl),
      LLM_PROXY__DATABASE__URL: o.dbUrl,
      LLM_PROXY__REDIS__URL: o.redis.url,
      LLM_PROXY__REDIS__PREFIX: o.prefix,
      LLM_PROXY__INSTANCE_ID: o.id,
    },
  });
}

/** A client key with `limits` made through the first gateway, once every one of `on` serves it with them. */
export async function createLimitedKey(as: Session, on: TestGateway[], name: string, limits: Record<string, unknown>): Promise<{ id: number; key: string }> {
  const r = await api(on[0]!, 'POST', '/api/clients', { as, body: { name, ...limits } });
  expect(r.status).toBe(201);
  const k = await json(r);
  for (const gw of on) expect(await eventually(() => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits != null, 10_000)).toBe(true);
  return { id: k.id, key: k.key };
}

export interface OwnRedisPair {
  fake: FakeUpstream;
  db: TestDatabase;
  redis: OwnRedis;
  A: TestGateway;
  B: TestGateway;
  admin: Session;
}

/**
 * Registers the file's hooks: two in-process gateways (gw-a, gw-b) on a database and a Redis of the
 * file's own under `prefix`, OpenAI's chat fixture upstream, gpt-4o-mini priced `price` USD per 1M
 * tokens on both; the fields are set once beforeAll ran.
 */
export function useOwnRedisPair(o: { prefix: string; dbPrefix: string; price: number }): OwnRedisPair {
  const rig = {} as OwnRedisPair;
  beforeAll(async () => {
    rig.fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
    rig.db = await createTestDatabase(o.dbPrefix);
    rig.redis = await startOwnRedis();
    const start = (id: string) => startOnOwnRedis({ upstreamUrl: `${rig.fake.url}/v1`, dbUrl: rig.db.url, redis: rig.redis, prefix: o.prefix, id });
    rig.A = await start('gw-a');
    rig.B = await start('gw-b');
    rig.admin = await login(rig.A, 'admin', ADMIN_PASSWORD);
    const prices = { input_price: o.price, output_price: o.price, cached_input_price: o.price };
    expect((await api(rig.A, 'PATCH', '/api/models/gpt-4o-mini', { as: rig.admin, body: prices })).status).toBe(200);
    expect(await eventually(() => rig.B.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === o.price, 10_000)).toBe(true);
  });
  afterAll(async () => {
    await rig.A?.close();
    await rig.B?.close();
    await rig.db?.drop();
    await rig.redis?.close();
    rig.fake?.close();
  });
  return rig;
}
