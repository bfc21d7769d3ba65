import type { ProviderId } from '../providers/types';

/** What the pool knows of one key: usable, cooling after a 429 or a 402, or set aside after a 401/403. */
export type KeyState =
  | { state: 'active' }
  | { state: 'cooling'; until: number }
  | { state: 'set_aside'; since: number };

/**
 * Where key states live. The memory implementation serves a single instance; a shared one
 * (Redis, for several instances) implements the same calls. Reads are synchronous because they
 * run on every request: a shared store is expected to keep a local mirror.
 */
export interface KeyStateStore {
  get(provider: ProviderId, keyId: string, now: number): KeyState;
  coolUntil(provider: ProviderId, keyId: string, until: number): void;
  setAside(provider: ProviderId, keyId: string, now: number): void;
  /** Back to active (an admin added or changed the key). */
  clear(provider: ProviderId, keyId: string): void;
}

const ACTIVE: KeyState = { state: 'active' };

/** Key states in a Map; a set-aside key stays so until `clear` or a restart. */
export class MemoryKeyStateStore implements KeyStateStore {
  private readonly states = new Map<string, Exclude<KeyState, { state: 'active' }>>();

  get(provider: ProviderId, keyId: string, now: number): KeyState {
    const s = this.states.get(`${provider}\0${keyId}`);
    if (!s) return ACTIVE;
    if (s.state === 'cooling' && s.until <= now) {
      this.states.delete(`${provider}\0${keyId}`);
      return ACTIVE;
    }
    return s;
  }

  coolUntil(provider: ProviderId, keyId: string, until: number): void {
    const k = `${provider}\0${keyId}`;
    const s = this.states.get(k);
    // A set-aside key stays set aside; of two cooldowns the later end wins.
    if (s?.state === 'set_aside' || (s?.state === 'cooling' && s.until >= until)) return;
    this.states.set(k, { state: 'cooling', until });
  }

  setAside(provider: ProviderId, keyId: string, now: number): void {
    this.states.set(`${provider}\0${keyId}`, { state: 'set_aside', since: now });
  }

  clear(provider: ProviderId, keyId: string): void {
    this.states.delete(`${provider}\0${keyId}`);
  }
}
