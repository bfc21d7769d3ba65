import { periodKey } from './budget-period';
import type { Actual, AdmitInput, Admission, SpendSource } from './limit-counters';
import type { ScopeLimits } from './limit-types';
import { MemoryLimitCounters } from './memory-limit-counters';
import { LimitsUnavailableError } from './limits-unavailable';
import { budgetCap, sharedScope, type BudgetView } from './outage-share';
import type { RateInfo } from './rate-headers';

const UNSHAREABLE =
  "This key's budget cannot be checked right now: the shared counters (Redis) are unreachable, and this instance has not seen what the other instances reserved of it. Try again shortly.";

/** What the local budget start needs of a reservation this instance made in Redis. */
interface HeldAdmit {
  scopes: readonly ScopeLimits[];
  worst: number;
  /** Its in-flight slot was freed (the request ended). */
  ended: boolean;
}

/** A request admitted by the local counters while Redis was away. */
export interface LocalAdmit {
  scopes: readonly ScopeLimits[];
  at: number;
  worst: number;
  /** Tries `worst` holds (coverTry): carried into Redis with it once Redis is back. */
  tries?: number;
  tokens: number;
}

/**
 * RedisLimitCounters' own counters, for when Redis is unreachable in fail mode `open`: the
 * requests admitted here meanwhile, the spend (and reservations) last seen in Redis per budget, and
 * each budget's local start once per outage (from that spend or the logs', plus the worst cost of
 * this instance's requests admitted through Redis and still running: held locally until they
 * settle). With N instances alive at the last heartbeat, each enforces its share (outage-share.ts):
 * budgets capped at one Nth of what the others' running requests leave, RPM and TPM at one Nth.
 */
export class LocalLimitFallback {
  readonly counters = new MemoryLimitCounters();
  /** Requests admitted by the local counters (Redis was down), with their scopes, admit time, reserved USD and tokens. */
  private readonly admits = new Map<string, LocalAdmit>();
  /** Spend last read from Redis per scope and period, to start local budgets from. */
  private readonly lastSpend = new Map<string, { pk: string; spend: number; reserved: number | null }>();
  /** Instances alive at the last heartbeat (this one included); 1 until a beat answered. */
  private instances = 1;
  /** Scope key -> what its budget's share in this outage is computed from (startLocalBudget; N > 1 only). */
  private readonly views = new Map<string, BudgetView>();
  /** Connections made so far: local budgets are restarted from `lastSpend` once per outage. */
  private episode = 0;
  /** Scope key -> the episode (outage) its local spend was last started in (startLocalBudget). */
  private readonly localFrom = new Map<string, number>();
  /** Local budget starts under way, by scope key: concurrent requests of one scope wait for one read. */
  private readonly localStarts = new Map<string, Promise<void>>();
  /** Requests admitted through Redis whose worst cost a local budget start counted, by request id: the scopes it counted in. */
  private readonly heldLocally = new Map<string, Set<string>>();

  constructor(
    /** The reservations this instance made in Redis, by request id (RedisLimitCounters keeps them). */
    private readonly redisAdmits: ReadonlyMap<string, HeldAdmit>,
    /** Where a budget's spend is read from (the logs). */
    private readonly spendSource: SpendSource,
  ) {}

  /** A connection was made: the next outage starts its budgets again. */
  connected(): void {
    this.episode++;
  }

  /** A heartbeat's count of the instances alive, this one included. */
  live(instances: number): void {
    if (instances >= 1) this.instances = instances;
  }

  admit(input: AdmitInput): Admission | Promise<Admission> {
    // Budgets start, once per outage, from what was spent: what is spent meanwhile adds to it here.
    // The local counters' own spend is as old as their seed at start, so it is replaced.
    const starting = input.scopes.filter((s) => s.budgetUsd !== null && this.localFrom.get(s.key) !== this.episode);
    if (!starting.length) return this.admitHere(input);
    return Promise.all(starting.map((s) => this.startLocalBudget(s, input.now))).then(() => this.admitHere(input));
  }

  /** The RPM/TPM state as this instance enforces it meanwhile (its share of each limit). */
  peekRate(scopes: readonly ScopeLimits[], now: number): RateInfo {
    return this.counters.peekRate(this.instances > 1 ? this.shares(scopes, now) : scopes, now);
  }

  has(requestId: string): boolean {
    return this.admits.has(requestId);
  }

  /**
   * Redis is back: every request admitted here and still running, taken out to be reserved in Redis
   * (the caller puts them back there as its own): else the other instances, and this one, would
   * admit past a key's max_parallel and budget while they run. Their local slots and USD are freed
   * (their RPM entries stay); what they cost is then settled in Redis, once.
   */
  takeRunning(now: number): [string, LocalAdmit][] {
    const out = [...this.admits];
    this.admits.clear();
    for (const [id, a] of out) this.counters.settle(id, { costUsd: 0, tokens: 0, at: a.at }, now);
    return out;
  }

  /** Another try of a request admitted here (LimitCounters.coverTry), judged by the local counters (its share of each budget). */
  coverTry(requestId: string, billed: number, now: number): boolean {
    const a = this.admits.get(requestId);
    if (!a) return true;
    if (!this.counters.coverTry(requestId, billed, now)) return false;
    a.worst = this.counters.reservedFor(requestId) ?? a.worst;
    a.tries = Math.max(a.tries ?? 1, billed + 1);
    return true;
  }

  /** The local admission of `requestId`, taken out (its settle is the caller's), or undefined. */
  take(requestId: string): LocalAdmit | undefined {
    const local = this.admits.get(requestId);
    if (local) this.admits.delete(requestId);
    return local;
  }

  /** Instances alive at the last heartbeat, this one included (1 until a beat answered). */
  get liveInstances(): number {
    return this.instances;
  }

  /** Requests admitted here and not settled. */
  get inFlight(): number {
    return this.admits.size;
  }

  /** A reservation made in Redis settles: where a local budget start counted it at its worst, now at what it cost. */
  settled(requestId: string, admitted: HeldAdmit, actual: Actual, now: number): void {
    const held = this.heldLocally.get(requestId);
    if (!held) return;
    this.heldLocally.delete(requestId);
    this.counters.charge(admitted.scopes.filter((s) => held.has(s.key)), { costUsd: actual.costUsd - admitted.worst, tokens: 0, at: actual.at }, now);
  }

  /** A reservation made in Redis forgotten without its settle (the bound on them). */
  forget(requestId: string): void {
    this.heldLocally.delete(requestId);
  }

  /**
   * The spend Redis reported for a budget scope at `now`, and the USD its requests in flight
   * reserved then (undefined: not reported, what was seen of it in this period is kept).
   */
  sawSpend(scope: ScopeLimits, now: number, spend: number, reserved?: number): void {
    const pk = periodKey(scope.period, now);
    const was = this.lastSpend.get(scope.key);
    this.lastSpend.set(scope.key, { pk, spend, reserved: reserved ?? (was?.pk === pk ? was.reserved : null) });
  }

  /**
   * The spend this instance last saw in Redis for the scope's current period, with its own requests
   * settled since (null: none seen). Never more than was spent: a floor for a start from the logs,
   * which lack the rows still waiting to be written.
   */
  seenSpend(scope: ScopeLimits, now: number): number | null {
    const seen = this.lastSpend.get(scope.key);
    return seen && seen.pk === periodKey(scope.period, now) ? seen.spend : null;
  }

  /**
   * FLOOR's arguments: every budget scope's seen spend (seenSpend), as scope key, period key,
   * spend; for a Redis that lost its data, whose budgets the others may start from logs that lack
   * this instance's waiting rows. Each counts for its own period only.
   */
  seenFloors(): (string | number)[] {
    const out: (string | number)[] = [];
    for (const [key, seen] of this.lastSpend) if (seen.spend > 0) out.push(key, seen.pk, seen.spend);
    return out;
  }

  /**
   * What this instance last saw spent includes its own settled requests, admitted through Redis or
   * here (an outage, or a start from the logs, starts from it); `worst`: one settled in Redis, whose
   * reservation no longer holds what was seen reserved.
   */
  addSettled(scopes: readonly ScopeLimits[], actual: Actual, worst = 0): void {
    for (const s of scopes) {
      const seen = this.lastSpend.get(s.key);
      if (seen && seen.reserved !== null && worst > 0) seen.reserved = Math.max(0, seen.reserved - worst);
      if (actual.costUsd > 0 && seen && seen.pk === periodKey(s.period, actual.at)) seen.spend += actual.costUsd;
    }
  }

  /**
   * Cut off: the count this instance enforces once it started the budget in this outage; before
   * that its local count is as old as its start (null: the caller reads the logs instead).
   */
  spend(scope: ScopeLimits, now: number): number | null {
    return this.localFrom.get(scope.key) === this.episode ? this.counters.spend(scope, now) : null;
  }

  forgetScopesExcept(live: ReadonlySet<string>): void {
    this.counters.forgetScopesExcept(live);
    for (const key of this.lastSpend.keys()) if (!live.has(key)) this.lastSpend.delete(key);
    for (const key of this.localFrom.keys()) if (!live.has(key)) this.localFrom.delete(key);
    for (const key of this.views.keys()) if (!live.has(key)) this.views.delete(key);
  }

  dropSpend(scope: ScopeLimits): void {
    this.counters.dropSpend(scope);
    this.lastSpend.delete(scope.key);
  }

  private admitHere(input: AdmitInput): Admission {
    if (this.unshareable(input)) throw new LimitsUnavailableError(UNSHAREABLE);
    // Alone, the whole of each limit; one of N, its share (the scopes it is admitted under are the
    // real ones: its settle, charge and restore into Redis count there in full).
    const scopes = this.instances > 1 ? this.shares(input.scopes, input.now) : input.scopes;
    const a = this.counters.admit({ ...input, scopes: this.lessRunning(scopes) });
    if (a.ok) this.admits.set(input.requestId, { scopes: input.scopes, at: input.now, worst: a.reservedUsd, tokens: input.tokens });
    else {
      // Refused by a share: the message names it; the retry hints judge the real scope, and a
      // budget refused short of its whole is not spent for the period (Redis may be back soon).
      const real = input.scopes.find((s) => s.key === a.scope.key) ?? a.scope;
      if (a.budget === 'spent' && (a.scope.budgetUsd ?? 0) < (real.budgetUsd ?? 0)) a.budget = 'held';
      a.scope = real;
    }
    return a;
  }

  /**
   * Whether a budget of `scopes` has no share this instance can take safely: one of several cut
   * off from Redis that never saw what the others reserved of it this period (outage-share.ts,
   * `others` null), and which the spend it knows would still admit the request to. Its request is
   * told the limits cannot be checked (503, as in fail mode closed), not that a budget it has not
   * spent is; one the known spend already refuses is refused as spent (by the share's counters).
   */
  private unshareable(input: AdmitInput): boolean {
    if (this.instances <= 1) return false;
    for (const s of input.scopes) {
      const view = s.budgetUsd === null ? undefined : this.views.get(s.key);
      if (!view || view.others !== null || view.pk !== periodKey(s.period, input.now)) continue;
      if ((this.counters.spend(s, input.now) ?? 0) + input.worstCostUsd <= s.budgetUsd!) return true;
    }
    return false;
  }

  /**
   * A max_parallel lowered by this instance's requests admitted through Redis and still running:
   * the local counters hold none of their slots, so they would admit the whole limit beside them.
   */
  private lessRunning(scopes: ScopeLimits[] | readonly ScopeLimits[]): ScopeLimits[] {
    return scopes.map((s) => {
      if (s.maxParallel === null) return s;
      let running = 0;
      for (const a of this.redisAdmits.values()) if (!a.ended && a.scopes.some((x) => x.key === s.key)) running++;
      return running ? { ...s, maxParallel: Math.max(0, s.maxParallel - running) } : s;
    });
  }

  /** The scopes as one of N instances enforces them: budgets capped at their share in this outage, RPM and TPM at one Nth. */
  private shares(scopes: readonly ScopeLimits[], now: number): ScopeLimits[] {
    return scopes.map((s) => {
      if (s.budgetUsd === null && s.rpm === null && s.tpm === null) return s;
      const view = this.views.get(s.key);
      // A budget started before this outage's N was known (an instance alone then): no view, its whole.
      const cap = s.budgetUsd === null ? null : view ? budgetCap(s.budgetUsd, view, periodKey(s.period, now)) : s.budgetUsd;
      return sharedScope(s, this.instances, cap);
    });
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
        const spend = Math.max(this.seenSpend(scope, now) ?? -1, logged ?? -1);
        this.views.delete(scope.key);
        if (spend < 0) {
          // Nothing known of what was spent: one of several takes no share (its whole, alone).
          if (this.instances > 1) this.views.set(scope.key, { pk: periodKey(scope.period, now), spend: 0, others: null, n: this.instances });
          return;
        }
        // The requests this instance admitted through Redis and still runs may yet spend their
        // worst; the others' as Redis last reported them (outage-share.ts).
        let running = 0;
        for (const [id, a] of this.redisAdmits) {
          if (!a.scopes.some((s) => s.key === scope.key)) continue;
          running += a.worst;
          let keys = this.heldLocally.get(id);
          if (!keys) this.heldLocally.set(id, (keys = new Set()));
          keys.add(scope.key);
        }
        this.counters.setSpend(scope, spend + running, now);
        if (this.instances > 1) {
          const reserved = this.lastSpend.get(scope.key)?.pk === periodKey(scope.period, now) ? this.lastSpend.get(scope.key)!.reserved : null;
          const others = reserved === null ? null : Math.max(0, reserved - running);
          this.views.set(scope.key, { pk: periodKey(scope.period, now), spend, others, n: this.instances });
        }
      })
      .finally(() => {
        clearTimeout(timer);
        this.localStarts.delete(scope.key);
      });
    this.localStarts.set(scope.key, p);
    return p;
  }
}
