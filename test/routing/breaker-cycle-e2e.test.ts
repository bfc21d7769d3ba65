/**
 * A group's targets through a whole breaker cycle, read where users and operators look: the
 * answer (route, 503 circuit_open with retry-after), its one log row, /health and /metrics.
 * closed -> open (threshold) -> half_open (cooldown) -> a failed probe opens it again -> a
 * good probe closes it. The official openai client against the gateway, fakes on loopback.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';

setDefaultTimeout(30_000);

const PROVIDERS = ['deepseek', 'moonshot', 'grok'] as const;
type P = (typeof PROVIDERS)[number];
const answer: FakeHandler = (_req, rec) => {
  const base = fixtureJson('usage', 'openai-chat.json');
  return jsonResponse({ ...base, model: rec.body.model });
};
const overloaded: FakeHandler = () => jsonResponse({ error: { message: 'model overloaded' } }, 503);

let fakes: Record<P, FakeUpstream>;
let gw: TestGateway;
let clock = 5_000_000;
const breakers = createBreakerRegistry({ failureThreshold: 2, cooldownMs: 30_000, now: () => clock });
beforeAll(async () => {
  fakes = Object.fromEntries(PROVIDERS.map((p) => [p, startFakeUpstream(overloaded)])) as Record<P, FakeUpstream>;
  gw = await startGateway({ env: Object.assign({}, ...PROVIDERS.map((p) => providerEnv(p, `${fakes[p].url}/v1`))), breakers });
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

const heavy = () => gw.openai().chat.completions.create({ model: 'heavy-logic', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as any;
const modelCircuit = async (provider: P, model: string) => {
  const { samples } = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
  for (const state of ['closed', 'open', 'half_open']) if (valueOf(samples, 'gophergate_model_circuit_state', { provider, model, state }) === 1) return state;
  return 'closed'; // a closed model circuit is not listed
};

describe('every target of heavy-logic through a breaker cycle', () => {
  test('open, 503 for the group with the soonest retry-after, half-open, re-opened by a failed probe, closed by a good one', async () => {
    // grok-4.3 opens first; kimi-k2.6 and deepseek-v4-pro 10 s later (two failing requests, each trying all three).
    for (let i = 0; i < 2; i++) await apiError(gw.openai().chat.completions.create({ model: 'grok-4.3', messages: [{ role: 'user', content: 'hi' }] }));
    clock += 10_000;
    for (let i = 0; i < 2; i++) expect((await apiError(heavy())).status).toBe(502);
    for (const [p, m] of [['grok', 'grok-4.3'], ['moonshot', 'kimi-k2.6'], ['deepseek', 'deepseek-v4-pro']] as const) {
      expect(await modelCircuit(p, m)).toBe('open');
      expect((await health()).providers[p]).toMatchObject({ circuit: 'closed', model_circuits: [{ model: m, circuit: 'open' }] });
    }
    const calls = () => PROVIDERS.reduce((n, p) => n + fakes[p].requests.length, 0);
    const before = calls();

    // Every target open: a fast 503 without a call, retry-after the soonest circuit's (grok: 20 s), one row.
    const err = await apiError(heavy());
    expect([err.status, err.code, err.headers?.get('retry-after')]).toEqual([503, 'circuit_open', '20']);
    expect(calls()).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 503, errorType: 'circuit_open', modelRequested: 'heavy-logic' });

    // grok's cooldown ends: half-open, and its one probe fails, opening it again for a full cooldown.
    clock += 20_000;
    expect(await modelCircuit('grok', 'grok-4.3')).toBe('half_open');
    expect((await health()).providers.grok.model_circuits).toEqual([{ model: 'grok-4.3', circuit: 'half_open', retry_after_s: 0 }]);
    const probe = await apiError(heavy());
    expect(probe.status).toBe(502);
    // One call, the probe, to grok alone (the others are still open).
    expect(calls()).toBe(before + 1);
    expect(fakes.grok.requests.at(-1)!.body.model).toBe('grok-4.3');
    expect(await modelCircuit('grok', 'grok-4.3')).toBe('open');
    const again = await apiError(heavy());
    expect([again.status, again.code, again.headers?.get('retry-after')]).toEqual([503, 'circuit_open', '10']); // kimi and deepseek: 10 s left

    // kimi's and deepseek's cooldowns end; kimi answers now: its probe closes it, and the group serves again.
    clock += 10_000;
    fakes.moonshot.handler = answer;
    const { response } = await heavy();
    expect(response.headers.get('x-gophergate-route')).toBe('heavy-logic>kimi-k2.6');
    expect(response.headers.get('x-gophergate-route-reason')).toContain('skipped open circuit: grok-4.3');
    expect(await modelCircuit('moonshot', 'kimi-k2.6')).toBe('closed');
    expect((await health()).providers.moonshot.model_circuits).toEqual([]);
    expect(await modelCircuit('grok', 'grok-4.3')).toBe('open');
  });
});
