import type { RedisLink } from '../redis/redis-link';
import { limitsWhileRedisDown, refusalMessage } from './refusal-message';
import { periodKey } from './budget-period';
import type { Actual, AdmitInput, Admission, LimitCounters, RefusalReason, SpendSource } from './limit-counters';
import { BUDGET_PERIODS, type ScopeLimits } from './limit-types';
import { LimitsUnavailableError } from './limits-unavailable';
import { LocalLimitFallback } from './local-limit-fallback';
import { RecentAdmissions } from './recent-admissions';
import type { RateInfo } from './rate-headers';
import { RedisLimitReconnect, type RedisAdmit, type RedisWork } from './redis-limit-reconnect';
import { GROW } from './redis-limit-grow-script';
import { ADMIT, SETTLE, CHARGE, SEED, END_FLIGHT, KEEP_ALIVE, TRIM_TOKENS, opt } from './redis-limit-scripts';
import { PEEK_RATE } from './redis-limit-peek-script';

/**
 * Limit counters in Redis, for several instances: one Lua script per `admit` (check every scope,
 * then reserve in all or none) and one per `settle`, so RPM, TPM, max_parallel and budgets are
 * exact across instances. The clock is the caller's (`now`), as in memory.
 *
 * Redis unreachable:
 * - `open`: each instance enforces from its own in-memory counters (budgets start from the spend
 *   it last saw in Redis, or the logs' when larger; one of N instances alive takes its Nth share of
 *   budgets, RPM and TPM); what those requests spend and use is charged to Redis once it is back,
 *   and settles of Redis reservations made while it was down are sent then too;
 * - `closed`: `admit` throws a 503 (LimitsUnavailableError) for limited keys until Redis is back.
 * The outage half is beside it: local-limit-fallback.ts (the own counters and budget starts) and
 * redis-limit-reconnect.ts (the work waiting for Redis, reservations put back on reconnection).
 */
export class RedisLimitCounters implements LimitCounters {
  /** Requests this instance admitted through Redis: only their rows settle there (a key without limits costs no round trip). */
  private readonly redisAdmits = new Map<string, RedisAdmit>();
  /** Where a budget's spend is read from when Redis has none (the logs; LimitsService sets it). */
  private spendSource: SpendSource = async () => 0;
  /** Seeds under way, by scope key: concurrent requests of one scope wait for one read of the logs. */
  private readonly seeding = new Map<string, Promise<void>>();
  /** Its own counters, for while Redis is unreachable (fail mode `open`). */
  private readonly fallback = new LocalLimitFallback(this.redisAdmits, (scope, now) => this.spendSource(scope, now));
  private readonly reconnect: RedisLimitReconnect;
  /** Rate-limited requests settled within the last minute: put back in the windows of a Redis that lost its data. */
  private readonly recent = new RecentAdmissions();
  /** The limits' clock (LimitsService's: Redis's, src/redis/redis-clock.ts), for what is timed here. */
  private clock: () => number = Date.now;

  constructor(
    private readonly link: RedisLink,
    readonly failMode: 'open' | 'closed',
    warn?: (msg: string) => void,
    /** Heartbeat period; an instance silent for `deadAfterMs` has its reservations freed by the others. */
    beat = { everyMs: 2_000, deadAfterMs: 10_000 },
    /** Told the Redis origins of the instances this one took for dead (src/app-context.ts ends their stored responses). */
    dead?: (origins: string[]) => void,
  ) {
    this.reconnect = new RedisLimitReconnect(link, this.redisAdmits, () => this.connected(), warn, beat, () => this.fallback.seenFloors(), dead, this.recent, (n) => this.fallback.live(n), () => this.clock());
    link.onDown(() => warn?.(`limits: Redis unreachable; ${limitsWhileRedisDown(failMode)}`));
  }

  /**
   * Each connection, before its reservations are put back (RedisLimitReconnect restores every one
   * of redisAdmits): the requests admitted here while Redis was away and still running become
   * Redis reservations of this instance, so their slots, USD and tokens count for every instance.
   */
  private connected(): void {
    this.fallback.connected();
    const now = this.clock();
    for (const [id, a] of this.fallback.takeRunning(now)) this.redisAdmits.set(id, { ...a, aliveAt: now, ended: false, unconfirmed: true });
  }

  useClock(now: () => number): void {
    this.clock = now;
  }

  useSpendSource(source: SpendSource): void {
    this.spendSource = source;
  }

  admit(input: AdmitInput, seeds = 0): Admission | Promise<Admission> {
    const restoring = this.reconnect.restoring;
    if (restoring) return restoring.then(() => this.admit(input, seeds));
    if (!this.link.isUp()) return this.admitLocally(input);
    const args: (string | number)[] = [this.link.prefix, input.now, input.requestId, input.worstCostUsd, input.tokens, input.scopes.length];
    for (const s of input.scopes) args.push(s.key, opt(s.rpm), opt(s.tpm), opt(s.maxParallel), opt(s.budgetUsd), periodKey(s.period, input.now));
    args.push(input.minCostUsd ?? -1, this.link.origin);
    return ADMIT.run(this.link, [], args).then(
      (r: unknown[]) => {
        // A budget Redis never had the spend of (fresh or restarted Redis, a budget just set): read
        // it from the logs, then ask again. Counting it from zero would let the budget be overspent.
        if (r[0] === 2) {
          if (seeds >= 3) return this.admitLocally(input);
          const scope = input.scopes[(r[2] as number) - 1]!;
          return this.seedScope(scope, input.now).then(
            () => this.admit(input, seeds + 1),
            // The logs unreadable (PostgreSQL away): counted here, from at least what the others saw.
            () => this.seeFloor(scope, input.now).then(() => this.admitLocally(input), () => this.admitLocally(input)),
          );
        }
        const a = this.admission(input, r);
        if (a.ok) {
          // Bounded: a request whose row never came must not grow this for ever (Redis sweeps it after an hour).
          if (this.redisAdmits.size >= 100_000) {
            const oldest = this.redisAdmits.keys().next().value!;
            this.redisAdmits.delete(oldest);
            this.fallback.forget(oldest);
          }
          this.redisAdmits.set(input.requestId, { scopes: input.scopes, worst: a.reservedUsd, tokens: input.tokens, at: input.now, startedAt: input.startedAt, aliveAt: input.now, ended: false });
        }
        return a;
      },
      () => this.admitLocally(input),
    );
  }

  peekRate(scopes: readonly ScopeLimits[], now: number): RateInfo | Promise<RateInfo> {
    // Cut off (or failing): what this instance counts itself, as its admissions do meanwhile.
    if (!this.link.isUp()) return this.fallback.peekRate(scopes, now);
    const args: (string | number)[] = [this.link.prefix, now, scopes.length];
    for (const s of scopes) args.push(s.key, opt(s.rpm), opt(s.tpm));
    return PEEK_RATE.run(this.link, [], args).then(
      ([rl, rr, rt, tl, tr, tt]: number[]): RateInfo => ({
        requests: rl! >= 0 ? { limit: rl!, remaining: rr!, resetMs: rt! } : null,
        tokens: tl! >= 0 ? { limit: tl!, remaining: tr!, resetMs: tt! } : null,
      }),
      () => this.fallback.peekRate(scopes, now),
    );
  }

  coverTry(requestId: string, billed: number, now: number): boolean | Promise<boolean> {
    if (this.fallback.has(requestId)) return this.fallback.coverTry(requestId, billed, now);
    const a = this.redisAdmits.get(requestId);
    const tries = a?.tries ?? 1;
    if (!a || tries > billed) return true;
    if (!a.scopes.some((s) => s.budgetUsd !== null)) return true;
    // Redis away (or putting reservations back): the budgets cannot be judged with the others', so no
    // try is started that they might not hold.
    if (this.reconnect.restoring || !this.link.isUp()) return false;
    const add = (a.worst / tries) * (billed + 1 - tries);
    const args: (string | number)[] = [this.link.prefix, requestId, add, a.scopes.length];
    for (const s of a.scopes) args.push(opt(s.budgetUsd), periodKey(s.period, now));
    return GROW.run(this.link, [], args).then(
      (r: unknown) => {
        if (r !== 1) return false;
        // What a reservation put back after an outage holds (RESTORE), and a local budget start counts.
        a.worst += add;
        a.tries = billed + 1;
        return true;
      },
      () => false,
    );
  }

  settle(requestId: string, actual: Actual, now: number): boolean | Promise<boolean> {
    const restoring = this.reconnect.restoring;
    if (restoring && this.redisAdmits.has(requestId)) return restoring.then(() => this.settle(requestId, actual, now));
    const local = this.fallback.take(requestId);
    if (local) {
      const settled = this.fallback.counters.settle(requestId, actual, now);
      this.chargeAdmittedAway(requestId, local.scopes, local.at, actual, now);
      return settled;
    }
    const admitting = this.redisAdmits.get(requestId);
    if (!admitting) return false;
    const admitted = admitting.scopes;
    this.redisAdmits.delete(requestId);
    if (admitting.unconfirmed) {
      // Admitted while Redis was away and never reserved there (it went down again before the restore).
      this.chargeAdmittedAway(requestId, admitted, admitting.at, actual, now);
      return true;
    }
    this.fallback.settled(requestId, admitting, actual, now);
    this.recent.add(requestId, admitted, admitting.at, actual.tokens, admitting.at, now);
    // The period of each kind the request started in (its row's, which the rollups count): billed to the one the scope counts when it settles.
    const arrived = BUDGET_PERIODS.map((p) => periodKey(p, admitting.startedAt ?? admitting.at));
    const settle = (): Promise<boolean> =>
      SETTLE.run(this.link, [], [this.link.prefix, requestId, actual.costUsd, actual.tokens, ...arrived, this.link.origin, now]).then(async (r) => {
        // The reservation was freed at no cost: the others took this instance for dead while it was
        // cut off (HEARTBEAT), or it outlived the hour's sweep. What the request cost is charged all
        // the same, or the budget would not count it. (0: this settle already ran, its answer lost.)
        // Sent on its own (queued if it fails): this settle, sent again, would answer 0 then.
        if (r === 2 && (actual.costUsd > 0 || actual.tokens > 0)) this.reconnect.toRedis(this.chargeWork(admitted, actual, now));
        this.fallback.addSettled(admitted, actual, admitting.worst);
        return true;
      });
    // Named: while it waits, the reservation is not taken for an orphan (redis-limit-reconnect.ts).
    const run: RedisWork = Object.assign(settle, { settles: requestId });
    if (!this.link.isUp()) {
      // A reservation Redis holds: settled once Redis is back (its row is not lost).
      this.reconnect.queue(run);
      return true;
    }
    return settle().catch(() => {
      this.reconnect.queue(run);
      return true;
    });
  }

  trimTokens(requestId: string, tokens: number): void | Promise<void> {
    if (this.fallback.has(requestId)) return this.fallback.counters.trimTokens(requestId, tokens);
    const admitted = this.redisAdmits.get(requestId);
    if (!admitted || tokens >= admitted.tokens) return;
    // What a reservation put back after an outage holds (RESTORE) too.
    admitted.tokens = tokens;
    if (this.reconnect.restoring || !this.link.isUp()) return;
    // Not queued when it fails: the settle sets the actual count anyway.
    return TRIM_TOKENS.run(this.link, [], [this.link.prefix, requestId, tokens]).then(() => {}, () => {});
  }

  endFlight(requestId: string): void | Promise<void> {
    if (this.fallback.has(requestId)) return this.fallback.counters.endFlight(requestId);
    const admitted = this.redisAdmits.get(requestId);
    if (!admitted) return;
    admitted.ended = true;
    const restoring = this.reconnect.restoring;
    if (restoring) return restoring.then(() => this.endFlight(requestId));
    if (!this.link.isUp()) return;
    // Not queued when it fails: the settle then frees the slot, as before.
    return END_FLIGHT.run(this.link, [], [this.link.prefix, requestId]).then(() => {}, () => {});
  }

  keepAlive(requestId: string, now: number): void | Promise<void> {
    if (this.fallback.has(requestId)) return this.fallback.counters.keepAlive(requestId, now);
    const admitted = this.redisAdmits.get(requestId);
    if (!admitted) return;
    admitted.aliveAt = Math.max(admitted.aliveAt, now);
    if (!this.link.isUp()) return;
    // Not queued when it fails: the next read of the followed request sends it again.
    return KEEP_ALIVE.run(this.link, [], [this.link.prefix, requestId, now]).then(() => {}, () => {});
  }

  charge(scopes: readonly ScopeLimits[], actual: Actual, now: number): void | Promise<void> {
    if (actual.costUsd === 0 && actual.tokens === 0) return;
    if (!this.link.isUp()) {
      this.fallback.counters.charge(scopes, actual, now);
      this.reconnect.queue(this.chargeWork(scopes, actual, now));
      return;
    }
    const work = this.chargeWork(scopes, actual, now);
    return work().then(
      () => {},
      () => this.reconnect.queue(work),
    );
  }

  async spend(scope: ScopeLimits, now: number): Promise<number | null> {
    if (!this.link.isUp()) return this.fallback.spend(scope, now);
    const [pk, spend, seeded] = (await this.link.send('HMGET', [this.stKey(scope), 'period', 'spend', 'seeded'])) as (string | null)[];
    // Not read from the logs: Redis only counted the requests it saw.
    if (pk == null || seeded !== '1') return null;
    const current = periodKey(scope.period, now);
    if (pk !== current) return pk.startsWith(`${scope.period}:`) ? 0 : null;
    return Number(spend ?? 0);
  }

  async outstanding(scope: ScopeLimits): Promise<{ reservedUsd: number; inFlight: number }> {
    const mine = this.fallback.counters.outstanding(scope);
    if (!this.link.isUp()) return mine;
    const [reserved, inflight] = (await this.link.send('HMGET', [this.stKey(scope), 'reserved', 'inflight'])) as [string | null, string | null];
    return { reservedUsd: Number(reserved ?? 0) + mine.reservedUsd, inFlight: Number(inflight ?? 0) + mine.inFlight };
  }

  /**
   * `logged`, the logs' spend, or the spend this instance last saw in Redis where that is more: a
   * Redis restarted empty while log rows wait in the buffers (PostgreSQL was away) would otherwise
   * start the budget without them. The other instances' floors (FLOOR) count in SEED.
   */
  async seedSpend(scope: ScopeLimits, logged: number, now: number): Promise<void> {
    const amount = Math.max(logged, this.fallback.seenSpend(scope, now) ?? 0);
    this.fallback.counters.seedSpend(scope, amount, now);
    if (!this.link.isUp()) return;
    await SEED.run(this.link, [], [this.link.prefix, scope.key, periodKey(scope.period, now), amount]);
  }

  /**
   * The floor the instances left for the scope's period in a Redis that lost its data (FLOOR), taken
   * as spend seen here when it is more: an instance that never served the key would otherwise start
   * its local count from zero while the logs cannot be read, and serve a spent budget again.
   */
  private async seeFloor(scope: ScopeLimits, now: number): Promise<void> {
    const floor = Number((await this.link.send('HGET', [this.stKey(scope), `floor:${periodKey(scope.period, now)}`])) ?? 0);
    if (floor > (this.fallback.seenSpend(scope, now) ?? 0)) this.fallback.sawSpend(scope, now, floor);
  }

  forgetScopesExcept(live: ReadonlySet<string>): void {
    this.fallback.forgetScopesExcept(live);
  }

  dropSpend(scope: ScopeLimits): void | Promise<void> {
    this.fallback.dropSpend(scope);
    // Not seeded any more: the next admit under a budget asks for the logs' spend (ADMIT answers 2).
    const drop = () => this.link.send('HDEL', [this.stKey(scope), 'seeded']);
    if (!this.link.isUp()) return this.reconnect.queue(drop);
    return drop().then(() => {}, () => this.reconnect.queue(drop));
  }

  /** Work queued while Redis was down (bounded; what overflows is counted and warned about); the instances alive at the last heartbeat. */
  stats(): { pending: number; dropped: number; localInFlight: number; instances: number } {
    return { ...this.reconnect.stats(), localInFlight: this.fallback.inFlight, instances: this.fallback.liveInstances };
  }

  /** Starts a scope's spend in Redis from the logs (one read per scope at a time). */
  private seedScope(scope: ScopeLimits, now: number): Promise<void> {
    let p = this.seeding.get(scope.key);
    if (!p) {
      p = this.spendSource(scope, now)
        .then((amount) => this.seedSpend(scope, amount, now))
        .finally(() => this.seeding.delete(scope.key));
      this.seeding.set(scope.key, p);
    }
    return p;
  }

  private stKey(scope: ScopeLimits): string {
    return `${this.link.prefix}lim:${scope.key}:st`;
  }

  private admitLocally(input: AdmitInput): Admission | Promise<Admission> {
    if (this.failMode === 'closed') throw new LimitsUnavailableError();
    return this.fallback.admit(input);
  }

  private admission(input: AdmitInput, r: unknown[]): Admission {
    const [ok, reason, index, wait, tsum, spendS, reservedS, rl, rr, rt, tl, tr, tt] = r as [number, string, number, number, number, string, string, number, number, number, number, number, number];
    const rate: RateInfo = {
      requests: rl >= 0 ? { limit: rl, remaining: rr, resetMs: rt } : null,
      tokens: tl >= 0 ? { limit: tl, remaining: tr, resetMs: tt } : null,
    };
    if (ok === 1) {
      const n = input.scopes.length;
      for (let i = 0; i < n; i++) {
        const s = input.scopes[i]!;
        if (s.budgetUsd !== null && r[13 + i] != null) this.fallback.sawSpend(s, input.now, Number(r[13 + i]), r[13 + n + i] == null ? undefined : Number(r[13 + n + i]));
      }
      return { ok: true, rate, reservedUsd: Number(reservedS) };
    }
    const scope = input.scopes[index - 1]!;
    const spend = Number(spendS);
    const reserved = Number(reservedS);
    if (scope.budgetUsd !== null) this.fallback.sawSpend(scope, input.now, spend, reserved);
    const retryAfterMs = wait < 0 ? null : wait;
    // The script names a budget or TPM held by requests in flight apart ('budget_held', 'tpm_held'): one reason here.
    const held = reason === 'budget_held' || reason === 'tpm_held';
    const why = (held ? reason.slice(0, -5) : reason) as RefusalReason;
    const message = refusalMessage(why, scope, { tokens: input.tokens, outputTokens: input.outputTokens, outputField: input.outputField, worstCostUsd: input.minCostUsd ?? input.worstCostUsd, waitMs: retryAfterMs, tokensInUse: tsum, spentUsd: spend, reservedUsd: reserved, held });
    return { ok: false, reason: why, scope, retryAfterMs, rate, message, ...(why === 'budget' ? { budget: held ? 'held' : 'spent' } : {}) };
  }

  /**
   * A request admitted from the own counters while Redis was away, settled: what it used counts in
   * Redis too, now or once Redis is back, and so does the request in the RPM windows of the minute
   * it was admitted in.
   */
  private chargeAdmittedAway(requestId: string, scopes: readonly ScopeLimits[], at: number, actual: Actual, now: number): void {
    this.fallback.addSettled(scopes, actual);
    this.recent.add(requestId, scopes, at, actual.tokens, now, now);
    this.reconnect.toRedis(this.chargeWork(scopes, actual, now, at));
  }

  /** `admittedAt`: a request admitted while Redis was away (it enters the RPM windows then), else -1. */
  private chargeWork(scopes: readonly ScopeLimits[], actual: Actual, now: number, admittedAt = -1): () => Promise<unknown> {
    // One id for every time it is sent: a charge Redis ran whose answer was lost counts once.
    const args: (string | number)[] = [this.link.prefix, now, actual.costUsd, actual.tokens, `c:${crypto.randomUUID()}`, scopes.length];
    for (const s of scopes) args.push(s.key, opt(s.tpm), periodKey(s.period, now), periodKey(s.period, actual.at), opt(s.rpm));
    args.push(admittedAt);
    return () => CHARGE.run(this.link, [], args);
  }
}
