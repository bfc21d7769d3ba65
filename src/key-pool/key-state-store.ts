import type { ProviderId } from '../providers/types';

/**
 * What the pool knows of one key: usable, cooling after a 429 or a 402, or set aside after a 401/403.
 * `probeDue`: the key's cooldown has ended and nobody has tried it since; the first request to
 * claim the probe (`claimProbe`) tries it while the others keep off it. `probe`: that cooldown is a
 * probe's hold, ended by the probe's answer (`answered`) or by itself after PROBE_HOLD_MS.
 */
export type KeyState =
  | { state: 'active'; probeDue?: true }
  | { state: 'cooling'; until: number; probe?: true }
  | { state: 'set_aside'; since: number };

/**
 * Where key states live. The memory implementation serves a single instance; a shared one
 * (Redis, for several instances) implements the same calls. Reads are synchronous because they
 * run on every request: a shared store is expected to keep a local mirror.
 */
export interface KeyStateStore {
  get(provider: ProviderId, keyId: string, now: number): KeyState;
  /** A cooldown (a 429, a 402); it replaces a probe's hold, and of two cooldowns the later end wins. */
  coolUntil(provider: ProviderId, keyId: string, until: number): void;
  setAside(provider: ProviderId, keyId: string, now: number): void;
  /**
   * Claims the probe of a key whose cooldown has ended (see KeyState): true for the one caller
   * that gets it, which holds the key as a probe until `holdUntil`; false when the key is not due.
   */
  claimProbe(provider: ProviderId, keyId: string, now: number, holdUntil: number): boolean;
  /**
   * A try with the key got an answer that was not a key failure: a probe's hold ends (the key is
   * active). `okSince`: the try succeeded and was sent then, so a key set aside before it works
   * again (the provider took it back); a 401 newer than the try stays.
   */
  answered(provider: ProviderId, keyId: string, okSince?: number): void;
  /** Back to active (an admin added or changed the key). */
  clear(provider: ProviderId, keyId: string): void;
}

const ACTIVE: KeyState = { state: 'active' };
const PROBE_DUE: KeyState = { state: 'active', probeDue: true };

type Held = Exclude<KeyState, { state: 'active' }>;

/**
 * Key states in a Map; a set-aside key stays so until `clear` or a restart. A cooldown that ended
 * stays too, as a probe due, until a request claims it (its answer clears it).
 */
export class MemoryKeyStateStore implements KeyStateStore {
  private readonly states = new Map<string, Held>();

  get(provider: ProviderId, keyId: string, now: number): KeyState {
    const s = this.states.get(`${provider}\0${keyId}`);
    if (!s) return ACTIVE;
    return s.state === 'cooling' && s.until <= now ? PROBE_DUE : s;
  }

  coolUntil(provider: ProviderId, keyId: string, until: number): void {
    const k = `${provider}\0${keyId}`;
    const s = this.states.get(k);
    // A set-aside key stays set aside; of two cooldowns the later end wins (a probe's hold always loses).
    if (s?.state === 'set_aside' || (s?.state === 'cooling' && !s.probe && s.until >= until)) return;
    this.states.set(k, { state: 'cooling', until });
  }

  setAside(provider: ProviderId, keyId: string, now: number): void {
    this.states.set(`${provider}\0${keyId}`, { state: 'set_aside', since: now });
  }

  claimProbe(provider: ProviderId, keyId: string, now: number, holdUntil: number): boolean {
    const k = `${provider}\0${keyId}`;
    const s = this.states.get(k);
    if (s?.state !== 'cooling' || s.until > now) return false;
    this.holdProbe(provider, keyId, holdUntil);
    return true;
  }

  /** Marks a probe's hold (claimed here or, with Redis, by another instance). */
  holdProbe(provider: ProviderId, keyId: string, until: number): void {
    const k = `${provider}\0${keyId}`;
    if (this.states.get(k)?.state === 'set_aside') return;
    this.states.set(k, { state: 'cooling', until, probe: true });
  }

  /** Whether the answer ended a state (the Redis store sends it only then). */
  answered(provider: ProviderId, keyId: string, okSince?: number): boolean {
    const k = `${provider}\0${keyId}`;
    const s = this.states.get(k);
    if (!(s?.state === 'cooling' && s.probe) && !(s?.state === 'set_aside' && okSince !== undefined && s.since < okSince)) return false;
    this.states.delete(k);
    return true;
  }

  clear(provider: ProviderId, keyId: string): void {
    this.states.delete(`${provider}\0${keyId}`);
  }
}
