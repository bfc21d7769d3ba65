import type { ScopeLimits } from './limit-types';
import type { RateInfo } from './rate-headers';
import type { OutputField } from './worst-case';

/** Counters may live in this process or in Redis (one atomic round trip): callers await either. */
export type MaybePromise<T> = T | Promise<T>;

export type RefusalReason = 'budget' | 'rpm' | 'tpm' | 'parallel';

/** One request asking to start, with its worst case (src/limits/worst-case.ts). */
export interface AdmitInput {
  /** The request's id; its log row settles the reservation. */
  requestId: string;
  /** Key scope first, then its team's; all must admit, and all reserve, or none does. */
  scopes: readonly ScopeLimits[];
  /** Most the request can cost (USD): reserved against budgets until it settles. */
  worstCostUsd: number;
  /**
   * Set (below worstCostUsd) when the request can be made cheaper: its output allowance is the
   * default one, which the gateway may lower (limits/budget-output-cap.ts). Where some budget on it
   * has less room than worstCostUsd, it is admitted with half the least room of its budgets, down
   * to this (its prompt and a minimum output), in the same atomic step, so requests of the key at
   * once share what is left (1/2, 1/4...); Admission.reservedUsd says how much.
   */
  minCostUsd?: number;
  /** Prompt estimate plus the output allowance: reserved against TPM until it settles. */
  tokens: number;
  /** The output allowance's part of `tokens`, and the body's field that asked it (null: none): a too-large refusal says so. */
  outputTokens?: number;
  outputField?: OutputField | null;
  now: number;
  /**
   * When the request started, by the same clock as `now` (before its body arrived): the budget period
   * it is billed to, as its log row's created_at (and so the rollups spend is read from) is. `now` when left out.
   */
  startedAt?: number;
}

export type Admission =
  | {
      ok: true;
      rate: RateInfo;
      /** USD reserved: worstCostUsd, or less when minCostUsd let the budgets' room decide. */
      reservedUsd: number;
    }
  | {
      ok: false;
      reason: RefusalReason;
      /** The scope that refused (its `label` is for the message). */
      scope: ScopeLimits;
      /** When trying again can succeed (rate limits), else null. */
      retryAfterMs: number | null;
      /**
       * A budget refusal's case, judged in the same atomic step: `held`, the period's spend leaves
       * room for the request but reservations of requests in flight hold it (it comes back as they
       * settle); `spent`, the spend itself leaves no room (nothing helps before the period resets).
       */
      budget?: 'spent' | 'held';
      rate: RateInfo;
      message: string;
    };

/** What a request actually used, from its log row. */
export interface Actual {
  costUsd: number;
  tokens: number;
  /** When the request arrived (its row's created_at): the budget period it is billed to. */
  at: number;
}

/** The spend of a scope in the period holding `now`, as the logs have it. */
export type SpendSource = (scope: ScopeLimits, now: number) => Promise<number>;

/**
 * Budget, RPM, TPM and in-flight counters for keys and teams. `admit` checks and reserves in one
 * atomic step; `settle` turns a reservation into the actual cost and tokens and frees its slot.
 * An in-memory implementation serves one instance; a shared one (Redis) goes behind the same calls.
 */
export interface LimitCounters {
  admit(input: AdmitInput): MaybePromise<Admission>;
  /**
   * The RPM/TPM state of these scopes at `now` as `admit` would report it, read only: nothing is
   * counted or reserved (the headers of answers that are not admitted: model lists, a 403 before
   * admission). Never rejects: a shared store that cannot answer gives this instance's own view.
   */
  peekRate(scopes: readonly ScopeLimits[], now: number): MaybePromise<RateInfo>;
  /**
   * Lowers the TPM reservation of `requestId` to `tokens`, never raising it: a request admitted
   * with less than its default output's worst case is sent an output cap (budget-output-cap.ts),
   * so it holds its prompt and that cap rather than the default allowance. Nothing happens without
   * a reservation; a shared store that cannot answer leaves it to `settle`.
   */
  trimTokens(requestId: string, tokens: number): MaybePromise<void>;
  /**
   * Whether a request whose walk already had `billed` tries the providers bill (a stream broken
   * off after its usage, a body cut mid-way) may make one more: each try may cost what was reserved
   * at admission, so the reservation must hold `billed + 1` of it. Grown to that in one atomic step
   * where every budget of its scopes has the room (a refusal changes nothing); true when it holds
   * that already, or there is no reservation (a key without limits); false when a budget lacks the
   * room, or a shared store cannot answer (no try is started that the budget might not hold).
   */
  coverTry(requestId: string, billed: number, now: number): MaybePromise<boolean>;
  /** Settles the reservation of `requestId`; false when there is none (then nothing changes). */
  settle(requestId: string, actual: Actual, now: number): MaybePromise<boolean>;
  /**
   * Frees the in-flight slot (max_parallel) of `requestId`, which has ended while its row still
   * waits (a token estimate): the reserved USD and tokens stay until `settle`, which then frees
   * no slot again. Nothing happens without a reservation.
   */
  endFlight(requestId: string): MaybePromise<void>;
  /**
   * Marks the reservation of `requestId` alive at `now`: a request still followed (a background
   * response) keeps it past the sweep that frees reservations whose row never came. Nothing
   * happens without a reservation.
   */
  keepAlive(requestId: string, now: number): MaybePromise<void>;
  /** Adds usage that had no reservation (a classifier call billed to the key) to these scopes. */
  charge(scopes: readonly ScopeLimits[], actual: Actual, now: number): MaybePromise<void>;
  /** Settled spend of a scope in the period holding `now`, or null when not tracked yet. */
  spend(scope: ScopeLimits, now: number): MaybePromise<number | null>;
  /** Reserved (not yet settled) USD and requests in flight of a scope. */
  outstanding(scope: ScopeLimits): MaybePromise<{ reservedUsd: number; inFlight: number }>;
  /**
   * The logs' spend of a scope not seeded is being read: rows settled from now on are counted here
   * (that read cannot hold them), and `seedSpend` adds the read to them. Memory counters only: a
   * shared store's SEED replaces what it counted.
   */
  countFrom?(scope: ScopeLimits, now: number): void;
  /** Starts a scope's period spend at `amount` (read from the logs) unless that period is tracked already. */
  seedSpend(scope: ScopeLimits, amount: number, now: number): MaybePromise<void>;
  /**
   * Forgets a scope's period spend (its budget was removed, or its period changed): what it spends
   * without a budget is not all counted here, so the next budget is read from the logs again.
   */
  dropSpend(scope: ScopeLimits): MaybePromise<void>;
  /**
   * Counters that cannot wait for the logs inside `admit` (in memory) name a budgeted scope of
   * these whose period spend the logs have yet to give: its request waits for that read first
   * (LimitsService.admit). A shared store seeds inside `admit` and has none of this.
   */
  unseeded?(scopes: readonly ScopeLimits[]): ScopeLimits | null;
  /**
   * Where a shared store reads a budget's spend when it has none at admit time (it was restarted
   * empty, or the budget was just set): set by LimitsService. Memory counters are seeded up front.
   */
  useSpendSource?(source: SpendSource): void;
  /** The clock the service reads (LimitsService passes its own), for what the counters time themselves. */
  useClock?(now: () => number): void;
  /**
   * Forgets what this process holds for scopes not in `live` (a deleted key or team, one whose
   * limits were removed) and not in use: the counters are kept for the scopes that exist.
   */
  forgetScopesExcept?(live: ReadonlySet<string>): void;
}
