import type { ProviderId } from '../providers/types';
import { isScopedSlot } from './key-slots';

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
 * Where key states live, per slot (key-slots.ts): `keyId` is a key's own id or, for a state of
 * the key for one model, `keyId#scope`. The memory implementation serves a single instance; a shared one
 * (Redis, for several instances) implements the same calls. Reads are synchronous because they
 * run on every request: a shared store is expected to keep a local mirror.
 */
export interface KeyStateStore {
  get(provider: ProviderId, keyId: string, now: number): KeyState;
  /**
   * A cooldown (a 429, a 402); it replaces a probe's hold, and of two cooldowns the later end wins.
   * False when a model's slot found no room: the caller cools the key. The stores here always make
   * room (the oldest model's state goes): a full store must not turn clients' unknown models into key-wide states.
   */
  coolUntil(provider: ProviderId, keyId: string, until: number, now?: number): boolean;
  /** Set aside (a 401/403); false when a model's slot found no room, as for coolUntil. */
  setAside(provider: ProviderId, keyId: string, now: number): boolean;
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
  /** The slots of a key that hold a state: its own id and its models' (`keyId#scope`). */
  slotsOf(provider: ProviderId, keyId: string): string[];
  /** No key of any provider holds a state (every key active): an answer has nothing to end. */
  empty(): boolean;
  /** Back to active, for every model too (an admin added or changed the key: `keyId` is a key's own id). */
  clear(provider: ProviderId, keyId: string): void;
}

const ACTIVE: KeyState = { state: 'active' };
const PROBE_DUE: KeyState = { state: 'active', probeDue: true };

type Held = Exclude<KeyState, { state: 'active' }>;

/** At most this many states of keys for one model are kept, the oldest dropped first (models are many; keys are few). */
export const MAX_SCOPED_STATES = 4096;

/**
 * Key states in a Map; a set-aside key stays so until `clear` or a restart. A cooldown that ended
 * stays too, as a probe due, until a request claims it (its answer clears it); a model's one is
 * dropped when room is needed for another (an ended cooldown first, else the oldest).
 */
export class MemoryKeyStateStore implements KeyStateStore {
  private readonly states = new Map<string, Held>();
  private scoped = 0;

  constructor(private readonly maxScoped = MAX_SCOPED_STATES) {}

  get(provider: ProviderId, keyId: string, now: number): KeyState {
    const s = this.states.get(`${provider}\0${keyId}`);
    if (!s) return ACTIVE;
    return s.state === 'cooling' && s.until <= now ? PROBE_DUE : s;
  }

  coolUntil(provider: ProviderId, keyId: string, until: number, now = Date.now()): boolean {
    const k = `${provider}\0${keyId}`;
    const s = this.states.get(k);
    // A set-aside key stays set aside; of two cooldowns the later end wins (a probe's hold always loses).
    if (s?.state === 'set_aside' || (s?.state === 'cooling' && !s.probe && s.until >= until)) return true;
    return this.put(k, { state: 'cooling', until }, now);
  }

  setAside(provider: ProviderId, keyId: string, now: number): boolean {
    return this.put(`${provider}\0${keyId}`, { state: 'set_aside', since: now }, now);
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
    this.put(k, { state: 'cooling', until, probe: true }, Date.now());
  }

  /** Whether the answer ended a state (the Redis store sends it only then). */
  answered(provider: ProviderId, keyId: string, okSince?: number): boolean {
    const k = `${provider}\0${keyId}`;
    const s = this.states.get(k);
    if (!(s?.state === 'cooling' && s.probe) && !(s?.state === 'set_aside' && okSince !== undefined && s.since < okSince)) return false;
    this.drop(provider, keyId);
    return true;
  }

  clear(provider: ProviderId, keyId: string): void {
    for (const slot of this.slotsOf(provider, keyId)) this.drop(provider, slot);
  }

  empty(): boolean {
    return this.states.size === 0;
  }

  /** Whether one slot holds a state (an ended cooldown not yet pruned too). */
  holds(provider: ProviderId, keyId: string): boolean {
    return this.states.has(`${provider}\0${keyId}`);
  }

  /** The slots of a key that hold a state: its own and its models'. */
  slotsOf(provider: ProviderId, keyId: string): string[] {
    const own = `${provider}\0${keyId}`;
    const out: string[] = [];
    for (const k of this.states.keys()) if (k === own || k.startsWith(`${own}#`)) out.push(k.slice(provider.length + 1));
    return out;
  }

  /** One slot back to active. */
  drop(provider: ProviderId, keyId: string): void {
    if (this.states.delete(`${provider}\0${keyId}`) && isScopedSlot(keyId)) this.scoped--;
  }

  /** Stores a state; a new model's slot needs room: ended cooldowns of models make it, else none is taken. */
  private put(k: string, s: Held, now: number): boolean {
    if (isScopedSlot(k) && !this.states.has(k)) {
      if (this.scoped >= this.maxScoped) this.prune(now);
      // Still full: the oldest model's state goes. Refusing the new one made its caller put the
      // state on the whole key, so a client naming enough unknown models set keys aside for all.
      if (this.scoped >= this.maxScoped) this.dropOldestScoped();
      this.scoped++;
    }
    this.states.set(k, s);
    return true;
  }

  /** The oldest model's state goes (a Map keeps insertion order). */
  private dropOldestScoped(): void {
    for (const k of this.states.keys()) {
      if (!isScopedSlot(k)) continue;
      this.states.delete(k);
      this.scoped--;
      return;
    }
  }

  /** Drops models' cooldowns that have ended (their probe is not sent: the model is simply active again). */
  private prune(now: number): void {
    for (const [k, s] of this.states) {
      if (isScopedSlot(k) && s.state === 'cooling' && s.until <= now) {
        this.states.delete(k);
        this.scoped--;
      }
    }
  }
}
