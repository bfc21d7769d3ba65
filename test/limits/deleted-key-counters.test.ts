/**
 * Limit counters of deleted keys and teams are not kept: a deployment that issues a limited key
 * per end user and deletes it later (through the admin API) must not hold every key it ever
 * made. Driven over HTTP; the count is read from the context's memory counters.
 */
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { MemoryLimitCounters } from '../../src/limits/memory-limit-counters';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

setDefaultTimeout(60_000);

const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
afterAll(() => fake.close());
let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s), { env: providerEnv('openai', `${fake.url}/v1`) });

test('the counters of deleted limited keys and teams are forgotten', async () => {
  const counters = gw.ctx.limits.counters;
  if (!(counters instanceof MemoryLimitCounters)) throw new Error('expected the memory counters');
  const kept = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'kept', rpm: 100 } }));
  const chat = (key: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
  const first = await chat(kept.key);
  expect(first.status).toBe(200);
  await first.arrayBuffer();
  const n = 40;
  for (let i = 0; i < n; i++) {
    const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: `team-${i}`, rpm: 1000 } }));
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: `user-${i}`, rpm: 100, tpm: 100_000, team_id: team.id } }));
    const res = await chat(c.key);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await gw.waitForRow(res);
    expect((await api(gw, 'DELETE', `/api/clients/${c.id}`, { as: admin })).status).toBeLessThan(300);
    expect((await api(gw, 'DELETE', `/api/teams/${team.id}`, { as: admin })).status).toBeLessThan(300);
  }
  // Each key's row settled before it was revoked: only the kept key's counters remain.
  await until(() => counters.scopeCount === 1);
  // The kept key is still counted: its next request sees the first one in its window.
  const again = await chat(kept.key);
  expect(again.headers.get('x-ratelimit-remaining-requests')).toBe('98');
});
