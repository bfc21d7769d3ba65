import { ApiError } from '../errors/api-error';
import type { RedisLink } from '../redis/redis-link';
import { refusalMessage } from './refusal-message';
import { periodKey } from './budget-period';
import type { Actual, AdmitInput, Admission, LimitCounters, RefusalReason, SpendSource } from './limit-counters';
import { BUDGET_PERIODS, type ScopeLimits } from './limit-types';
import { MemoryLimitCounters } from './memory-limit-counters';
import type { RateInfo } from './rate-headers';
import { ADMIT, HEARTBEAT, SETTLE, CHARGE, SEED, END_FLIGHT, KEEP_ALIVE, RESTORE, PEEK_RATE } from './redis-limit-scripts';

/** Thrown by `admit` in fail mode `closed` while Redis is unreachable: the key's request gets 503. */
export class LimitsUnavailableError extends ApiError {
  constructor() {
    super({
      status: 503,
      message: 'Limits cannot be checked right now: the shared counters (Redis) are unreachable. Try again shortly.',
      type: 'api_error',
      code: 'limits_unavailable',
      headers: { 'retry-after': '1' },
    });
  }
}

/** Pending settles and charges kept while Redis is down, at most. */
const MAX_PENDING = 10_000;

const opt = (n: number | null) => (n === null ? -1 : n);

/** A reservation made in Redis, as this instance made it: enough to make it again in a Redis that lost it. */
interface RedisAdmit {
  scopes: readonly ScopeLimits[];
  worst: number;
  tokens: number;
  at: number;
  /** Admit or last keep-alive time (the stale sweep's clock). */
  aliveAt: number;
  /** Its in-flight slot was freed already (endFlight). */
  ended: boolean;
}

/**
 * Limit counters in Redis, for several instances: one Lua script per `admit` (check every scope,
 * then reserve in all or none) and one per `settle`, so RPM, TPM, max_parallel and budgets are
 * exact across instances. The clock is the caller's (`now`), as in memory.
 *
 * Redis unreachable:
 * - `open`: each instance enforces from its own in-memory counters (budgets start from the spend
 *   it last saw in Redis, or the logs' when larger); what those requests spend and use is charged to Redis once it is back,
 *   and settles of Redis reservations made while it was down are sent then too;
 * - `closed`: `admit` throws a 503 (LimitsUnavailableError) for limited keys until Redis is back.
 */
export class RedisLimitCounters implements LimitCounters {
  private readonly local = new MemoryLimitCounters();
  /** Requests admitted by the local counters (Redis was down), with their scopes and admit time. */
  private readonly localAdmits = new Map<string, { scopes: readonly ScopeLimits[]; at: number }>();
  /** Requests this instance admitted through Redis: only their rows settle there (a key without limits costs no round trip). */
  private readonly redisAdmits = new Map<string, RedisAdmit>();
  /**
   * Set from a connection until its epoch is checked (and, when Redis lost its data, this
   * instance's reservations are put back): admits and settles wait for it, so none is counted
   * against a Redis that does not yet hold the requests in flight.
   */
  private restoring: Promise<void> | null = null;
  /** Work for Redis that came while it was down. */
  private readonly pending: (() => Promise<unknown>)[] = [];
  /** Spend last read from Redis per scope and period, to start local budgets from. */
  private readonly lastSpend = new Map<string, { pk: string; spend: number }>();
  private dropped = 0;
  /** Connections made so far: local budgets are restarted from `lastSpend` once per outage. */
  private episode = 0;
  /** Scope key -> the episode (outage) its local spend was last started in (startLocalBudget). */
  private readonly localFrom = new Map<string, number>();
  /** Local budget starts under way, by scope key: concurrent requests of one scope wait for one read. */
  private readonly localStarts = new Map<string, Promise<void>>();
  /** Requests admitted through Redis whose worst cost a local budget start counted, by request id: the scopes it counted in. */
  private readonly heldLocally = new Map<string, Set<string>>();
  /** The data set of Redis this instance counted in (`<P>lim:epoch`): another one means Redis lost its data. */
  private epoch: string | null = null;
  /** Where a budget's spend is read from when Redis has none (the logs; LimitsService sets it). */
  private spendSource: SpendSource = async () => 0;
  /** Seeds under way, by scope key: concurrent requests of one scope wait for one read of the logs. */
  private readonly seeding = new Map<string, Promise<void>>();

  constructor(
    private readonly link: RedisLink,
    readonly failMode: 'open' | 'closed',
    private readonly warn?: (msg: string) => void,
    /** Heartbeat period; an instance silent for `deadAfterMs` has its reservations freed by the others. */
    private readonly beat = { everyMs: 2_000, deadAfterMs: 10_000 },
  ) {
    link.onUp(() => {
      const restored = this.checkEpoch();
      this.restoring = restored;
      void restored.finally(() => {
        if (this.restoring === restored) this.restoring = null;
      }).then(() => this.flush());
    });
    const timer = setInterval(() => {
      if (link.isClosed()) return clearInterval(timer);
      if (!link.isUp()) return;
      HEARTBEAT.run(link, [], [link.prefix, link.origin, beat.deadAfterMs]).then(
        (r: unknown[]) => {
          // Taken for dead while its connection stayed open (the process stopped, or its host
          // stalled, past deadAfterMs): the others freed its reservations; those still running go back.
          if (r[1] === 1 && this.redisAdmits.size && !this.restoring) this.restoreAll();
        },
        () => {},
      );
    }, beat.everyMs);
    (timer as { unref?: () => void }).unref?.();
  }

  useSpendSource(source: SpendSource): void {
    this.spendSource = source;
  }

  admit(input: AdmitInput, seeds = 0): Admission | Promise<Admission> {
    if (this.restoring) return this.restoring.then(() => this.admit(input, seeds));
    if (!this.link.isUp()) return this.admitLocally(input);
    const args: (string | number)[] = [this.link.prefix, input.now, input.requestId, input.worstCostUsd, input.tokens, input.scopes.length];
    for (const s of input.scopes) args.push(s.key, opt(s.rpm), opt(s.tpm), opt(s.maxParallel), opt(s.budgetUsd), periodKey(s.period, input.now));
    args.push(this.link.origin);
    return ADMIT.run(this.link, [], args).then(
      (r: unknown[]) => {
        // A budget Redis never had the spend of (fresh or restarted Redis, a budget just set): read
        // it from the logs, then ask again. Counting it from zero would let the budget be overspent.
        if (r[0] === 2) {
          if (seeds >= 3) return this.admitLocally(input);
          return this.seedScope(input.scopes[(r[2] as number) - 1]!, input.now).then(
            () => this.admit(input, seeds + 1),
            () => this.admitLocally(input),
          );
        }
        const a = this.admission(input, r);
        if (a.ok) {
          // Bounded: a request whose row never came must not grow this for ever (Redis sweeps it after an hour).
          if (this.redisAdmits.size >= 100_000) {
            const oldest = this.redisAdmits.keys().next().value!;
            this.redisAdmits.delete(oldest);
            this.heldLocally.delete(oldest);
          }
          this.redisAdmits.set(input.requestId, { scopes: input.scopes, worst: input.worstCostUsd, tokens: input.tokens, at: input.now, aliveAt: input.now, ended: false });
        }
        return a;
      },
      () => this.admitLocally(input),
    );
  }

  peekRate(scopes: readonly ScopeLimits[], now: number): RateInfo | Promise<RateInfo> {
    // Cut off (or failing): what this instance counts itself, as its admissions do meanwhile.
    if (!this.link.isUp()) return this.local.peekRate(scopes, now);
    const args: (string | number)[] = [this.link.prefix, now, scopes.length];
    for (const s of scopes) args.push(s.key, opt(s.rpm), opt(s.tpm));
    return PEEK_RATE.run(this.link, [], args).then(
      ([rl, rr, rt, tl, tr, tt]: number[]): RateInfo => ({
        requests: rl! >= 0 ? { limit: rl!, remaining: rr!, resetMs: rt! } : null,
        tokens: tl! >= 0 ? { limit: tl!, remaining: tr!, resetMs: tt! } : null,
      }),
      () => this.local.peekRate(scopes, now),
    );
  }

  settle(requestId: string, actual: Actual, now: number): boolean | Promise<boolean> {
    if (this.restoring && this.redisAdmits.has(requestId)) return this.restoring.then(() => this.settle(requestId, actual, now));
    const local = this.localAdmits.get(requestId);
    if (local) {
      this.localAdmits.delete(requestId);
      const settled = this.local.settle(requestId, actual, now);
      // What it used counts in Redis too, now or once Redis is back, and so does the request in
      // the RPM windows of the minute it was admitted in.
      this.toRedis(() => this.chargeRedis(local.scopes, actual, now, local.at));
      return settled;
    }
    const admitting = this.redisAdmits.get(requestId);
    if (!admitting) return false;
    const admitted = admitting.scopes;
    this.redisAdmits.delete(requestId);
    const held = this.heldLocally.get(requestId);
    if (held) {
      // Counted at its worst by a local budget start: now at what it cost.
      this.heldLocally.delete(requestId);
      this.local.charge(admitted.filter((s) => held.has(s.key)), { costUsd: actual.costUsd - admitting.worst, tokens: 0, at: actual.at }, now);
    }
    // The period of each kind the request arrived in: billed to the one the scope counts when it settles.
    const arrived = BUDGET_PERIODS.map((p) => periodKey(p, admitting.at));
    const run = () =>
      SETTLE.run(this.link, [], [this.link.prefix, requestId, actual.costUsd, actual.tokens, ...arrived]).then(async (r) => {
        // The reservation is gone: the others took this instance for dead while it was cut off
        // (HEARTBEAT freed it at no cost), or it outlived the hour's sweep. What the request cost
        // is charged all the same, or the budget would not count it.
        if (r !== 1 && (actual.costUsd > 0 || actual.tokens > 0)) await this.chargeRedis(admitted, actual, now);
        // What this instance last saw spent includes its own settled requests (an outage starts from it).
        if (actual.costUsd > 0) {
          for (const s of admitted) {
            const seen = this.lastSpend.get(s.key);
            if (seen && seen.pk === periodKey(s.period, actual.at)) seen.spend += actual.costUsd;
          }
        }
        return true;
      });
    if (!this.link.isUp()) {
      // A reservation Redis holds: settled once Redis is back (its row is not lost).
      this.queue(run);
      return true;
    }
    return run().catch(() => {
      this.queue(run);
      return true;
    });
  }

  endFlight(requestId: string): void | Promise<void> {
    if (this.localAdmits.has(requestId)) return this.local.endFlight(requestId);
    const admitted = this.redisAdmits.get(requestId);
    if (!admitted) return;
    admitted.ended = true;
    if (this.restoring) return this.restoring.then(() => this.endFlight(requestId));
    if (!this.link.isUp()) return;
    // Not queued when it fails: the settle then frees the slot, as before.
    return END_FLIGHT.run(this.link, [], [this.link.prefix, requestId]).then(() => {}, () => {});
  }

  keepAlive(requestId: string, now: number): void | Promise<void> {
    if (this.localAdmits.has(requestId)) return this.local.keepAlive(requestId, now);
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
      this.local.charge(scopes, actual, now);
      this.queue(() => this.chargeRedis(scopes, actual, now));
      return;
    }
    return this.chargeRedis(scopes, actual, now).then(
      () => {},
      () => this.queue(() => this.chargeRedis(scopes, actual, now)),
    );
  }

  async spend(scope: ScopeLimits, now: number): Promise<number | null> {
    // Cut off: the count this instance enforces once it started the budget in this outage; before
    // that its local count is as old as its start (the caller reads the logs instead).
    if (!this.link.isUp()) return this.localFrom.get(scope.key) === this.episode ? this.local.spend(scope, now) : null;
    const [pk, spend, seeded] = (await this.link.send('HMGET', [this.stKey(scope), 'period', 'spend', 'seeded'])) as (string | null)[];
    // Not read from the logs: Redis only counted the requests it saw.
    if (pk == null || seeded !== '1') return null;
    const current = periodKey(scope.period, now);
    if (pk !== current) return pk.startsWith(`${scope.period}:`) ? 0 : null;
    return Number(spend ?? 0);
  }

  async outstanding(scope: ScopeLimits): Promise<{ reservedUsd: number; inFlight: number }> {
    const mine = this.local.outstanding(scope);
    if (!this.link.isUp()) return mine;
    const [reserved, inflight] = (await this.link.send('HMGET', [this.stKey(scope), 'reserved', 'inflight'])) as [string | null, string | null];
    return { reservedUsd: Number(reserved ?? 0) + mine.reservedUsd, inFlight: Number(inflight ?? 0) + mine.inFlight };
  }

  async seedSpend(scope: ScopeLimits, amount: number, now: number): Promise<void> {
    this.local.seedSpend(scope, amount, now);
    if (!this.link.isUp()) return;
    await SEED.run(this.link, [], [this.link.prefix, scope.key, periodKey(scope.period, now), amount]);
  }

  forgetScopesExcept(live: ReadonlySet<string>): void {
    this.local.forgetScopesExcept(live);
    for (const key of this.lastSpend.keys()) if (!live.has(key)) this.lastSpend.delete(key);
    for (const key of this.localFrom.keys()) if (!live.has(key)) this.localFrom.delete(key);
  }

  dropSpend(scope: ScopeLimits): void | Promise<void> {
    this.local.dropSpend(scope);
    this.lastSpend.delete(scope.key);
    // Not seeded any more: the next admit under a budget asks for the logs' spend (ADMIT answers 2).
    const drop = () => this.link.send('HDEL', [this.stKey(scope), 'seeded']);
    if (!this.link.isUp()) return this.queue(drop);
    return drop().then(() => {}, () => this.queue(drop));
  }

  /** Work queued while Redis was down (bounded; what overflows is counted and warned about). */
  stats(): { pending: number; dropped: number; localInFlight: number } {
    return { pending: this.pending.length, dropped: this.dropped, localInFlight: this.localAdmits.size };
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
    // Budgets start, once per outage, from what was spent: what is spent meanwhile adds to it here.
    // The local counters' own spend is as old as their seed at start, so it is replaced.
    const starting = input.scopes.filter((s) => s.budgetUsd !== null && this.localFrom.get(s.key) !== this.episode);
    if (!starting.length) return this.admitHere(input);
    return Promise.all(starting.map((s) => this.startLocalBudget(s, input.now))).then(() => this.admitHere(input));
  }

  private admitHere(input: AdmitInput): Admission {
    const a = this.local.admit(input);
    if (a.ok) this.localAdmits.set(input.requestId, { scopes: input.scopes, at: input.now });
    return a;
  }

  /**
   * A budget's local spend for this outage: the larger of the spend this instance last saw in
   * Redis and the logs' (PostgreSQL has the rows of every instance, so a key served only elsewhere
   * until now, or since this instance last admitted it, does not start from a stale count). One read
   * of the logs per scope and outage; a store that does not answer within a second is not waited for.
   */
  private startLocalBudget(scope: ScopeLimits, now: number): Promise<void> {
    let p = this.localStarts.get(scope.key);
    if (p) return p;
    const episode = this.episode;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 1_000)));
    p = Promise.race([this.spendSource(scope, now).catch(() => null), late])
      .then((logged) => {
        if (this.localFrom.get(scope.key) === episode) return;
        this.localFrom.set(scope.key, episode);
        const seen = this.lastSpend.get(scope.key);
        const fromRedis = seen && seen.pk === periodKey(scope.period, now) ? seen.spend : null;
        const spend = Math.max(fromRedis ?? -1, logged ?? -1);
        if (spend < 0) return;
        // The requests this instance admitted through Redis and still runs may yet spend their
        // worst (the others' are out of sight: with N instances cut off, each counts its own).
        let running = 0;
        for (const [id, a] of this.redisAdmits) {
          if (!a.scopes.some((s) => s.key === scope.key)) continue;
          running += a.worst;
          let keys = this.heldLocally.get(id);
          if (!keys) this.heldLocally.set(id, (keys = new Set()));
          keys.add(scope.key);
        }
        this.local.setSpend(scope, spend + running, now);
      })
      .finally(() => {
        clearTimeout(timer);
        this.localStarts.delete(scope.key);
      });
    this.localStarts.set(scope.key, p);
    return p;
  }

  private admission(input: AdmitInput, r: unknown[]): Admission {
    const [ok, reason, index, wait, tsum, spendS, reservedS, rl, rr, rt, tl, tr, tt] = r as [number, string, number, number, number, string, string, number, number, number, number, number, number];
    const rate: RateInfo = {
      requests: rl >= 0 ? { limit: rl, remaining: rr, resetMs: rt } : null,
      tokens: tl >= 0 ? { limit: tl, remaining: tr, resetMs: tt } : null,
    };
    if (ok === 1) {
      for (let i = 0; i < input.scopes.length; i++) {
        const s = input.scopes[i]!;
        if (s.budgetUsd !== null && r[13 + i] != null) this.lastSpend.set(s.key, { pk: periodKey(s.period, input.now), spend: Number(r[13 + i]) });
      }
      return { ok: true, rate };
    }
    const scope = input.scopes[index - 1]!;
    const spend = Number(spendS);
    const reserved = Number(reservedS);
    if (scope.budgetUsd !== null) this.lastSpend.set(scope.key, { pk: periodKey(scope.period, input.now), spend });
    const retryAfterMs = wait < 0 ? null : wait;
    return { ok: false, reason: reason as RefusalReason, scope, retryAfterMs, rate, message: refusalMessage(reason as RefusalReason, scope, { tokens: input.tokens, worstCostUsd: input.worstCostUsd, waitMs: retryAfterMs, tokensInUse: tsum, spentUsd: spend, reservedUsd: reserved }) };
  }

  /** `admittedAt`: a request admitted while Redis was away (it enters the RPM windows then), else -1. */
  private chargeRedis(scopes: readonly ScopeLimits[], actual: Actual, now: number, admittedAt = -1): Promise<unknown> {
    const args: (string | number)[] = [this.link.prefix, now, actual.costUsd, actual.tokens, `c:${crypto.randomUUID()}`, scopes.length];
    for (const s of scopes) args.push(s.key, opt(s.tpm), periodKey(s.period, now), periodKey(s.period, actual.at), opt(s.rpm));
    args.push(admittedAt);
    return CHARGE.run(this.link, [], args);
  }

  private toRedis(work: () => Promise<unknown>): void {
    if (!this.link.isUp()) return this.queue(work);
    work().catch(() => this.queue(work));
  }

  private queue(work: () => Promise<unknown>): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      if (this.dropped === 1) this.warn?.('limits: too much counter work waiting for Redis; the oldest is dropped');
      this.pending.shift();
    }
    this.pending.push(work);
  }

  /**
   * Each connection: if Redis lost its data meanwhile (restarted without persistence: the epoch
   * key this instance saw is gone), the waiting work is dropped. Its reservations are gone with it,
   * and what the requests spent is in the logs, which each budget is seeded from again on its next
   * request (ADMIT asks for it): charging it as well would count it twice. Then the reservations
   * of the requests still running here that Redis no longer holds (lost with its data, or freed by
   * the others' heartbeat while this instance was cut off) are put back, or their budget, slots
   * and tokens would be free to others until they end.
   */
  private async checkEpoch(): Promise<void> {
    this.episode++;
    const key = `${this.link.prefix}lim:epoch`;
    let current: string | null;
    try {
      await this.link.send('SET', [key, crypto.randomUUID(), 'NX']);
      current = (await this.link.send('GET', [key])) as string | null;
    } catch {
      return; // down again: the next connection checks
    }
    const lost = this.epoch !== null && current !== this.epoch;
    this.epoch = current;
    if (lost && this.pending.length) {
      this.warn?.(`limits: Redis lost its data; ${this.pending.length} waiting counter updates dropped (budgets are read again from the logs)`);
      this.pending.length = 0;
    }
    await Promise.all([...this.redisAdmits].map(([id, a]) => this.restore(id, a).catch(() => {})));
  }

  /** Puts back every reservation of this instance's requests still running; settles wait for it (as on a connection). */
  private restoreAll(): void {
    const restored = Promise.all([...this.redisAdmits].map(([id, a]) => this.restore(id, a).catch(() => {}))).then(() => {});
    this.restoring = restored;
    void restored.finally(() => {
      if (this.restoring === restored) this.restoring = null;
    });
  }

  private restore(requestId: string, a: RedisAdmit): Promise<unknown> {
    const args: (string | number)[] = [this.link.prefix, requestId, a.worst, a.tokens, a.at, a.aliveAt, a.ended ? '1' : '0', this.link.origin, a.scopes.length];
    for (const s of a.scopes) args.push(s.key, opt(s.rpm), opt(s.tpm), periodKey(s.period, a.at));
    return RESTORE.run(this.link, [], args);
  }

  /** Redis is back: what waited goes now, in order. */
  private async flush(): Promise<void> {
    while (this.pending.length && this.link.isUp()) {
      const work = this.pending.shift()!;
      try {
        await work();
      } catch {
        this.pending.unshift(work);
        return;
      }
    }
  }
}
