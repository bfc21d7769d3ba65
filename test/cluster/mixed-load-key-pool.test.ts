/**
 * A provider key pool across three gateway PROCESSES (mixed-load-cluster.ts): a key the upstream
 * answers 429 with retry-after on one instance is cooling on all of them, for the model refused,
 * and a mixed load over the instances sends it nothing meanwhile.
 * Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { describe, expect, test } from 'bun:test';
import { jsonResponse, type FakeUpstream } from '../helpers/fake-upstream';
import type { GatewayProcess } from '../helpers/gateway-process';
import { eventually } from '../helpers/redis-env';
import { useMixedLoadCluster } from './mixed-load-cluster';

let fake: FakeUpstream;
const { nodes, admin, created, knownEverywhere, send, load, oneRowEach } = useMixedLoadCluster((up) => ({ fake } = up));

describe('a provider key pool across the instances', () => {
  test('a key answered 429 with retry-after on one instance is cooling on all; none of them sends to it meanwhile', async () => {
    const HOT = 'sk-mixed-hot-key-0123456789';
    const before = fake.handler;
    fake.handler = (req, rec, f) =>
      req.headers.get('authorization') === `Bearer ${HOT}`
        ? jsonResponse({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '300' })
        : before(req, rec, f);
    try {
      const added = await admin('POST', '/api/providers/openai/keys', { key: HOT, weight: 100, label: 'hot' });
      expect(added.status).toBe(201);
      const hotId = ((await added.json()) as any).id;
      // OpenAI's request limits are per model: the key cools for the model that was refused.
      const stateOn = async (p: GatewayProcess, model?: string) => {
        const key = ((await (await admin('GET', '/api/providers/openai', undefined, p)).json()) as any).keys?.find((k: any) => k.id === hotId);
        return model ? key?.models?.find((m: any) => m.model === model)?.state ?? key?.state : key?.state;
      };
      const live = nodes.slice(0, 3);
      for (const p of live) expect(await eventually(async () => (await stateOn(p)) === 'active', 10_000)).toBe(true);
      const k = await created('/api/clients', { name: 'mixed-pool' });
      await knownEverywhere(k.key, live);
      // Weight 100 against the env key's 1: the first request on A goes to it, is refused, and is served by the env key.
      const seen = fake.requests.length;
      expect((await send('chat', 0, k.key, 0)).status).toBe(200);
      expect(fake.requests.slice(seen).some((r) => r.headers.authorization === `Bearer ${HOT}`)).toBe(true);
      for (const p of live) expect(await eventually(async () => (await stateOn(p, 'gpt-4o-mini')) === 'cooling', 10_000)).toBe(true);
      const from = fake.requests.length;
      const sent = await load([k.key], 60, 12, [0, 1, 2]);
      expect(sent.filter((s) => s.status !== (s.kind === 'cut' ? 499 : 200))).toEqual([]);
      // Embeddings use another model, for which the key is not cooling: only the chat model's calls are counted.
      const hot = fake.requests.slice(from).filter((r) => r.headers.authorization === `Bearer ${HOT}` && String(r.body?.model).startsWith('gpt-4o-mini'));
      expect(hot.length).toBe(0);
      await oneRowEach(sent);
    } finally {
      fake.handler = before;
    }
  });
});
