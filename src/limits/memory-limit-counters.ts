import { refusalMessage, type RefusalFacts } from './refusal-message';
import { laterPeriod, periodEnd, periodKey, periodStart } from './budget-period';
import type { Actual, AdmitInput, Admission, LimitCounters, RefusalReason } from './limit-counters';
import type { BudgetPeriod, ScopeLimits } from './limit-types';
import type { RateInfo } from './rate-headers';
import { tpmWait, type TpmEntry } from './tpm-wait';

const WINDOW_MS = 60_000;
/** Floating-point slack when comparing summed USD amounts with a budget. */
const EPS = 1e-9;
/** A reservation whose log row never came (a bug elsewhere) is freed this long after its last sign of life (admit, keepAlive). */
const STALE_MS = 60 * 60_000;

interface TokenEntry extends TpmEntry {
  /** Still counted in the window sum. */
  live: boolean;
}

/** Counters of one scope (a key or a team). */
class ScopeState {
  /** Period the spend belongs to; null until seeded or first used. */
  periodKey: string | null = null;
  /**
   * The spend holds all of the period: read from the logs (seedSpend, setSpend), or counted here
   * from the start of a period of the same kind. Until then the logs have spend it lacks.
   */
  seeded = false;
  /** Bounds of that period, so most requests skip building its key. */
  private periodFrom = 0;
  private periodUntil = -1;
  spend = 0;
  reservedUsd = 0;
  inFlight = 0;
  /** Admission times in the last minute, oldest first, from `reqStart` on. */
  reqTimes: number[] = [];
  reqStart = 0;
  tokens: TokenEntry[] = [];
  tokStart = 0;
  tokSum = 0;

  prune(now: number): void {
    const edge = now - WINDOW_MS;
    while (this.reqStart < this.reqTimes.length && this.reqTimes[this.reqStart]! <= edge) this.reqStart++;
    if (this.reqStart > 1024 && this.reqStart * 2 > this.reqTimes.length) {
      this.reqTimes = this.reqTimes.slice(this.reqStart);
      this.reqStart = 0;
    }
    while (this.tokStart < this.tokens.length && this.tokens[this.tokStart]!.t <= edge) {
      const e = this.tokens[this.tokStart++]!;
      e.live = false;
      this.tokSum -= e.n;
    }
    if (this.tokStart > 1024 && this.tokStart * 2 > this.tokens.length) {
      this.tokens = this.tokens.slice(this.tokStart);
      this.tokStart = 0;
    }
  }

  requestCount(): number {
    return this.reqTimes.length - this.reqStart;
  }

  /** Spend of the period holding `now`: a new period starts from zero. */
  rollover(limits: ScopeLimits, now: number): string {
    if (now >= this.periodFrom && now < this.periodUntil && this.periodKey!.startsWith(limits.period)) return this.periodKey!;
    const key = periodKey(limits.period, now);
    // A time before the period counted here (the clock stepped back; under Redis, an instance whose
    // clock is behind at the turn) never turns it back: the newer period keeps its spend.
    if (this.periodKey !== null && laterPeriod(this.periodKey, key)) return this.periodKey;
    // A new period of the kind counted here starts at zero, all of it seen; another kind (the
    // budget's period changed) is the logs' to tell.
    if (this.periodKey !== key) this.setPeriod(key, 0, this.seeded && this.periodKey!.startsWith(`${limits.period}:`));
    this.periodFrom = periodStart(limits.period, now);
    this.periodUntil = periodEnd(limits.period, now);
    return key;
  }

  setPeriod(key: string | null, spend: number, seeded: boolean): void {
    this.periodKey = key;
    this.spend = spend;
    this.seeded = seeded;
    this.periodUntil = -1;
  }
}

/** Whether a request that arrived at `at` belongs to the period `key` (`<period>:<start>`). */
function arrivedIn(key: string, at: number): boolean {
  return periodKey(key.slice(0, key.indexOf(':')) as BudgetPeriod, at) === key;
}

interface Reservation {
  states: ScopeState[];
  /** Its scopes as admitted (their budgets judge coverTry). */
  scopes: readonly ScopeLimits[];
  /** What one try may cost: the USD reserved at admission. */
  perTry: number;
  /** Tries the reservation holds (coverTry grows it by perTry a try). */
  tries: number;
  tokenEntries: (TokenEntry | null)[];
  worstCostUsd: number;
  /** When it started (AdmitInput.startedAt, else admitted), by the counters' clock: the budget period it is billed to. */
  startedAt: number;
  /** Admitted, or last kept alive (keepAlive): the stale sweep counts from here. */
  at: number;
  /** The request ended before its row (endFlight): its slot is free already. */
  flightEnded?: boolean;
}

/** A refusal by scope `l` in the state `s` it was checked against; `waitMs`: when it admits again (null: not timed); `held`: requests in flight hold the room. */
function refusal(reason: RefusalReason, l: ScopeLimits, s: ScopeState, input: AdmitInput, waitMs: number | null, budget?: 'spent' | 'held', held = budget === 'held'): Omit<Extract<Admission, { ok: false }>, 'rate'> {
  const facts: RefusalFacts = { tokens: input.tokens, outputTokens: input.outputTokens, outputField: input.outputField, worstCostUsd: input.worstCostUsd, waitMs, tokensInUse: s.tokSum, spentUsd: s.spend, reservedUsd: s.reservedUsd, held };
  return { ok: false, reason, scope: l, retryAfterMs: waitMs, message: refusalMessage(reason, l, facts), ...(budget ? { budget } : {}) };
}

/** The single-instance counters: plain maps in this process. */
export class MemoryLimitCounters implements LimitCounters {
  private readonly states = new Map<string, ScopeState>();
  private readonly reservations = new Map<string, Reservation>();
  private nextSweep = 0;

  private state(key: string): ScopeState {
    let s = this.states.get(key);
    if (!s) this.states.set(key, (s = new ScopeState()));
    return s;
  }

  admit(request: AdmitInput): Admission {
    const { scopes, now } = request;
    if (now >= this.nextSweep) this.sweep(now);
    const states = scopes.map((l) => this.state(l.key));
    const input = request.minCostUsd === undefined ? request : this.affordable(request, states);
    // Check every scope before reserving in any: a refusal leaves no trace.
    for (let i = 0; i < scopes.length; i++) {
      const refusal = this.check(scopes[i]!, states[i]!, input);
      if (refusal) return { ...refusal, rate: this.rateInfo(scopes, states, now) };
    }
    const res: Reservation = { states, scopes, perTry: input.worstCostUsd, tries: 1, tokenEntries: [], worstCostUsd: input.worstCostUsd, startedAt: input.startedAt ?? now, at: now };
    for (let i = 0; i < scopes.length; i++) {
      const l = scopes[i]!;
      const s = states[i]!;
      s.inFlight++;
      s.reservedUsd += input.worstCostUsd;
      if (l.rpm !== null) s.reqTimes.push(now);
      let entry: TokenEntry | null = null;
      if (l.tpm !== null) {
        entry = { t: now, n: input.tokens, live: true, held: true };
        s.tokens.push(entry);
        s.tokSum += input.tokens;
      }
      res.tokenEntries.push(entry);
    }
    this.reservations.set(input.requestId, res);
    return { ok: true, rate: this.rateInfo(scopes, states, now), reservedUsd: input.worstCostUsd };
  }

  /**
   * A request that may reserve less (AdmitInput.minCostUsd): its worst case where every budget holds
   * it; else half the least room of its budgets, not below its minimum (which check() then refuses
   * where it does not fit). Half, not all: near a budget's end a capped request (a long Claude Code
   * turn) would otherwise hold all that is left until its row lands, refusing every request of the
   * key beside it though most of it comes back unspent; requests at once get 1/2, 1/4... of it.
   */
  private affordable(input: AdmitInput, states: ScopeState[]): AdmitInput {
    let room = Infinity;
    for (let i = 0; i < input.scopes.length; i++) {
      const l = input.scopes[i]!;
      if (l.budgetUsd === null) continue;
      const s = states[i]!;
      s.rollover(l, input.now);
      room = Math.min(room, l.budgetUsd - s.spend - s.reservedUsd);
    }
    if (input.worstCostUsd <= room + EPS) return input;
    return { ...input, worstCostUsd: Math.max(room / 2, input.minCostUsd ?? 0) };
  }

  private check(l: ScopeLimits, s: ScopeState, input: AdmitInput): Omit<Extract<Admission, { ok: false }>, 'rate'> | null {
    const { now } = input;
    if (l.rpm !== null || l.tpm !== null) s.prune(now);
    // Spend is kept per period only where a budget needs it (the admin API reads the logs otherwise).
    if (l.budgetUsd !== null) s.rollover(l, now);
    if (l.maxParallel !== null && s.inFlight >= l.maxParallel) return refusal('parallel', l, s, input, null);
    // Until enough of the oldest admissions have left for one more: more than the oldest when the
    // window holds more than the limit (the limit lowered, or an outage's shares added to it).
    if (l.rpm !== null && s.requestCount() >= l.rpm) return refusal('rpm', l, s, input, s.reqTimes[s.reqStart + s.requestCount() - l.rpm]! + WINDOW_MS - now);
    if (l.tpm !== null && s.tokSum + input.tokens > l.tpm) {
      if (input.tokens > l.tpm) return refusal('tpm', l, s, input, null);
      const { waitMs, held } = tpmWait(s.tokens, s.tokStart, s.tokSum, input.tokens, l.tpm, now);
      return refusal('tpm', l, s, input, waitMs, undefined, held);
    }
    if (l.budgetUsd !== null) {
      const committed = s.spend + s.reservedUsd;
      if (s.spend >= l.budgetUsd - EPS || committed + input.worstCostUsd > l.budgetUsd + EPS) {
        // Held, not spent, when the spend alone leaves it room: reservations of requests in flight
        // hold the rest, and give it back as they settle (as the Redis script judges it).
        const held = s.spend < l.budgetUsd - EPS && s.spend + input.worstCostUsd <= l.budgetUsd + EPS;
        return refusal('budget', l, s, input, null, held ? 'held' : 'spent');
      }
    }
    return null;
  }

  peekRate(scopes: readonly ScopeLimits[], now: number): RateInfo {
    // A scope never admitted has empty windows: a fresh state, not kept.
    const states = scopes.map((l) => this.states.get(l.key) ?? new ScopeState());
    // Dropping entries that left the window changes no count: what was still counted is counted.
    for (let i = 0; i < scopes.length; i++) if (scopes[i]!.rpm !== null || scopes[i]!.tpm !== null) states[i]!.prune(now);
    return this.rateInfo(scopes, states, now);
  }

  /** The tightest scope's request and token state (remaining counts this request when admitted). */
  private rateInfo(scopes: readonly ScopeLimits[], states: ScopeState[], now: number): RateInfo {
    const info: RateInfo = { requests: null, tokens: null };
    for (let i = 0; i < scopes.length; i++) {
      const l = scopes[i]!;
      const s = states[i]!;
      if (l.rpm !== null) {
        const n = s.requestCount();
        const remaining = l.rpm - n;
        // OpenAI's meaning: until the limit is back at its initial state (the newest counted request leaves).
        const resetMs = n > 0 ? s.reqTimes[s.reqTimes.length - 1]! + WINDOW_MS - now : 0;
        if (!info.requests || remaining < info.requests.remaining) info.requests = { limit: l.rpm, remaining, resetMs };
      }
      if (l.tpm !== null) {
        const remaining = l.tpm - s.tokSum;
        const last = s.tokens.length > s.tokStart ? s.tokens[s.tokens.length - 1]! : null;
        const resetMs = last ? last.t + WINDOW_MS - now : 0;
        if (!info.tokens || remaining < info.tokens.remaining) info.tokens = { limit: l.tpm, remaining, resetMs };
      }
    }
    return info;
  }

  coverTry(requestId: string, billed: number, now: number): boolean {
    const res = this.reservations.get(requestId);
    if (!res || res.tries > billed || !res.scopes.some((l) => l.budgetUsd !== null)) return true;
    const add = res.perTry * (billed + 1 - res.tries);
    // Checked in every budget before any grows, as in admit: a refusal leaves no trace.
    for (let i = 0; i < res.scopes.length; i++) {
      const l = res.scopes[i]!;
      if (l.budgetUsd === null) continue;
      const s = res.states[i]!;
      s.rollover(l, now);
      if (s.spend + s.reservedUsd + add > l.budgetUsd + EPS) return false;
    }
    for (const s of res.states) s.reservedUsd += add;
    res.worstCostUsd += add;
    res.tries = billed + 1;
    return true;
  }

  /** The USD `requestId` holds (null: no reservation), for the shared store's own record of it. */
  reservedFor(requestId: string): number | null {
    return this.reservations.get(requestId)?.worstCostUsd ?? null;
  }

  settle(requestId: string, actual: Actual, now: number): boolean {
    const res = this.reservations.get(requestId);
    if (!res) return false;
    this.reservations.delete(requestId);
    for (let i = 0; i < res.states.length; i++) {
      const s = res.states[i]!;
      if (!res.flightEnded) s.inFlight = Math.max(0, s.inFlight - 1);
      // Float sums leave a residue (0.094 in and out is 2.8e-17): under EPS is nothing reserved.
      const left = s.reservedUsd - res.worstCostUsd;
      s.reservedUsd = left < EPS ? 0 : left;
      // A request is billed to the period it started in (its row's, AdmitInput.startedAt); after a rollover it no longer counts. The
      // period is judged now, not at admission: one changed (or a budget set again) while it was
      // in flight started from the logs, which do not hold this request yet.
      if (actual.costUsd !== 0 && s.periodKey !== null && arrivedIn(s.periodKey, res.startedAt)) s.spend += actual.costUsd;
      const e = res.tokenEntries[i];
      if (!e) continue;
      e.held = false;
      if (e.t > now - WINDOW_MS) {
        if (e.live) s.tokSum += actual.tokens - e.n;
        e.n = actual.tokens;
      } else if (actual.tokens > e.n) {
        // It outlived the window (an answer over a minute long): what it used beyond its
        // reservation, which the window never held, counts from now.
        s.tokens.push({ t: now, n: actual.tokens - e.n, live: true, held: false });
        s.tokSum += actual.tokens - e.n;
      }
    }
    return true;
  }

  trimTokens(requestId: string, tokens: number): void {
    const res = this.reservations.get(requestId);
    if (!res) return;
    for (let i = 0; i < res.states.length; i++) {
      const e = res.tokenEntries[i];
      if (!e || e.n <= tokens) continue;
      if (e.live) res.states[i]!.tokSum -= e.n - tokens;
      e.n = tokens;
    }
  }

  endFlight(requestId: string): void {
    const res = this.reservations.get(requestId);
    if (!res || res.flightEnded) return;
    res.flightEnded = true;
    for (const s of res.states) s.inFlight = Math.max(0, s.inFlight - 1);
  }

  keepAlive(requestId: string, now: number): void {
    const res = this.reservations.get(requestId);
    if (res && now > res.at) res.at = now;
  }

  charge(scopes: readonly ScopeLimits[], actual: Actual, now: number): void {
    if (actual.costUsd === 0 && actual.tokens === 0) return;
    for (const l of scopes) {
      const s = this.state(l.key);
      s.prune(now);
      // As in check(): spend is kept only where a budget needs it. Starting a period here for a
      // scope without one would make spend() trust a count begun at this charge (missing what was
      // spent before it) and keep seed() from reading the logs when a budget is set later.
      if (l.budgetUsd !== null && s.rollover(l, now) === periodKey(l.period, actual.at)) s.spend += actual.costUsd;
      if (l.tpm !== null && actual.tokens > 0) {
        s.tokens.push({ t: now, n: actual.tokens, live: true, held: false });
        s.tokSum += actual.tokens;
      }
    }
  }

  spend(scope: ScopeLimits, now: number): number | null {
    const s = this.states.get(scope.key);
    if (!s || s.periodKey === null || !s.seeded) return null;
    if (s.periodKey !== periodKey(scope.period, now)) return s.periodKey.startsWith(`${scope.period}:`) ? 0 : null;
    return s.spend;
  }

  outstanding(scope: ScopeLimits): { reservedUsd: number; inFlight: number } {
    const s = this.states.get(scope.key);
    return { reservedUsd: s?.reservedUsd ?? 0, inFlight: s?.inFlight ?? 0 };
  }

  /** From the read of the logs on (seedSpend adds it), rows settled here count: that read cannot hold them. */
  countFrom(scope: ScopeLimits, now: number): void {
    if (!this.states.get(scope.key)?.seeded) this.state(scope.key).rollover(scope, now);
  }

  seedSpend(scope: ScopeLimits, amount: number, now: number): void {
    const s = this.state(scope.key);
    const key = periodKey(scope.period, now);
    if (s.periodKey !== key) return s.setPeriod(key, amount, true);
    if (s.seeded) return;
    // Counted here since the read began (countFrom: rows it cannot hold), or before it: both.
    s.spend += amount;
    s.seeded = true;
  }

  /**
   * The first budgeted scope whose period spend the logs have yet to give (never seeded, dropped,
   * or its period changed kind), or null. Admitting its request on the count kept here would start
   * the period from zero, and the seed then arriving would find the period begun and be dropped.
   */
  unseeded(scopes: readonly ScopeLimits[]): ScopeLimits | null {
    for (const l of scopes) {
      if (l.budgetUsd === null) continue;
      const s = this.states.get(l.key);
      if (!s || !s.seeded || !s.periodKey!.startsWith(l.period)) return l;
    }
    return null;
  }

  dropSpend(scope: ScopeLimits): void {
    this.states.get(scope.key)?.setPeriod(null, 0, false);
  }

  /** Sets a scope's period spend to `amount`, whatever it held (a shared store's last word replaces it). */
  setSpend(scope: ScopeLimits, amount: number, now: number): void {
    this.state(scope.key).setPeriod(periodKey(scope.period, now), amount, true);
  }

  forgetScopesExcept(live: ReadonlySet<string>): void {
    // A reservation in flight still settles into its state object; it goes at the next call.
    for (const [key, s] of this.states) if (!live.has(key) && s.inFlight === 0 && s.reservedUsd === 0) this.states.delete(key);
  }

  /** Scopes with counters held (for tests and diagnostics). */
  get scopeCount(): number { return this.states.size; }

  /** Frees reservations whose log row never came, so a lost row cannot hold a slot for ever. */
  private sweep(now: number): void {
    this.nextSweep = now + WINDOW_MS;
    for (const [id, r] of this.reservations) {
      if (now - r.at > STALE_MS) this.settle(id, { costUsd: 0, tokens: 0, at: r.at }, now);
    }
  }
}
