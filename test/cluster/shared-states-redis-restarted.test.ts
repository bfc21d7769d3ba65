/**
 * Redis restarted empty (no persistence) while a model's circuit is open and a provider key is
 * cooling down after a 429 (two instances on one PostgreSQL and a Redis of the test's own). Those
 * are the upstreams' answers, not Redis's: each instance shares again what it holds, so the circuit
 * stays open and the key stays cooling on every instance, and an instance started afterwards learns
 * them. Before, each instance took the empty Redis for "closed or cleared elsewhere" and forgot both:
 * the failing model was sent requests again (5 more failures, clients got 502s instead of a quick
 * 503) and the rate-limited key was tried again long before its retry-after.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import type { TestGateway } from '../helpers/start-gateway';
import { restartRedisEmpty, startOnOwnRedis, startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

const POOL_KEY = 'sk-pool-key-restarted-9999';
let fake: FakeUpstream;
let db: TestDatabase;
let redis: OwnRedis;
let A: TestGateway, B: TestGateway;
const started: TestGateway[] = [];
let admin: Session;
/** Upstream calls for the failing model, and with the rate-limited pool key. */
let failing = 0;
let toPoolKey = 0;

const start = async (id: string) => {
  const gw = await startOnOwnRedis({ upstreamUrl: `${fake.url}/v1`, dbUrl: db.url, redis, prefix: 'gg-states-restarted:', id });
  started.push(gw);
  return gw;
};

beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => {
    if (rec.body?.model === 'gpt-4o') {
      failing++;
      return jsonResponse({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } }, 500);
    }
    if (rec.headers.authorization === `Bearer ${POOL_KEY}`) {
      toPoolKey++;
      return jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '50' });
    }
    return jsonResponse(fixtureJson('openai', 'chat.json'));
  });
  db = await createTestDatabase('gg_states_restarted');
  redis = await startOwnRedis();
  A = await start('gw-a');
  B = await start('gw-b');
  admin = await login(A, 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  for (const gw of started) await gw.close();
  await db?.drop();
  await redis?.close();
  fake?.close();
});

const send = (gw: TestGateway, model: string) =>
  gw.openai().chat.completions.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] }).then(
    () => 200 as const,
    (e) => (e instanceof OpenAI.APIError ? String(e.code ?? e.status) : String(e)),
  );

const circuitOf = async (gw: TestGateway) =>
  (((await (await fetch(`${gw.url}/health`)).json()) as any).providers.openai.model_circuits ?? []).find((c: any) => c.model === 'gpt-4o')?.circuit ?? 'closed';

/** The pool key's state for gpt-4o-mini as the instance lists it. */
async function poolKeyOf(gw: TestGateway): Promise<string> {
  const as = gw === A ? admin : await login(gw, 'admin', ADMIN_PASSWORD);
  const p = await json(await api(gw, 'GET', '/api/providers/openai', { as }));
  const k = p.keys.find((x: any) => x.label === 'pool');
  return k.state === 'active' ? (k.models?.find((m: any) => m.model === 'gpt-4o-mini')?.state ?? 'active') : k.state;
}

describe('Redis restarted empty: what the upstreams answered still holds', () => {
  test('an open circuit and a cooling key stay so on every instance, and a new instance learns them', async () => {
    const added = await api(A, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: POOL_KEY, label: 'pool' } });
    expect(added.status).toBe(201);
    // The pool key gets its turn within two requests (weights 1 and 1): its 429 cools it for 50 s.
    for (let i = 0; i < 2; i++) expect(await send(A, 'gpt-4o-mini')).toBe(200);
    expect(toPoolKey).toBe(1);
    // Five failures open the model's circuit.
    for (let i = 0; i < 5; i++) await send(A, 'gpt-4o');
    for (const gw of [A, B]) {
      expect(await eventually(async () => (await circuitOf(gw)) === 'open', 5_000)).toBe(true);
      expect(await eventually(async () => (await poolKeyOf(gw)) === 'cooling', 5_000)).toBe(true);
    }

    await restartRedisEmpty(redis, [A, B]);
    const C = await start('gw-c');
    failing = 0;
    toPoolKey = 0;
    for (const gw of [A, B, C]) {
      expect(await eventually(async () => (await circuitOf(gw)) === 'open', 5_000)).toBe(true);
      expect(await poolKeyOf(gw)).toBe('cooling');
      expect(await send(gw, 'gpt-4o')).toBe('circuit_open');
      for (let i = 0; i < 2; i++) expect(await send(gw, 'gpt-4o-mini')).toBe(200);
    }
    expect(failing).toBe(0);
    expect(toPoolKey).toBe(0);
  });
});
