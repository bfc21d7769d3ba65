import type { ProviderId } from '../providers/types';

export type CircuitState = 'closed' | 'open' | 'half_open';

/** Per-provider (and per-model) circuit breakers: what the request path asks and tells them. */
export interface BreakerRegistry {
  /**
   * May a request go to this target now? (Half-open lets one probe through, and the request
   * holds it until it reports success, failure or `release`.) Shared circuits answer a promise
   * while they claim a probe across instances; otherwise a boolean.
   */
  allow(provider: ProviderId, model?: string): boolean | Promise<boolean>;
  /** Routing's health view: may a request go there, without taking the half-open probe. No side effect. */
  available(provider: ProviderId, model?: string): boolean;
  onSuccess(provider: ProviderId, model?: string): void;
  /**
   * Only retryable failures (408/429/5xx/connect/timeout) should be reported. A failure that is not
   * `providerWide` opens the model's circuit; the provider's only once several models failed.
   */
  onFailure(provider: ProviderId, model?: string, kind?: FailureKind): void;
  /**
   * A request `allow` let through never reached the upstream (refused before the call, the client
   * left first): neither success nor failure, but a half-open probe slot it took is free again.
   */
  release(provider: ProviderId, model?: string): void;
  state(provider: ProviderId): CircuitState;
  /** Milliseconds until an open breaker half-opens, for a retry-after hint. */
  retryAfterMs(provider: ProviderId, model?: string): number;
}

export interface BreakerOptions {
  /** Consecutive retryable failures that open a circuit (default 5). */
  failureThreshold?: number;
  /** Milliseconds an open circuit waits before letting one probe through (default 30 000). */
  cooldownMs?: number;
  /** Clock in epoch ms; tests inject one. */
  now?: () => number;
  /** Circuits of provider+model held at most (default MAX_MODEL_CIRCUITS). */
  maxModelCircuits?: number;
}

/** How long a closed circuit's failures are remembered after the last one: ten cool-downs (5 min by default), as in Redis. */
export const failureWindowOf = (cooldownMs: number) => cooldownMs * 10;

/** What one retryable failure says about its provider (see `onFailure`). */
export interface FailureKind {
  /**
   * The provider as a whole failed (could not be reached, timed out), not one of its models:
   * it counts towards the provider's circuit whatever the model.
   */
  providerWide?: boolean;
}

/**
 * Model circuits held at most. `provider/<anything>` reaches its provider, so a client inventing
 * model names that fail (429, 5xx) would otherwise add one circuit per name for ever: past this
 * bound the oldest closed one goes (its few failures forgotten), else the oldest open one.
 */
export const MAX_MODEL_CIRCUITS = 1000;

interface Breaker {
  failures: number;
  /** When the last failure was counted: a closed circuit forgets its failures a window after it. */
  lastFailureAt: number;
  /** Provider circuits: the first model whose failure was counted (undefined: none yet). */
  model?: string;
  /**
   * Provider circuits: the failures counted show the provider failing as a whole (a connection
   * error or timeout, a failure without a model, or failures of two different models). Until
   * then one model failing alone opens only that model's circuit.
   */
  providerWide?: boolean;
  /** When the circuit opened; null while closed. */
  openedAt: number | null;
  /** When the half-open probe was let through; null when none is out. */
  probeAt: number | null;
}

export interface BreakerView {
  key: string;
  state: CircuitState;
  failures: number;
  retryAfterMs: number;
}

/** The registry plus read-only views for routing, /health and the dashboard. */
export interface CircuitBreakers extends BreakerRegistry {
  /** Routing's health check: false while the provider's or the model's circuit is open. No side effect. */
  available(provider: ProviderId, model?: string): boolean;
  /** Every circuit that is not closed or has failures within the window (older ones are forgotten), for the dashboard. */
  list(): BreakerView[];
  /** Closes circuits by hand (the dashboard's reset button): one provider and its models, or all. */
  reset(provider?: ProviderId): void;
  /** Shared circuits (src/redis/shared-breakers.ts) read and set one circuit by key. */
  readonly threshold: number;
  readonly cooldownMs: number;
  /** How long a closed circuit keeps its failures after the last one (failureWindowOf). */
  readonly failureWindowMs: number;
  /** The circuit keys a request to this target passes: the provider's, then provider/model's. */
  keysOf(provider: ProviderId, model?: string): string[];
  /** One circuit's counters, or null when it is closed without failures. */
  peek(key: string): { failures: number; openedAt: number | null } | null;
  /** Sets one circuit from the shared state (failures 0 and not open: closed, dropped). */
  restore(key: string, failures: number, openedAt: number | null): void;
  /** Marks one circuit's probe out (another instance holds it: none leaves here for a cool-down) or free again. */
  setProbe(key: string, out: boolean): void;
  /** Every circuit key held here (for a reset across instances). */
  heldKeys(): string[];
}

/**
 * Circuit breakers per provider and per provider+model, so one failing model opens alone while
 * its provider's other models keep serving. closed -> open after N consecutive retryable
 * failures -> half_open after the cool-down (one probe goes through) -> closed on success,
 * open again on failure; a probe released (it never reached the upstream) frees the slot at once.
 * The provider's circuit opens only on failures of the provider as a whole (Breaker.providerWide).
 * A closed circuit forgets its failures a window (ten cool-downs) after the last one.
 */
export function createBreakerRegistry(opts: BreakerOptions = {}): CircuitBreakers {
  const threshold = opts.failureThreshold ?? 5;
  const cooldown = opts.cooldownMs ?? 30_000;
  const window = failureWindowOf(cooldown);
  const now = opts.now ?? Date.now;
  const breakers = new Map<string, Breaker>();
  const maxModelCircuits = opts.maxModelCircuits ?? MAX_MODEL_CIRCUITS;
  let modelCircuits = 0;
  const keyOf = (provider: string, model?: string) => (model ? `${provider}/${model}` : provider);
  // Provider circuits are a fixed few; model circuits (keys with a '/') are bounded.
  const isModelKey = (key: string) => key.includes('/');
  const drop = (key: string) => {
    if (breakers.delete(key) && isModelKey(key)) modelCircuits--;
  };
  /** Makes room for one more model circuit: the oldest closed one goes, else the oldest. */
  const evictModelCircuit = () => {
    let oldest: string | null = null;
    for (const [k, b] of breakers) {
      if (!isModelKey(k)) continue;
      oldest ??= k;
      if (b.openedAt === null) return drop(k);
    }
    if (oldest !== null) drop(oldest);
  };
  const get = (key: string) => {
    let b = breakers.get(key);
    if (!b) {
      if (isModelKey(key)) {
        if (modelCircuits >= maxModelCircuits) evictModelCircuit();
        modelCircuits++;
      }
      breakers.set(key, (b = { failures: 0, lastFailureAt: 0, openedAt: null, probeAt: null }));
    }
    return b;
  };
  /** A closed circuit whose last failure is a window old is forgotten (as Redis expires its record). */
  const stale = (b: Breaker, t: number) => b.openedAt === null && t - b.lastFailureAt >= window;
  const forgetStale = (t: number) => {
    for (const [k, b] of breakers) if (stale(b, t)) drop(k);
  };

  const stateOf = (b: Breaker | undefined, t: number): CircuitState => {
    if (!b || b.openedAt === null) return 'closed';
    return t - b.openedAt >= cooldown ? 'half_open' : 'open';
  };
  // A probe that never reported back (a path that does not call release) must not hold the circuit shut forever.
  const probeFree = (b: Breaker, t: number) => b.probeAt === null || t - b.probeAt >= cooldown;
  const passable = (b: Breaker | undefined, t: number) => {
    const s = stateOf(b, t);
    return s === 'closed' || (s === 'half_open' && probeFree(b!, t));
  };
  const keys = (provider: string, model?: string) => (model ? [keyOf(provider), keyOf(provider, model)] : [keyOf(provider)]);

  return {
    allow(provider, model) {
      // Every circuit closed and without failures (the usual state): nothing to look up.
      if (breakers.size === 0) return true;
      const t = now();
      const ks = keys(provider, model);
      if (!ks.every((k) => passable(breakers.get(k), t))) return false;
      // Claim the probe slot of every half-open circuit this request passes through.
      for (const k of ks) {
        const b = breakers.get(k);
        if (b && stateOf(b, t) === 'half_open') b.probeAt = t;
      }
      return true;
    },
    available(provider, model) {
      if (breakers.size === 0) return true;
      const t = now();
      return keys(provider, model).every((k) => passable(breakers.get(k), t));
    },
    onSuccess(provider, model) {
      if (breakers.size === 0) return;
      // A closed breaker without failures is the same as none: dropping it keeps the map empty
      // while everything is healthy, which is what allow/available check first.
      for (const k of keys(provider, model)) drop(k);
    },
    onFailure(provider, model, kind = {}) {
      const t = now();
      for (const k of keys(provider, model)) {
        const b = get(k);
        if (stale(b, t)) Object.assign(b, { failures: 0, model: undefined, providerWide: false });
        b.failures++;
        b.lastFailureAt = t;
        if (!isModelKey(k)) {
          // One model failing alone is that model's problem: its own circuit opens, the provider's
          // waits until the failures show the provider failing (see Breaker.providerWide).
          if (kind.providerWide || !model || (b.model !== undefined && b.model !== model)) b.providerWide = true;
          b.model ??= model;
        }
        const opens = b.failures >= threshold && (isModelKey(k) || b.providerWide === true);
        // A failed probe re-opens at once; a closed circuit opens at the threshold.
        if (stateOf(b, t) === 'half_open' || opens) {
          b.openedAt = t;
          b.probeAt = null;
        }
      }
    },
    release(provider, model) {
      if (breakers.size === 0) return;
      const t = now();
      for (const k of keys(provider, model)) {
        const b = breakers.get(k);
        if (b && stateOf(b, t) === 'half_open') b.probeAt = null;
      }
    },
    state(provider) {
      return stateOf(breakers.get(keyOf(provider)), now());
    },
    retryAfterMs(provider, model) {
      const t = now();
      let ms = 0;
      for (const k of keys(provider, model)) {
        const b = breakers.get(k);
        if (b?.openedAt != null) ms = Math.max(ms, b.openedAt + cooldown - t);
      }
      return Math.max(0, ms);
    },
    list() {
      const t = now();
      forgetStale(t);
      const out: BreakerView[] = [];
      for (const [key, b] of breakers) {
        if (b.failures === 0 && b.openedAt === null) continue;
        out.push({ key, state: stateOf(b, t), failures: b.failures, retryAfterMs: b.openedAt === null ? 0 : Math.max(0, b.openedAt + cooldown - t) });
      }
      return out;
    },
    reset(provider) {
      if (!provider) {
        modelCircuits = 0;
        return breakers.clear();
      }
      for (const k of [...breakers.keys()]) if (k === provider || k.startsWith(`${provider}/`)) drop(k);
    },
    threshold,
    cooldownMs: cooldown,
    failureWindowMs: window,
    keysOf: keys,
    peek(key) {
      const b = breakers.get(key);
      if (b && stale(b, now())) {
        drop(key);
        return null;
      }
      return b ? { failures: b.failures, openedAt: b.openedAt } : null;
    },
    restore(key, failures, openedAt) {
      if (failures <= 0 && openedAt === null) return drop(key);
      const b = get(key);
      // A new opening clears the probe slot; the same one keeps a probe this instance let through.
      if (b.openedAt !== openedAt) b.probeAt = null;
      b.failures = failures;
      b.openedAt = openedAt;
      b.lastFailureAt = now();
    },
    setProbe(key, out) {
      const b = breakers.get(key);
      if (b) b.probeAt = out ? now() : null;
    },
    heldKeys: () => [...breakers.keys()],
  };
}

/** A model's own circuit that is not closed (its provider's may be): what /health, /metrics and the dashboard show. */
export interface ModelCircuitView {
  provider: string;
  model: string;
  state: Exclude<CircuitState, 'closed'>;
  retryAfterMs: number;
}

/**
 * The model circuits that are open or half-open, by provider and model (a key is `provider/model`;
 * provider ids hold no slash, model ids may). One failing model opens alone while its provider
 * serves on, so the provider's own state says nothing of it: a client naming it gets 503
 * circuit_open while every provider shows closed, unless these are shown beside it.
 */
export function modelCircuits(breakers: Pick<CircuitBreakers, 'list'>): ModelCircuitView[] {
  const out: ModelCircuitView[] = [];
  for (const b of breakers.list()) {
    const slash = b.key.indexOf('/');
    if (slash < 0 || b.state === 'closed') continue;
    out.push({ provider: b.key.slice(0, slash), model: b.key.slice(slash + 1), state: b.state, retryAfterMs: b.retryAfterMs });
  }
  return out.sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
}

/** A model circuit as JSON (/health, /api/providers). */
export interface ModelCircuitJson {
  model: string;
  circuit: ModelCircuitView['state'];
  retry_after_s: number;
}

/** One provider's models whose own circuit is not closed, as /health and /api/providers list them. */
export function modelCircuitsJson(all: readonly ModelCircuitView[], provider: string): ModelCircuitJson[] {
  return all
    .filter((c) => c.provider === provider)
    .map((c) => ({ model: c.model, circuit: c.state, retry_after_s: Math.ceil(c.retryAfterMs / 1000) }));
}

