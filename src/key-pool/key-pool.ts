import { UpstreamError } from '../errors/api-error';
import type { PoolKey, ProviderId, ProviderSettings } from '../providers/types';
import { MemoryKeyStateStore, type KeyState, type KeyStateStore } from './key-state-store';
import { DEFAULT_COOLDOWN_MS, retryAfterMs } from './retry-after';

/** A failure that says something about the key rather than the provider: try the next key. */
export function isKeyFailure(err: unknown): err is UpstreamError {
  const s = err instanceof UpstreamError ? err.upstreamStatus : null;
  return s === 429 || s === 401 || s === 403 || s === 402;
}

/**
 * A key whose account ran out of credit (402: DeepSeek's "Insufficient Balance", Anthropic's credit
 * balance; 429 insufficient_quota: OpenAI's and Moonshot's, see proxy/upstream-errors.ts) rests this long: a top-up happens outside the gateway, so it is tried again by itself.
 */
export const OUT_OF_CREDIT_COOLDOWN_MS = 10 * 60_000;

/** The settings one try uses: the provider's, with the chosen key in `apiKey`. */
export function withKey(settings: ProviderSettings, key: PoolKey | null): ProviderSettings {
  return key && key.apiKey !== settings.apiKey ? { ...settings, apiKey: key.apiKey } : settings;
}

const NO_KEYS: readonly PoolKey[] = [];

/**
 * Spreads requests over each provider's keys by weight (smooth weighted round-robin: with weights
 * 3 and 1, every 4 requests go 3 and 1, interleaved) and keeps their states: a key answered 429
 * cools down for its `retry-after` (else 60 s), one answered 402 (out of credit) for 10 minutes,
 * one answered 401/403 is set aside until an admin adds or changes it, or the process restarts.
 *
 * A pool never refuses by itself: when every key of a provider is cooling or set aside, the one
 * that frees up first is still tried (a set-aside key only when no key is cooling), so a one-key
 * provider behaves as it did before pools, and a provider failing throughout is left to the
 * circuit breaker.
 */
export class ProviderKeyPool {
  /** Smooth weighted round-robin's running weights, per provider and key id (local to the instance). */
  private readonly current = new Map<ProviderId, Map<string, number>>();

  constructor(
    readonly states: KeyStateStore = new MemoryKeyStateStore(),
    /** The clock cooldowns are read against (tests inject one). */
    readonly now: () => number = Date.now,
  ) {}

  /**
   * The keys one request tries on this provider, in order: the weighted pick, then the other
   * usable keys by weight. Empty when the provider has no key (e.g. Ollama, the mock).
   * `firstId` names a key to try before the weighted pick (the key that made the stored response
   * a follow-up continues: OpenAI holds it for that key's project only). It goes first even while
   * cooling (a cooldown is an estimate, and the other keys would get a 404), but not once set
   * aside (401/403: the key no longer works); an unknown id is ignored.
   */
  order(settings: ProviderSettings, firstId?: string | null): readonly PoolKey[] {
    const keys = settings.keys;
    if (!keys || keys.length === 0) return NO_KEYS;
    // One key: nothing to choose (its state is still kept, for the dashboard), and no array made
    // for it (most providers have one; the order lives while the request waits on its upstream).
    if (keys.length === 1) return keys;
    const now = this.now();
    const preferred = firstId == null ? undefined : keys.find((k) => k.id === firstId);
    if (preferred && this.states.get(settings.id, preferred.id, now).state !== 'set_aside') {
      const rest = keys.filter((k) => k !== preferred && this.states.get(settings.id, k.id, now).state === 'active');
      return [preferred, ...rest.sort((a, b) => b.weight - a.weight)];
    }
    const usable: PoolKey[] = [];
    let fallback: { key: PoolKey; rank: number } | null = null;
    for (const k of keys) {
      const s = this.states.get(settings.id, k.id, now);
      if (s.state === 'active') usable.push(k);
      else {
        // Rank: the earliest cooldown end first, set-aside keys after every cooling one.
        const rank = s.state === 'cooling' ? s.until : Number.MAX_SAFE_INTEGER;
        if (!fallback || rank < fallback.rank) fallback = { key: k, rank };
      }
    }
    if (usable.length === 0) return [fallback!.key];
    const first = this.pick(settings.id, usable);
    return [first, ...usable.filter((k) => k !== first).sort((a, b) => b.weight - a.weight)];
  }

  /** Records what a failed try says about its key (429, 402: cools down, out of credit longer; 401/403: set aside). */
  reportFailure(provider: ProviderId, key: PoolKey, err: unknown): void {
    if (!isKeyFailure(err)) return;
    const now = this.now();
    if (err.upstreamStatus === 402 || (err.upstreamStatus === 429 && err.code === 'insufficient_quota')) {
      this.states.coolUntil(provider, key.id, now + OUT_OF_CREDIT_COOLDOWN_MS);
    } else if (err.upstreamStatus === 429) {
      const ms = retryAfterMs(err.headers['retry-after'], now) ?? DEFAULT_COOLDOWN_MS;
      this.states.coolUntil(provider, key.id, now + ms);
    } else {
      this.states.setAside(provider, key.id, now);
    }
  }

  stateOf(provider: ProviderId, keyId: string): KeyState {
    return this.states.get(provider, keyId, this.now());
  }

  /** An admin added or changed the key: it starts active. */
  reset(provider: ProviderId, keyId: string): void {
    this.states.clear(provider, keyId);
  }

  private pick(provider: ProviderId, keys: PoolKey[]): PoolKey {
    let cw = this.current.get(provider);
    if (!cw) this.current.set(provider, (cw = new Map()));
    let total = 0;
    let best: PoolKey = keys[0]!;
    let bestW = Number.NEGATIVE_INFINITY;
    for (const k of keys) {
      const w = (cw.get(k.id) ?? 0) + k.weight;
      cw.set(k.id, w);
      total += k.weight;
      if (w > bestW) {
        best = k;
        bestW = w;
      }
    }
    cw.set(best.id, bestW - total);
    return best;
  }
}
