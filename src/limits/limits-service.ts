import type { Store } from '../db/store';
import type { LogRow } from '../logging/log-row';
import { MAX_MODEL_CHARS } from '../routing/model-name';
import type { RuntimeSnapshot, TeamEntry } from '../state/snapshot-types';
import { periodStart } from './budget-period';
import type { Actual, AdmitInput, Admission, LimitCounters } from './limit-counters';
import type { KeyLimits, ScopeLimits } from './limit-types';
import { MemoryLimitCounters } from './memory-limit-counters';
import { spendSince, unwrittenOfScope } from './spend-queries';
import { worstPricesOf, type WorstPrices } from './worst-prices';

/** Refusal codes as counted in `gophergate_limit_refusals_total`. */
export type RefusalCode = 'model_not_allowed' | 'model_not_priced' | 'budget_exceeded' | 'rate_limit_exceeded' | 'concurrency_limit_exceeded' | 'key_expired' | 'limits_unavailable';

export interface LimitsOptions {
  counters?: LimitCounters;
  /** Epoch ms; tests pass a hand-moved clock to roll periods and windows over without sleeping. */
  now?: () => number;
}

const ignore = (p: unknown) => {
  if (p instanceof Promise) p.catch((err) => console.error('[gophergate] limit counters:', err?.message ?? err));
};

/**
 * The limits of keys and teams for one app: the counters (in memory now, shared later), the clock
 * they read, where period spend starts from (the logs), and what /metrics reports about them.
 */
/** A scope without a budget, for dropping a spend counted under its key. */
const unbudgeted = (key: string): ScopeLimits => ({ key, label: key, allow: null, budgetUsd: null, period: 'month', rpm: null, tpm: null, maxParallel: null });

export class LimitsService {
  readonly counters: LimitCounters;
  readonly now: () => number;
  /** Refusals since start, by code. */
  readonly refusals = new Map<RefusalCode, number>();
  /** USD billed since start to each team (by team name), under the team each request was admitted in; a team gone from the snapshot is dropped. */
  readonly teamSpendUsd = new Map<string, number>();
  private pricesVersion = -1;
  private pricesMinute = -1;
  private readonly pricesByName = new Map<string, WorstPrices>();
  /** Scopes that had a budget at the last seed, by scope key: one that loses it has its spend dropped. */
  private budgeted = new Map<string, ScopeLimits>();
  /** No seed ran yet in this process (see seed). */
  private firstSeed = true;
  /** Reads of a scope's period spend under way, by scope key: a seed and the requests waiting for it share one. */
  private readonly seeding = new Map<string, Promise<void>>();
  /** The rows handed to the log sink and not yet stored (LogSink.unwritten; set by useUnwrittenRows). */
  private unwritten: () => Iterable<LogRow> = () => [];

  constructor(private readonly store: Store, opts: LimitsOptions = {}) {
    this.counters = opts.counters ?? new MemoryLimitCounters();
    this.now = opts.now ?? Date.now;
    // Asked on the request path (a budget Redis lost): while PostgreSQL is known away, no request
    // waits out its connection timeout; the counters count the budget themselves meanwhile.
    this.counters.useSpendSource?.((scope, now) => this.readSpend(scope, now));
    this.counters.useClock?.(this.now);
  }

  /** Where the rows the log writer holds are read: the seed of a busy key's budget counts them too. */
  useUnwrittenRows(source: () => Iterable<LogRow>): void {
    this.unwritten = source;
  }

  /** The logs' spend, asked on the request path: while PostgreSQL is known away, refused at once. */
  private readSpend(scope: ScopeLimits, now: number): Promise<number> {
    return this.store.reachable() ? this.loggedSpend(scope, now) : Promise.reject(new Error('store unreachable'));
  }

  /**
   * Checks and reserves a request (LimitCounters.admit). A budget whose period spend is still being
   * read from the logs (just set, its period changed, or at start: an awaited query on PostgreSQL)
   * is read first: admitted on the count kept here, the request would start the period from zero,
   * and the read then arriving would be dropped as late, forgetting what was spent before.
   */
  admit(input: AdmitInput, reads = 0): Admission | Promise<Admission> {
    // A key's and its team's budgets: at most one read each (a budget dropped again meanwhile is not waited for twice).
    const scope = reads < 2 ? this.counters.unseeded?.(input.scopes) : null;
    if (!scope) return this.counters.admit(input);
    // A read that fails (the store away) admits on the count kept here, as before it was read.
    return this.seedScope(scope, input.now).then(
      () => this.admit(input, reads + 1),
      () => this.counters.admit(input),
    );
  }

  /** Starts a scope's period spend from the logs, one read per scope at a time. */
  private seedScope(scope: ScopeLimits, now: number): Promise<void> {
    let p = this.seeding.get(scope.key);
    if (!p) {
      this.counters.countFrom?.(scope, now);
      p = this.readSpend(scope, now)
        .then((amount) => this.counters.seedSpend(scope, amount, now))
        .finally(() => this.seeding.delete(scope.key));
      this.seeding.set(scope.key, p);
    }
    return p;
  }

  /**
   * A scope's spend in the period holding `now`: the logs' daily rollups, and the rows of it the log
   * writer holds that the store does not yet (its last ~100 ms batch, more while the store refuses
   * writes): a budget set on a busy key would otherwise start without them, and be overspent by them.
   */
  loggedSpend(scope: ScopeLimits, now: number): Promise<number> {
    const from = periodStart(scope.period, now);
    return spendSince(this.store, scope.key, from, unwrittenOfScope(this.unwritten(), scope.key, from));
  }

  /**
   * Worst prices of a model name for a request starting at `at` (epoch ms: time-of-day prices are
   * those in force then), computed once per snapshot and minute (groups walk their targets; the
   * windows start and end on whole minutes). Names no endpoint accepts (longer than MAX_MODEL_CHARS,
   * which the /v1 POSTs refuse before the limits run) are not remembered by any caller: 10,000 names
   * as long as a request body would hold gigabytes.
   */
  prices(name: string, snap: RuntimeSnapshot, at: number): WorstPrices {
    const minute = Math.floor(at / 60_000);
    if (snap.version !== this.pricesVersion || minute !== this.pricesMinute) {
      this.pricesVersion = snap.version;
      this.pricesMinute = minute;
      this.pricesByName.clear();
    }
    let p = this.pricesByName.get(name);
    if (!p) {
      p = worstPricesOf(name, snap, at);
      if (this.pricesByName.size < 10_000 && name.length <= MAX_MODEL_CHARS) this.pricesByName.set(name, p);
    }
    return p;
  }

  /** Model names whose prices are remembered, and their characters (for tests and diagnostics). */
  get pricedNames(): { names: number; chars: number } {
    let chars = 0;
    for (const name of this.pricesByName.keys()) chars += name.length;
    return { names: this.pricesByName.size, chars };
  }

  /**
   * Starts the period spend of each budgeted key and team not yet tracked from the logs (at start,
   * and when an admin sets a budget or changes its period), and drops the spend of one whose
   * budget was removed or whose period changed. Runs off the request path.
   */
  async seed(snap: RuntimeSnapshot): Promise<void> {
    const now = this.now();
    this.forgetGoneScopes(snap);
    const want: ScopeLimits[] = [];
    for (const c of snap.clientsById?.values() ?? []) {
      const own = c.limits?.scopes[0];
      if (own && own.budgetUsd !== null) want.push(own);
    }
    for (const t of snap.teams?.values() ?? []) if (t.scope.budgetUsd !== null) want.push(t.scope);
    // A budget removed (or its period changed): the spend kept for it is dropped. Without a budget
    // not everything is counted (a classifier call's charge; nothing at all for a key without
    // limits), so a budget set again later in the period reads the logs instead of trusting it.
    const before = this.budgeted;
    this.budgeted = new Map(want.map((scope) => [scope.key, scope]));
    const drops: ScopeLimits[] = [];
    for (const [key, old] of before) if (this.budgeted.get(key)?.period !== old.period) drops.push(old);
    // At start nothing says which budgets the shared counters (Redis) still trust a spend for: one
    // removed while every instance was stopped, or while Redis was away (the drop waited in a
    // stopped instance's memory), would be trusted again when the budget comes back, missing what
    // the key spent without it. The database is the truth: every key and team it gives no budget
    // has its counted spend dropped once.
    if (this.firstSeed) {
      this.firstSeed = false;
      for (const c of snap.clientsById?.values() ?? []) if (!c.revoked && !this.budgeted.has(`c:${c.id}`)) drops.push(unbudgeted(`c:${c.id}`));
      for (const t of snap.teams?.values() ?? []) if (!this.budgeted.has(t.scope.key)) drops.push(t.scope);
    }
    await Promise.all(drops.map((scope) => this.counters.dropSpend(scope)));
    for (const scope of want) {
      if ((await this.counters.spend(scope, now)) !== null) continue;
      await this.seedScope(scope, now);
    }
  }

  /**
   * Counters of revoked keys (revoking is final; the row stays for the logs), deleted teams and
   * scopes no longer limited are not kept: only those of the snapshot's usable keys and teams.
   */
  private forgetGoneScopes(snap: RuntimeSnapshot): void {
    // A deleted or renamed team's spend series goes with it: else each name ever billed stayed for good.
    if (this.teamSpendUsd.size > 0) {
      const names = new Set<string>();
      for (const t of snap.teams?.values() ?? []) names.add(t.name);
      for (const name of this.teamSpendUsd.keys()) if (!names.has(name)) this.teamSpendUsd.delete(name);
    }
    if (!this.counters.forgetScopesExcept) return;
    const live = new Set<string>();
    for (const c of snap.clientsById?.values() ?? []) if (!c.revoked) for (const s of c.limits?.scopes ?? []) live.add(s.key);
    for (const t of snap.teams?.values() ?? []) live.add(t.scope.key);
    this.counters.forgetScopesExcept(live);
  }

  /**
   * Every log row passes here: it carries the team it is billed to (request_logs.team_id, which
   * team spend is summed from: the team its request was admitted under, RequestMeta.teamId), and
   * settles its request's reservation or is charged to its key's scopes and that team's.
   */
  onRecord(r: LogRow, snap: RuntimeSnapshot): void {
    if (r.clientId === null) return;
    const now = this.now();
    const actual = { costUsd: r.costUsd, tokens: r.promptTokens + r.completionTokens, at: r.createdAt };
    const teamId = r.teamId ?? null;
    const team = teamId === null ? undefined : snap.teams?.get(teamId);
    if (r.costUsd > 0 && team) this.teamSpendUsd.set(team.name, (this.teamSpendUsd.get(team.name) ?? 0) + r.costUsd);
    const settled = this.counters.settle(r.requestId, actual, now);
    if (settled === true) return;
    const limits = snap.clientsById?.get(r.clientId)?.limits;
    if (settled instanceof Promise) {
      ignore(settled.then((ok) => (ok ? undefined : this.chargeUnreserved(limits, team, actual, now))));
      return;
    }
    this.chargeUnreserved(limits, team, actual, now);
  }

  /**
   * A row without a reservation (its key had no limits when admitted, or a classifier call's row)
   * is charged to its key's own scope now and to the team it is billed to, not to a team the key
   * joined meanwhile: that team reserved nothing for it, and would be charged past its budget.
   */
  private chargeUnreserved(limits: KeyLimits | null | undefined, team: TeamEntry | undefined, actual: Actual, now: number): void {
    if (limits && limits.teamId === (team?.id ?? null)) return ignore(this.counters.charge(limits.scopes, actual, now));
    const scopes: ScopeLimits[] = [];
    if (limits) scopes.push(limits.scopes[0]!);
    if (team) scopes.push(team.scope);
    if (scopes.length > 0) ignore(this.counters.charge(scopes, actual, now));
  }

  /**
   * Whether a request may make another try after `billed` tries the providers bill
   * (LimitCounters.coverTry: its reservation grown to hold it, where its budgets have the room).
   * Counters that fail to answer say no: the try might not be held.
   */
  coverTry(requestId: string, billed: number): boolean | Promise<boolean> {
    try {
      const r = this.counters.coverTry(requestId, billed, this.now());
      return r instanceof Promise ? r.catch(() => false) : r;
    } catch {
      return false;
    }
  }

  /**
   * The request ended but its row waits (a token estimate): its max_parallel slot is freed now;
   * cost and tokens settle when the row comes (onRecord).
   */
  requestEnded(requestId: string): void {
    ignore(this.counters.endFlight(requestId));
  }

  /**
   * The request is still followed (a background response read back): its reservation stays held
   * past the sweep that frees reservations whose row never came.
   */
  keepAlive(requestId: string): void {
    ignore(this.counters.keepAlive(requestId, this.now()));
  }

  /**
   * Frees a reservation whose request failed before its endpoint wrote a row (a row that still
   * comes later is charged as usage without a reservation).
   */
  release(requestId: string): void {
    const now = this.now();
    ignore(this.counters.settle(requestId, { costUsd: 0, tokens: 0, at: now }, now));
  }

  countRefusal(code: RefusalCode): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }
}
