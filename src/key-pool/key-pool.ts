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

/**
 * How long a probe holds a key whose cooldown ended before another request may probe it: a
 * refusal (429) comes back at once, so a probe still out after this long was let through.
 */
export const PROBE_HOLD_MS = 10_000;

/**
 * Spreads requests over each provider's keys by weight (smooth weighted round-robin: with weights
 * 3 and 1, every 4 requests go 3 and 1, interleaved) and keeps their states: a key answered 429
 * cools down for its `retry-after` (else 60 s), one answered 402 (out of credit) for 10 minutes,
 * one answered 401/403 is set aside until an admin adds or changes it, a try with it succeeds
 * (tried when no other key is left), or the process restarts.
 *
 * When a key's cooldown ends, one request probes it (as a half-open circuit does) while the
 * others keep to the other keys: all of them trying it at once would likely all be refused again
 * and push the cooldown out. The probe's answer makes the key active (or cools it again); a probe
 * not back within PROBE_HOLD_MS lets the next request probe.
 *
 * A pool never refuses by itself: when no key is usable, the one that frees up first is still
 * tried (a key held by a probe only when no other is cooling, a set-aside key only when none is
 * cooling at all), so a one-key provider behaves as it did before pools, and a provider failing
 * throughout is left to the circuit breaker.
 */
export class ProviderKeyPool {
  /** Smooth weighted round-robin's running weights, per provider and key id (local to the instance). */
  private readonly current = new Map<ProviderId, Map<string, number>>();

  constructor(
    readonly states: KeyStateStore = new MemoryKeyStateStore(),
    /** The clock cooldowns are read against (tests inject one). */
    readonly now: () => number = Date.now,
    /** Told once when a key is set aside: the operator has a key to replace (label and last four only). */
    private readonly warn?: (msg: string) => void,
  ) {}

  /**
   * The keys one request tries on this provider, in order: a key whose probe this request claimed,
   * else the weighted pick, then the other usable keys by weight. Empty when the provider has no
   * key (e.g. Ollama, the mock).
   * `firstId` names a key to try before the weighted pick (the key that made the stored response
   * a follow-up continues: OpenAI holds it for that key's project only). It goes first even while
   * cooling (a cooldown is an estimate, and the other keys would get a 404), but not once set
   * aside (401/403: the key no longer works); an unknown id is ignored.
   */
  order(settings: ProviderSettings, firstId?: string | null): PoolKey[] {
    const keys = settings.keys;
    if (!keys || keys.length === 0) return [];
    const now = this.now();
    const preferred = firstId == null ? undefined : keys.find((k) => k.id === firstId);
    if (preferred && this.states.get(settings.id, preferred.id, now).state !== 'set_aside') {
      const rest = keys.filter((k) => {
        const s = k !== preferred && this.states.get(settings.id, k.id, now);
        return s && s.state === 'active' && !s.probeDue;
      });
      return [preferred, ...rest.sort((a, b) => b.weight - a.weight)];
    }
    const usable: PoolKey[] = [];
    let probe: PoolKey | null = null;
    let fallback: { key: PoolKey; rank: number } | null = null;
    for (const k of keys) {
      const s = this.states.get(settings.id, k.id, now);
      if (s.state === 'active' && !s.probeDue) usable.push(k);
      // One probe per request: other keys due stay for the next requests.
      else if (s.state === 'active' && !probe && this.states.claimProbe(settings.id, k.id, now, now + PROBE_HOLD_MS)) probe = k;
      else {
        // Rank: the earliest cooldown end first, keys held by a probe after those (piling onto a
        // probe is the herd it prevents), set-aside keys last.
        const rank = s.state === 'set_aside' ? Number.MAX_SAFE_INTEGER : s.state === 'cooling' ? s.until + (s.probe ? 2 ** 50 : 0) : now;
        if (!fallback || rank < fallback.rank) fallback = { key: k, rank };
      }
    }
    if (probe) return [probe, ...usable.sort((a, b) => b.weight - a.weight)];
    if (usable.length === 0) return [fallback!.key];
    // One key: nothing to choose.
    if (usable.length === 1) return usable;
    const first = this.pick(settings.id, usable);
    return [first, ...usable.filter((k) => k !== first).sort((a, b) => b.weight - a.weight)];
  }

  /**
   * A try with the key was not refused for the key's sake (an answer, or another failure): a
   * probe's hold ends. `okSince`: it succeeded, sent at that time (this pool's clock): a key set
   * aside before then works again (the provider took it back; a one-key provider keeps trying it).
   */
  answered(provider: ProviderId, key: PoolKey, okSince?: number): void {
    this.states.answered(provider, key.id, okSince);
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
      const was = this.states.get(provider, key.id, now).state;
      this.states.setAside(provider, key.id, now);
      if (was !== 'set_aside') {
        this.warn?.(`provider key '${key.label}' (…${key.last4}) of ${provider} was refused with HTTP ${err.upstreamStatus}; set aside until it is changed on the Providers page or a try with it succeeds`);
      }
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
