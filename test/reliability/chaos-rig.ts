/**
 * The chaos run shared by the SQLite and Redis variants: a gateway (real log writer, 1 s timers,
 * 300 ms breaker cool-down, 4 upstream slots) over three fake upstreams in two fallback groups
 * (openai > deepseek > grok, and anthropic > openai > deepseek; openai > ollama for embeddings),
 * random plans of requests (endpoint, group, a fault per target, answer size, a client behaviour)
 * sent 8 at a time (CHAOS_WIDTH) by a limited key, then the invariants checked: one log row per
 * request with a status (endpoint, stream flag) that agrees with what the client saw, error
 * answers in the API's shape, 200 answers that carry the answer, the saturation gauges back at 0,
 * the key's reservations all settled, the breakers sane.
 */
import { expect } from 'bun:test';
import { and, eq, isNull } from 'drizzle-orm';
import fc from 'fast-check';
import { clients, modelGroups, models, requestLogs } from '../../src/db/schema';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { ADMIN_PASSWORD, api, login, type Session } from '../helpers/admin-harness';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';
import { ENDPOINTS, requestOf, send, type Behaviour, type Endpoint, type Seen } from './chaos-client';
import { FAULTS, startChaosUpstream, type ChaosUpstream, type Fault } from './chaos-upstream';
import { startCountingProxy, type CountingProxy } from './counting-proxy';

/** Two fallback groups over the same fakes: OpenAI first, and Anthropic first (its own Messages API, chat and Responses translated). */
export const GROUPS = ['chaos', 'chaos-anthropic'] as const;
export const EMBED_GROUP = 'chaos-embed';
const PROVIDERS = ['openai', 'deepseek', 'grok', 'anthropic'] as const;
/** $1 per 1M tokens each way. */
const PRICE = 1;
/** Requests sent at once (CHAOS_WIDTH); the key's max_parallel is as many, so a slot its row still holds is refused now and then. */
const WIDTH = Number(process.env.CHAOS_WIDTH ?? 8);
export const LIMITS = { rpm: 100_000, tpm: 100_000_000, budgetUsd: 1_000, budgetPeriod: 'day' as const, maxParallel: WIDTH };

export interface Planned {
  endpoint: Endpoint;
  /** Which of GROUPS (embeddings always use EMBED_GROUP). */
  group: 0 | 1;
  /** The fault of each target of the group, in its order (embeddings use the first two). */
  faults: Fault[];
  /** Every upstream answers with 16 MiB instead of a few bytes (a client that stops reading then holds the gateway back). */
  big: boolean;
  behaviour: Behaviour;
}

export interface ChaosRig {
  gw: TestGateway;
  admin: Session;
  upstreams: ChaosUpstream[];
  /** In front of the gateway for requests aborted on a timer, which may close before their request went out. */
  proxy: CountingProxy;
  /** The plan of each tagged request (the fakes read it by the tag in the body). */
  plans: Map<number, Planned>;
  nextTag: number;
  close(): Promise<void>;
}

export async function startChaosRig(env: Record<string, string> = {}): Promise<ChaosRig> {
  const plans = new Map<number, Planned>();
  /** The fault of a request at one fake (by its place in the request's group: Anthropic first in the second group). */
  const answerOf = (tag: number, upstream: number) => {
    const plan = plans.get(tag);
    const place = plan?.group === 1 && plan.endpoint !== 'embeddings' ? [1, 2, 0][upstream]! : upstream;
    return { fault: plan?.faults[place] ?? 'ok', big: plan?.big ?? false };
  };
  const upstreams = [0, 1, 2].map((i) => startChaosUpstream(i, answerOf));
  const gw = await startGateway({
    storeLogs: true,
    breakers: createBreakerRegistry({ cooldownMs: 300 }),
    env: {
      ...providerEnv('openai', `${upstreams[0]!.url}/v1`),
      ...providerEnv('deepseek', `${upstreams[1]!.url}/v1`),
      ...providerEnv('grok', `${upstreams[2]!.url}/v1`),
      // Anthropic on the third fake too (its base URL is the host root): the groups' third upstream either way.
      ...providerEnv('anthropic', upstreams[2]!.url),
      // The embeddings group's second target: ollama on the second fake.
      ...providerEnv('ollama', `${upstreams[1]!.url}/v1`),
      LLM_PROXY__UPSTREAM__TIMEOUT_S: '1',
      LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1',
      // Fewer upstream slots than requests at once: some wait for one (and leave while waiting), some get 503 overloaded.
      LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '4',
      LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S: '0.5',
      ...env,
    },
  });
  const now = Date.now();
  const priced = { inputPrice: PRICE, outputPrice: PRICE, contextWindow: 128_000, maxOutputTokens: 4_096, updatedAt: now };
  gw.ctx.db.insert(models).values([
    { id: 'chaos-a', provider: 'openai', upstreamId: 'gpt-4o-mini', ...priced },
    { id: 'chaos-b', provider: 'deepseek', upstreamId: 'deepseek-chat', ...priced },
    { id: 'chaos-c', provider: 'grok', upstreamId: 'grok-3-mini', ...priced },
    { id: 'chaos-d', provider: 'anthropic', upstreamId: 'claude-sonnet-4-5', ...priced },
    { id: 'chaos-embed-a', provider: 'openai', upstreamId: 'text-embedding-3-small', kind: 'embedding', ...priced },
    { id: 'chaos-embed-b', provider: 'ollama', upstreamId: 'nomic-embed-text', kind: 'embedding', ...priced },
  ]).run();
  gw.ctx.db.insert(modelGroups).values([
    { name: GROUPS[0], strategy: 'heuristic', targets: ['chaos-a', 'chaos-b', 'chaos-c'], updatedAt: now },
    { name: GROUPS[1], strategy: 'heuristic', targets: ['chaos-d', 'chaos-a', 'chaos-b'], updatedAt: now },
    { name: EMBED_GROUP, strategy: 'heuristic', targets: ['chaos-embed-a', 'chaos-embed-b'], updatedAt: now },
  ]).run();
  gw.ctx.state.reload();
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const proxy = startCountingProxy(Number(new URL(gw.url).port));
  return {
    gw,
    admin,
    upstreams,
    proxy,
    plans,
    nextTag: 0,
    close: async () => {
      proxy.close();
      await gw.close();
      for (const u of upstreams) u.close();
    },
  };
}

const fault = fc.oneof({ weight: 6, arbitrary: fc.constant<Fault>('ok') }, { weight: 7, arbitrary: fc.constantFrom(...FAULTS.filter((f) => f !== 'ok')) });
const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Behaviour>({ kind: 'read-all' }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 400 }).map((ms): Behaviour => ({ kind: 'abort-after-ms', ms })) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'abort-after-first-chunk' }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'stop-reading' }) },
);
export const planArb: fc.Arbitrary<Planned> = fc.record({
  endpoint: fc.constantFrom(...ENDPOINTS),
  group: fc.constantFrom<0 | 1>(0, 1),
  faults: fc.array(fault, { minLength: 3, maxLength: 3 }),
  big: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  behaviour,
});

/** A new key with high limits, in force. */
async function chaosKey(rig: ChaosRig): Promise<{ key: string; id: number }> {
  const c = rig.gw.addClient(`chaos-${crypto.randomUUID().slice(0, 8)}`);
  rig.gw.ctx.db.update(clients).set(LIMITS).where(eq(clients.id, c.id)).run();
  await rig.gw.ctx.limits.seed(rig.gw.ctx.state.reload());
  return c;
}

/** Sends the plans `width` at a time with a fresh limited key; returns the key and what the client saw of each. */
export interface Sent {
  tag: number;
  plan: Planned;
  seen: Seen;
}

export async function runPlans(rig: ChaosRig, planned: Planned[], width = WIDTH): Promise<{ id: number; seen: Sent[] }> {
  const key = await chaosKey(rig);
  const out: Sent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < planned.length) {
      const plan = planned[next++]!;
      const tag = rig.nextTag++;
      rig.plans.set(tag, plan);
      const url = plan.behaviour.kind === 'abort-after-ms' ? rig.proxy.url : rig.gw.url;
      const seen = await send(url, key.key, requestOf(plan.endpoint, tag, GROUPS[plan.group], EMBED_GROUP), plan.behaviour);
      out.push({ tag, plan, seen });
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  // The readers left hanging: the gateway drops them after its idle timeout, or they took all already.
  await Bun.sleep(1_500);
  for (const { seen } of out) await seen.unread?.cancel().catch(() => {});
  return { id: key.id, seen: out };
}

/** Polls `read` until `ok` holds of it (or `ms` passed); returns the last value read. */
async function settleOn<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await Bun.sleep(50);
  }
}

type Row = typeof requestLogs.$inferSelect;

/** What a row's status may be, given what the client saw. null: anything the gateway answers. */
export function statusAgrees(plan: Planned, seen: Seen, status: number): boolean {
  if (seen.status === null) return status >= 200 && status < 600;
  if (seen.status !== 200) return status === seen.status || (!seen.complete && status === 499);
  const stream = plan.endpoint.endsWith('-stream');
  if (seen.complete && !seen.cut) {
    if (stream && seen.errorEvent) return status >= 400 && status !== 499;
    return status === 200;
  }
  // Aborted, cut or left unread after a 200: it went out, broke off, or the client left.
  return status === 200 || status >= 400;
}

/** A 200 whole answer carries what the upstream answered: text (chat, Responses, Messages) or a vector. */
function answered(plan: Planned, body: string): boolean {
  try {
    const b = JSON.parse(body);
    if (plan.endpoint === 'chat') return typeof b.choices?.[0]?.message?.content === 'string' && b.choices[0].message.content.length > 0;
    if (plan.endpoint === 'responses') return b.output?.some((o: any) => o.type === 'message' && o.content?.[0]?.text?.length > 0) === true;
    if (plan.endpoint === 'messages') return typeof b.content?.[0]?.text === 'string' && b.content[0].text.length > 0;
    return Array.isArray(b.data?.[0]?.embedding) && b.data[0].embedding.length > 0;
  } catch {
    return false;
  }
}

/** An error answer in the endpoint's API shape: Anthropic's on /v1/messages, OpenAI's elsewhere. */
function errorShaped(plan: Planned, body: string): boolean {
  try {
    const b = JSON.parse(body);
    if (plan.endpoint.startsWith('messages')) return b.type === 'error' && typeof b.error?.type === 'string' && typeof b.error?.message === 'string';
    return typeof b.error?.message === 'string' && typeof b.error?.type === 'string' && 'code' in b.error && 'param' in b.error;
  } catch {
    return false;
  }
}

export async function checkInvariants(rig: ChaosRig, run: { id: number; seen: Sent[] }): Promise<void> {
  const { gw } = rig;
  const rowsOf = () => gw.ctx.db.select().from(requestLogs).where(and(eq(requestLogs.clientId, run.id), isNull(requestLogs.parentRequestId))).all() as Row[];
  // Every request leaves exactly one row: wait for the writer, then read again once its queue is empty.
  await settleOn(rowsOf, (r) => r.length >= run.seen.filter((s) => s.seen.requestId || rig.proxy.whole.has(s.tag)).length);
  await settleOn(() => gw.ctx.logSink.stats().depth, (d) => d === 0);
  await Bun.sleep(200);
  const rows = rowsOf();
  const byId = new Map<string, Row[]>();
  for (const r of rows) byId.set(r.requestId, [...(byId.get(r.requestId) ?? []), r]);
  const problems: string[] = [];
  // A request without an answer leaves a row when it reached the gateway whole (the proxy saw it go).
  const withId = run.seen.filter((s) => s.seen.requestId).length;
  const unanswered = run.seen.filter((s) => !s.seen.requestId);
  const least = withId + unanswered.filter((s) => rig.proxy.whole.has(s.tag)).length;
  const most = least + unanswered.filter((s) => rig.proxy.partial.has(s.tag)).length;
  if (rows.length < least || rows.length > most) problems.push(`${run.seen.length} requests (${least} seen whole by the gateway, ${most - least} in part) left ${rows.length} rows`);
  for (const { plan, seen } of run.seen) {
    // An upstream failure ends a stream with an error event, never a dropped connection, for a client that reads.
    if (plan.behaviour.kind === 'read-all' && (seen.cut || !seen.complete)) problems.push(`request ${seen.requestId} (${JSON.stringify(plan)}): a reading client's answer broke off`);
    if (!seen.requestId) continue;
    const mine = byId.get(seen.requestId) ?? [];
    const endpoint = plan.endpoint.replace('-stream', '');
    if (mine.length !== 1) problems.push(`request ${seen.requestId} (${JSON.stringify(plan)}) left ${mine.length} rows`);
    else if (mine[0]!.endpoint !== endpoint || mine[0]!.stream !== plan.endpoint.endsWith('-stream')) {
      problems.push(`request ${seen.requestId} (${JSON.stringify(plan)}): row says endpoint ${mine[0]!.endpoint}, stream ${mine[0]!.stream}`);
    } else if (seen.errorBody !== undefined && !errorShaped(plan, seen.errorBody)) {
      problems.push(`request ${seen.requestId} (${JSON.stringify(plan)}): error answer ${seen.status} not in the API's shape: ${seen.errorBody.slice(0, 300)}`);
    } else if (seen.answerBody !== undefined && !answered(plan, seen.answerBody)) {
      problems.push(`request ${seen.requestId} (${JSON.stringify(plan)}): a 200 answer without the upstream's answer in it: ${seen.answerBody.slice(0, 300)}`);
    } else if (!statusAgrees(plan, seen, mine[0]!.status)) {
      problems.push(`request ${seen.requestId} (${JSON.stringify(plan)}): client saw ${JSON.stringify({ ...seen, unread: undefined, errorBody: seen.errorBody?.slice(0, 200) })}, row status ${mine[0]!.status} (${mine[0]!.error})`);
    }
  }

  // The saturation gauges return to zero.
  const gauges = async () => {
    const samples = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text()).samples;
    return ['gophergate_requests_in_flight', 'gophergate_upstream_connections_in_use', 'gophergate_upstream_requests_waiting'].map((n) => `${n}=${valueOf(samples, n)}`);
  };
  const g = await settleOn(gauges, (v) => v.every((s) => s.endsWith('=0')), 5_000);
  if (!g.every((s) => s.endsWith('=0'))) problems.push(`gauges not back at 0: ${g.join(' ')}`);

  // The key's reservations all settle: nothing reserved or in flight, spend and TPM what the rows billed.
  const scopes = gw.ctx.state.getSnapshot().clientsById!.get(run.id)!.limits!.scopes;
  const out = await settleOn(() => gw.ctx.limits.counters.outstanding(scopes[0]!), (o) => o.reservedUsd === 0 && o.inFlight === 0, 5_000);
  if (out.reservedUsd !== 0 || out.inFlight !== 0) problems.push(`key still holds ${JSON.stringify(out)}`);
  const billed = rows.reduce((a, r) => a + r.costUsd, 0);
  const view = (await (await api(gw, 'GET', `/api/clients/${run.id}`, { as: rig.admin })).json()) as { spend_usd: number };
  if (Math.abs(view.spend_usd - billed) > 1e-9) problems.push(`spend_usd ${view.spend_usd}, rows billed ${billed}`);
  const tokens = rows.reduce((a, r) => a + r.promptTokens + r.completionTokens, 0);
  const rate = await gw.ctx.limits.counters.peekRate(scopes, gw.ctx.limits.now());
  if (rate.tokens && LIMITS.tpm - rate.tokens.remaining !== tokens) problems.push(`TPM counts ${LIMITS.tpm - rate.tokens.remaining} tokens, rows ${tokens}`);

  if (process.env.CHAOS_DEBUG) {
    // One line per request: endpoint, faults, behaviour, what the client saw, the row's status.
    const line = ({ plan, seen }: Sent) =>
      [plan.endpoint, GROUPS[plan.group], plan.faults.join('/'), plan.big ? 'big' : 'small', plan.behaviour.kind, seen.status, seen.complete, seen.errorEvent, seen.cut, byId.get(seen.requestId ?? '')?.[0]?.status, byId.get(seen.requestId ?? '')?.[0]?.error?.slice(0, 60)].join(' ');
    console.log(run.seen.map(line).join('\n'));
  }
  expect(problems).toEqual([]);
}

/** The breakers are sane: every circuit in a known state, and once the cool-down passed with healthy upstreams each target answers and its circuit closes. */
export async function checkBreakers(rig: ChaosRig): Promise<void> {
  const { gw } = rig;
  const health = (await (await fetch(`${gw.url}/health`)).json()) as { providers: Record<string, { circuit: string }> };
  for (const p of PROVIDERS) expect(['closed', 'open', 'half_open']).toContain(health.providers[p]!.circuit);
  await Bun.sleep(400);
  for (const model of ['chaos-a', 'chaos-b', 'chaos-c', 'chaos-d']) {
    const r = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'healthy now' }] }) });
    expect({ model, status: r.status, body: await r.text() }).toMatchObject({ status: 200 });
  }
  const after = (await (await fetch(`${gw.url}/health`)).json()) as { providers: Record<string, { circuit: string; model_circuits?: unknown[] }> };
  for (const p of PROVIDERS) expect({ p, circuit: after.providers[p]!.circuit }).toEqual({ p, circuit: 'closed' });
}

/**
 * The property: any plan of 16-32 requests keeps the invariants. Fixed seed (CHAOS_SEED overrides),
 * printed on failure; CHAOS_RUNS more plans, CHAOS_WIDTH more at once; CHAOS_DEBUG=1 prints each request's outcome.
 */
export async function chaosProperty(rig: ChaosRig, runs = 3): Promise<void> {
  const seed = Number(process.env.CHAOS_SEED ?? 20261204);
  const report = await fc.check(
    fc.asyncProperty(fc.array(planArb, { minLength: 16, maxLength: 32 }), async (planned) => {
      await checkInvariants(rig, await runPlans(rig, planned));
    }),
    { seed, numRuns: Number(process.env.CHAOS_RUNS ?? runs), endOnFailure: true },
  );
  if (report.failed) {
    throw new Error(`chaos run failed; reproduce with CHAOS_SEED=${seed} (path ${report.counterexamplePath}):\n${JSON.stringify(report.counterexample?.[0])}\n${String(report.errorInstance)}`);
  }
  await checkBreakers(rig);
}
