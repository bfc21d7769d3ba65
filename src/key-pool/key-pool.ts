import { UpstreamError } from '../errors/api-error';
import type { PoolKey, ProviderId, ProviderSettings } from '../providers/types';
import { MemoryKeyStateStore, type KeyState, type KeyStateStore } from './key-state-store';
import { isLongContextRefusal, isModelAccessNotFound, isModelRefusal, isScopedSlot, rateLimitScope, scopedSlot, slotsFor } from './key-slots';
import { DEFAULT_COOLDOWN_MS, namedRetryMs } from './retry-after';

/** A failure that says something about the key rather than the provider: try the next key. */
export function isKeyFailure(err: unknown): err is UpstreamError {
  const s = err instanceof UpstreamError ? err.upstreamStatus : null;
  return s === 429 || s === 401 || s === 403 || s === 402 || (s === 404 && isModelAccessNotFound(err as UpstreamError)) || (s === 400 && isLongContextRefusal(err as UpstreamError));
}

/**
 * A key whose account ran out of credit (402: DeepSeek's "Insufficient Balance", Anthropic's credit
 * balance; 429 insufficient_quota: OpenAI's and Moonshot's, see proxy/upstream-errors.ts) rests this long: a top-up happens outside the gateway, so it is tried again by itself.
 */
export const OUT_OF_CREDIT_COOLDOWN_MS = 10 * 60_000;
/** The longest a 429's `retry-after` rests a key: a day, the longest quota window providers name. */
export const MAX_COOLDOWN_MS = 24 * 3_600_000;

/** The settings one try uses: the provider's, with the chosen key in `apiKey`. */
export function withKey(settings: ProviderSettings, key: PoolKey | null): ProviderSettings {
  return key && key.apiKey !== settings.apiKey ? { ...settings, apiKey: key.apiKey } : settings;
}

const NO_KEYS: readonly PoolKey[] = [];

/**
 * Where the pool keeps a key's state: its id, or its `stateId` (the env key's, which names its
 * secret: instances sharing Redis may each hold their own env key, and one replaced in the
 * environment starts afresh). Callers that read a key's state pass this, or the key itself.
 */
export const stateKeyOf = (key: Pick<PoolKey, 'id' | 'stateId'>): string => key.stateId ?? key.id;

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
 * Where a provider's rate limits are per model (key-slots.ts), a 429 cools the key for that model
 * (or model class) only, and a 403 refusing one model sets the key aside for that model only; a
 * key's state for a model is the sum of its own and the model's (key-wide: 401, out of credit).
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
  order(settings: ProviderSettings, firstId?: string | null, model?: string | null): readonly PoolKey[] {
    const keys = settings.keys;
    if (!keys || keys.length === 0) return NO_KEYS;
    // One key: nothing to choose (its state is still kept, for the dashboard), and no array made
    // for it (most providers have one; the order lives while the request waits on its upstream).
    if (keys.length === 1) return keys;
    const now = this.now();
    const preferred = firstId == null ? undefined : keys.find((k) => k.id === firstId);
    if (preferred && this.stateFor(settings.id, stateKeyOf(preferred), model, now).state !== 'set_aside') {
      const rest = keys.filter((k) => {
        const s = k !== preferred && this.stateFor(settings.id, stateKeyOf(k), model, now);
        return s && s.state === 'active' && !s.probeDue;
      });
      return [preferred, ...rest.sort((a, b) => b.weight - a.weight)];
    }
    const usable: PoolKey[] = [];
    let probe: PoolKey | null = null;
    let fallback: { key: PoolKey; rank: number } | null = null;
    for (const k of keys) {
      const s = this.stateFor(settings.id, stateKeyOf(k), model, now);
      if (s.state === 'active' && !s.probeDue) usable.push(k);
      // One probe per request: other keys due stay for the next requests.
      else if (s.state === 'active' && !probe && this.claimProbe(settings.id, stateKeyOf(k), model, now)) probe = k;
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
  answered(provider: ProviderId, key: PoolKey, okSince?: number, model?: string | null): void {
    // Most answers come while every key is active: nothing to end, no slot names made per request.
    if (this.states.empty()) return;
    for (const slot of slotsFor(provider, stateKeyOf(key), model)) this.states.answered(provider, slot, okSince);
  }

  /**
   * Records what a failed try (with `model`) says about its key: 429 cools it down (for the model
   * where limits are per model), 402 or out of quota for longer (the account's); 401 sets it
   * aside, 403 too (for the model when the refusal is the model's), and a 404 that may be the key's
   * account without the model (key-slots.ts isModelAccessNotFound) for that model, as does Anthropic's
   * 400 refusing the 1M-context beta to the key's account (isLongContextRefusal) for the model's 1M window.
   */
  reportFailure(provider: ProviderId, key: PoolKey, err: unknown, model?: string | null): void {
    if (!isKeyFailure(err)) return;
    const now = this.now();
    const slot = this.record(provider, key, err, model, now);
    // A probe's hold on the key's other slots ends: this answer was the probe's, and it is recorded.
    for (const other of slotsFor(provider, stateKeyOf(key), model)) if (other !== slot) this.states.answered(provider, other);
  }

  /** Stores what the failure says in the slot it concerns, and returns that slot. */
  private record(provider: ProviderId, key: PoolKey, err: UpstreamError, model: string | null | undefined, now: number): string {
    const id = stateKeyOf(key);
    // insufficient_quota: a 429 (OpenAI's, Moonshot's, xAI's) or xAI's 403 saying the account is out of credit.
    if (err.upstreamStatus === 402 || err.code === 'insufficient_quota') {
      this.states.coolUntil(provider, id, now + OUT_OF_CREDIT_COOLDOWN_MS, now);
      return id;
    }
    if (err.upstreamStatus === 429) {
      // An upstream's wait, at most a day (a daily quota's): a number past that would rest the key for
      // good. 0 ("at once") ends the cooldown now: the next request probes the key.
      const until = now + Math.min(namedRetryMs(err.headers, now) ?? DEFAULT_COOLDOWN_MS, MAX_COOLDOWN_MS);
      const scope = model ? rateLimitScope(provider, model) : null;
      const slot = scope ? scopedSlot(id, scope) : id;
      if (this.states.coolUntil(provider, slot, until, now)) return slot;
      // No room for another model's state (a store that cannot make room): the whole key cools.
      this.states.coolUntil(provider, id, until, now);
      return id;
    }
    const forModel = isModelRefusal(err, model) ? model! : null;
    let slot = forModel ? scopedSlot(id, forModel) : id;
    const was = this.states.get(provider, slot, now).state;
    if (!this.states.setAside(provider, slot, now)) this.states.setAside(provider, (slot = id), now);
    if (was !== 'set_aside') {
      const what = forModel && slot !== id ? `for model '${forModel}' ` : '';
      this.warn?.(`provider key '${key.label}' (…${key.last4}) of ${provider} was refused ${what}with HTTP ${err.upstreamStatus}; set aside ${what}until it is changed on the Providers page or a try with it succeeds`);
    }
    return slot;
  }

  /** A key's state (`key`: the key, or where its state is kept, stateKeyOf): its own, or (with `model`) for that model, its own and the model's together. */
  stateOf(provider: ProviderId, key: string | PoolKey, model?: string | null): KeyState {
    return this.stateFor(provider, typeof key === 'string' ? key : stateKeyOf(key), model, this.now());
  }

  /** The key's states for one model or model class (`class:opus-4`) that are not active: what a 429 or a 403 of that model left. */
  modelStatesOf(provider: ProviderId, key: string | PoolKey): { model: string; state: Exclude<KeyState, { state: 'active' }> }[] {
    const keyId = typeof key === 'string' ? key : stateKeyOf(key);
    const now = this.now();
    const out: { model: string; state: Exclude<KeyState, { state: 'active' }> }[] = [];
    for (const slot of this.states.slotsOf(provider, keyId)) {
      const state = isScopedSlot(slot) ? this.states.get(provider, slot, now) : null;
      if (state && state.state !== 'active') out.push({ model: slot.slice(keyId.length + 1), state });
    }
    return out;
  }

  /**
   * How long until a key of the provider serves the model again, by the pool's knowledge (null:
   * one serves now, or none will by itself: all set aside). A 429 that came without a
   * `retry-after` is sent on with this one, so the client waits as long as the gateway would.
   * `skip`: keys left out (those a request just tried, whose own 429s named their waits).
   */
  retryAfterMs(settings: ProviderSettings, model?: string | null, skip?: readonly PoolKey[]): number | null {
    const now = this.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const k of settings.keys ?? []) {
      if (skip?.includes(k)) continue;
      const s = this.stateFor(settings.id, stateKeyOf(k), model, now);
      if (s.state === 'active') return null;
      if (s.state === 'cooling') soonest = Math.min(soonest, s.until - now);
    }
    return Number.isFinite(soonest) ? Math.max(0, soonest) : null;
  }

  /** How many of the provider's keys are in each state (their own state, not a model's): `/health` shows it. */
  countStates(settings: ProviderSettings): Record<KeyState['state'], number> {
    const now = this.now();
    const counts = { active: 0, cooling: 0, set_aside: 0 };
    for (const k of settings.keys ?? []) counts[this.stateFor(settings.id, stateKeyOf(k), null, now).state]++;
    return counts;
  }

  /**
   * The key's state for the model: set aside if any of its slots is, else cooling until the
   * latest cooldown ends, else active (a probe due if a slot's cooldown ended unclaimed).
   */
  private stateFor(provider: ProviderId, keyId: string, model: string | null | undefined, now: number): KeyState {
    if (!model) return this.states.get(provider, keyId, now);
    let due: KeyState | null = null;
    let cooling: KeyState | null = null;
    for (const slot of slotsFor(provider, keyId, model)) {
      const s = this.states.get(provider, slot, now);
      if (s.state === 'set_aside') return s;
      if (s.state === 'cooling') {
        if (!cooling || (cooling.state === 'cooling' && s.until > cooling.until)) cooling = s;
      } else if (s.probeDue) due = s;
    }
    return cooling ?? due ?? { state: 'active' };
  }

  /** Claims the probe of every slot of the key whose cooldown ended: this request tries the key for them all. */
  private claimProbe(provider: ProviderId, keyId: string, model: string | null | undefined, now: number): boolean {
    let claimed = false;
    for (const slot of slotsFor(provider, keyId, model)) {
      if (this.states.get(provider, slot, now).state === 'active' && this.states.claimProbe(provider, slot, now, now + PROBE_HOLD_MS)) claimed = true;
    }
    return claimed;
  }

  /** An admin added, changed or removed the key: it starts active (its running weight afresh; a removed key's is not kept). */
  reset(provider: ProviderId, keyId: string): void {
    this.states.clear(provider, keyId);
    this.current.get(provider)?.delete(keyId);
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
