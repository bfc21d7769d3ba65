/**
 * Redis restarted empty (no persistence) after a limited key was served on two instances (one
 * PostgreSQL, a Redis of the test's own): the RPM and TPM windows of the past minute were in Redis
 * only. Each instance puts back the requests it admitted and settled in that minute, as it puts
 * back the reservations of those still running, so the key is not served its RPM (or TPM) a
 * second time within the minute. Before, a key at its RPM was served the whole RPM again at once
 * after the restart (twice its limit in a minute; N instances' worth after an outage), and so were
 * the requests an instance admitted from its own counters while Redis was away (their charges
 * were dropped with the waiting work). A Redis emptied while running (FLUSHALL) likewise, found at the
 * next heartbeat.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import type { TestGateway } from '../helpers/start-gateway';
import { createLimitedKey, redisOf, restartRedisEmpty, startOnOwnRedis, startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let db: TestDatabase;
let redis: OwnRedis;
let A: TestGateway, B: TestGateway;
let admin: Session;

const start = (id: string) =>
  startOnOwnRedis({ upstreamUrl: `${fake.url}/v1`, dbUrl: db.url, redis, prefix: 'gg-rate-windows-restarted:', id });

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  db = await createTestDatabase('gg_rate_windows_restarted');
  redis = await startOwnRedis();
  A = await start('gw-a');
  B = await start('gw-b');
  admin = await login(A, 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await A?.close();
  await B?.close();
  await db?.drop();
  await redis?.close();
  fake?.close();
});

const createKey = (name: string, limits: Record<string, unknown>) => createLimitedKey(admin, [A, B], name, limits);

/** 200, or the refusal's code. */
const send = (gw: TestGateway, key: string) =>
  gw.openai(key).chat.completions.create(body).then(
    () => 200 as const,
    (e) => (e instanceof OpenAI.APIError ? String(e.code) : String(e)),
  );

describe('Redis restarted empty: the minute before it still counts', () => {
  test('a key at its RPM over two instances is refused on both after the restart', async () => {
    const { key } = await createKey('rpm-restarted', { rpm: 4 });
    expect(await Promise.all([send(A, key), send(B, key), send(A, key), send(B, key)])).toEqual([200, 200, 200, 200]);
    expect(await send(A, key)).toBe('rate_limit_exceeded');
    await restartRedisEmpty(redis, [A, B]);
    expect(await send(A, key)).toBe('rate_limit_exceeded');
    expect(await send(B, key)).toBe('rate_limit_exceeded');
  });

  test("a key's TPM used on both instances still counts after the restart", async () => {
    // Each request reserves its prompt estimate plus max_tokens 10 and settles to the fixture's 28 tokens.
    const { key } = await createKey('tpm-restarted', { tpm: 80 });
    expect(await send(A, key)).toBe(200);
    expect(await send(B, key)).toBe(200);
    expect(await send(A, key)).toBe('rate_limit_exceeded');
    await restartRedisEmpty(redis, [A, B]);
    expect(await send(B, key)).toBe('rate_limit_exceeded');
    expect(await send(A, key)).toBe('rate_limit_exceeded');
  });

  test('Redis emptied under the running instances (FLUSHALL, connections kept): the RPM window comes back within a heartbeat', async () => {
    const { key, id } = await createKey('rpm-flushed', { rpm: 4 });
    expect(await Promise.all([send(A, key), send(B, key), send(A, key), send(B, key)])).toEqual([200, 200, 200, 200]);
    const cli = (...args: string[]) => Bun.spawn(['redis-cli', '-p', String(redis.port), ...args], { stdout: 'pipe' });
    const flushed = cli('FLUSHALL');
    await flushed.exited;
    const inWindow = async () => Number((await new Response(cli('ZCARD', `gg-rate-windows-restarted:lim:c:${id}:req`).stdout).text()).trim());
    // Each instance finds itself unlisted at its next beat (every 2 s) and puts its two back.
    expect(await eventually(async () => (await inWindow()) === 4, 10_000, 100)).toBe(true);
    expect(await send(A, key)).toBe('rate_limit_exceeded');
    expect(await send(B, key)).toBe('rate_limit_exceeded');
  });

  test('requests served from the own counters while Redis was away count in the window of the Redis that came back empty', async () => {
    const { key } = await createKey('rpm-outage', { rpm: 4 });
    await redis.kill();
    for (const gw of [A, B]) expect(await eventually(async () => (await redisOf(gw)) === 'down', 5_000)).toBe(true);
    // Fail mode open: each instance counts its own (two each, within the limit here too).
    expect(await Promise.all([send(A, key), send(B, key), send(A, key), send(B, key)])).toEqual([200, 200, 200, 200]);
    await redis.start();
    for (const gw of [A, B]) expect(await eventually(async () => (await redisOf(gw)) === 'ok', 10_000)).toBe(true);
    expect(await send(A, key)).toBe('rate_limit_exceeded');
    expect(await send(B, key)).toBe('rate_limit_exceeded');
  });
});
