/** Circuit states shared through Redis: failures seen on A open the circuit on B. */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { jsonResponse, replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { startCluster, type Cluster } from './cluster';
import type { SharedBreakers } from '../../src/redis/shared-breakers';

setDefaultTimeout(30_000);

let upstream: FakeUpstream;
let cluster: Cluster;
let A: TestGateway;
let B: TestGateway;
let failing = true;

beforeAll(async () => {
  upstream = startFakeUpstream((req, rec, fake) =>
    failing ? jsonResponse({ error: { message: 'overloaded', type: 'server_error' } }, 503) : replayJson('openai', 'chat.json')(req, rec, fake),
  );
  cluster = await startCluster(2, { env: providerEnv('openai', `${upstream.url}/v1`) });
  [A, B] = cluster.nodes as [TestGateway, TestGateway];
});
afterAll(async () => {
  await cluster?.close();
  upstream?.close();
});
beforeEach(() => {
  failing = true;
});
// Each test drives its own provider id, so no test sees another's circuit.
const P = (id: string) => id as any;
/** A failure of the provider as a whole (not reached, timed out): it counts on the provider's circuit. */
const wide = { providerWide: true };

const chat = (gw: TestGateway) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });

describe('shared circuits', () => {
  test("failures seen only on A open the model's circuit on B; B then sends nothing upstream", async () => {
    for (let i = 0; i < 20 && A.ctx.breakers.available('openai', 'gpt-4o-mini'); i++) await chat(A);
    expect(A.ctx.breakers.available('openai', 'gpt-4o-mini')).toBe(false);
    expect(await eventually(() => !B.ctx.breakers.available('openai', 'gpt-4o-mini'), 10_000)).toBe(true);
    const seen = upstream.requests.length;
    const res = await chat(B);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(upstream.requests.length).toBe(seen);
  });

  test('failures on A and on B add up to the threshold', async () => {
    const threshold = (A.ctx.breakers as unknown as { threshold: number }).threshold;
    const p = P('sum-test');
    for (let i = 0; i < threshold - 1; i++) A.ctx.breakers.onFailure(p, 'm1', wide);
    // A has fewer than the threshold; the last failure, seen on B, opens it everywhere.
    expect(await eventually(() => ((B.ctx.breakers as any).peek('sum-test')?.failures ?? 0) === threshold - 1, 10_000)).toBe(true);
    expect(A.ctx.breakers.state(p)).toBe('closed');
    B.ctx.breakers.onFailure(p, 'm1', wide);
    expect(await eventually(() => A.ctx.breakers.state(p) === 'open' && B.ctx.breakers.state(p) === 'open', 10_000)).toBe(true);
  });

  test('a success after failures closes the circuit on every instance; reset on A resets B', async () => {
    const p = P('close-test');
    A.ctx.breakers.onFailure(p, 'm1');
    expect(await eventually(() => (B.ctx.breakers as any).peek('close-test') !== null, 10_000)).toBe(true);
    B.ctx.breakers.onSuccess(p, 'm1');
    expect(await eventually(() => (A.ctx.breakers as any).peek('close-test') === null, 10_000)).toBe(true);

    for (let i = 0; i < 10; i++) A.ctx.breakers.onFailure(p, 'm1', wide);
    expect(await eventually(() => B.ctx.breakers.state(p) === 'open', 10_000)).toBe(true);
    (A.ctx.breakers as any).reset(p);
    expect(await eventually(() => B.ctx.breakers.state(p) === 'closed', 10_000)).toBe(true);
    // The shared record went too: an instance reading the circuits again sees it closed.
    expect(await B.ctx.redis!.send('EXISTS', [B.ctx.redis!.key('circuit:close-test')])).toBe(0);
  });

  test('a circuit opened elsewhere while an instance re-reads the shared records stays open there', async () => {
    const p = P('resync-test');
    const threshold = (A.ctx.breakers as unknown as { threshold: number }).threshold;
    // A key created during a SCAN may or may not be returned (Redis's guarantee): B's scan misses
    // this one, and its last page comes only once A's notices reached B, as on a busy Redis.
    const link = B.ctx.redis!;
    const send = link.send.bind(link);
    const lastPage = Promise.withResolvers<void>();
    link.send = (async (cmd: string, args: string[]) => {
      const r = await send(cmd, args);
      if (cmd !== 'SCAN') return r;
      const [cursor, keys] = r as [string, string[]];
      if (cursor === '0') await lastPage.promise;
      return [cursor, keys.filter((k) => !k.includes('resync-test'))];
    }) as typeof link.send;
    try {
      // B re-reads every shared circuit (as on a reconnection) while A's failures open one.
      const resync = (B.ctx.breakers as SharedBreakers).resync();
      for (let i = 0; i < threshold; i++) A.ctx.breakers.onFailure(p, 'm1', wide);
      expect(await eventually(() => B.ctx.breakers.state(p) === 'open', 10_000)).toBe(true);
      lastPage.resolve();
      await resync;
      expect(B.ctx.breakers.state(p)).toBe('open');
    } finally {
      link.send = send;
    }
  });

  test('a healthy request costs no Redis command for the circuit', async () => {
    failing = false;
    (A.ctx.breakers as any).reset('openai');
    expect(await eventually(() => B.ctx.breakers.available('openai', 'gpt-4o-mini'), 10_000)).toBe(true);
    const before = B.ctx.redis!.stats();
    const res = await chat(B);
    expect(res.status).toBe(200);
    const after = B.ctx.redis!.stats();
    // No command for the circuit (only the monitor event is published): the healthy path stays local.
    expect(after.commands).toBe(before.commands);
    expect(after.published - before.published).toBeLessThanOrEqual(1);
  });
});
