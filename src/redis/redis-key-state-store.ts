import { MAX_SCOPED_STATES, MemoryKeyStateStore, type KeyState, type KeyStateStore } from '../key-pool/key-state-store';
import type { ProviderId } from '../providers/types';
import { DataEpoch } from './data-epoch';
import { LuaScript } from './lua-script';
import type { RedisLink } from './redis-link';

export const KEY_STATES_CHANNEL = 'key-states';

/** A key's state after a change, as every instance applies it (`s: active` = cleared; `probing`: a probe's hold until `t`). */
type Notice = { o: string; p: string; k: string; s: 'active' | 'cooling' | 'set_aside' | 'probing'; t: number };

/**
 * How long a cooldown's record outlives its end: an instance re-reading Redis then still sees the
 * key as a probe due (one request tries it) rather than as active (every request at once).
 */
const ENDED_KEPT_MS = 600_000;
/** Slots `held` names at most: the mirror's models' and the keys' own, with room for those it pruned. */
const HELD_MAX = 2 * MAX_SCOPED_STATES;

// A 429: cooling until ARGV[1], unless set aside or already cooling longer (same rule as memory:
// a probe's hold, field p = 1, always gives way). KEYS[1] the key's hash; ARGV: until, now, channel, origin, provider, key id.
const COOL = new LuaScript(`
local v = redis.call('HMGET', KEYS[1], 's', 't', 'p')
local s = v[1]
local t = tonumber(v[2] or '0')
local until_ = tonumber(ARGV[1])
if s == 'set_aside' or (s == 'cooling' and v[3] ~= '1' and t >= until_) then return {s, t} end
redis.call('HSET', KEYS[1], 's', 'cooling', 't', until_, 'p', '0')
redis.call('PEXPIREAT', KEYS[1], math.floor(until_) + ${ENDED_KEPT_MS})
redis.call('PUBLISH', ARGV[3], cjson.encode({o = ARGV[4], p = ARGV[5], k = ARGV[6], s = 'cooling', t = until_}))
return {'cooling', until_}
`);

// The probe of a key whose cooldown ended (or whose record expired): one instance claims it and
// holds the key until ARGV[1]; a claim already made, a new cooldown or a set-aside key is answered
// instead, as {state, t, p}. ARGV: hold end, now, channel, origin, provider, key id.
const PROBE = new LuaScript(`
local v = redis.call('HMGET', KEYS[1], 's', 't', 'p')
local t = tonumber(v[2] or '0')
if v[1] == 'set_aside' or (v[1] == 'cooling' and t > tonumber(ARGV[2])) then return {v[1], t, v[3] or '0'} end
local hold = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 's', 'cooling', 't', hold, 'p', '1')
redis.call('PEXPIREAT', KEYS[1], math.floor(hold) + ${ENDED_KEPT_MS})
redis.call('PUBLISH', ARGV[3], cjson.encode({o = ARGV[4], p = ARGV[5], k = ARGV[6], s = 'probing', t = hold}))
return {'cooling', hold, '1'}
`);

// A probe answered: its hold ends (the key is active), unless a cooldown replaced it meanwhile; a
// success sent at ARGV[5] (-1: no success) also ends a set-aside older than it.
// ARGV: channel, origin, provider, key id, ok since.
const ANSWERED = new LuaScript(`
local v = redis.call('HMGET', KEYS[1], 's', 't', 'p')
local since = tonumber(ARGV[5])
local probe = v[1] == 'cooling' and v[3] == '1'
local back = v[1] == 'set_aside' and since >= 0 and tonumber(v[2]) < since
if not probe and not back then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], cjson.encode({o = ARGV[2], p = ARGV[3], k = ARGV[4], s = 'active', t = 0}))
return 1
`);

// A 401/403: set aside until an admin clears it (no expiry).
const SET_ASIDE = new LuaScript(`
redis.call('HSET', KEYS[1], 's', 'set_aside', 't', ARGV[1], 'p', '0')
redis.call('PERSIST', KEYS[1])
redis.call('PUBLISH', ARGV[2], cjson.encode({o = ARGV[3], p = ARGV[4], k = ARGV[5], s = 'set_aside', t = tonumber(ARGV[1])}))
return 1
`);

const CLEAR = new LuaScript(`
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], cjson.encode({o = ARGV[2], p = ARGV[3], k = ARGV[4], s = 'active', t = 0}))
return 1
`);

/**
 * Provider-key cooldowns and set-aside keys shared through Redis. Reads stay synchronous and
 * local (a memory mirror, as the pool reads on every request); each change is applied here at
 * once, then by one script in Redis (which keeps the later cooldown and never un-sets a set-aside
 * key) that publishes the outcome to every instance's mirror. While Redis is down the mirror
 * serves alone and keeps what Redis missed; at start and after Redis comes back that is sent,
 * then the mirror is read again from Redis (keys changed during that read keep their newer state).
 */
export class RedisKeyStateStore implements KeyStateStore {
  private readonly mirror = new MemoryKeyStateStore();
  /** Keys the mirror holds a state for (`provider:keyId`), so a resync can clear the ones gone from Redis. */
  private readonly held = new Map<string, [ProviderId, string]>();
  /**
   * Changes made here that Redis has not taken (it was down, or the write failed), by key: sent
   * again on reconnection before the re-read, which would otherwise undo them here and leave the
   * other instances without them. `state` sends the mirror's state then (an expired cooldown: nothing).
   */
  private readonly unsent = new Map<string, { p: ProviderId; k: string; op: 'state' | 'clear' }>();
  /** One set per sync reading Redis (two may overlap): keys changed meanwhile by a notice or here (their record read may be older). */
  private readonly reading = new Set<Set<string>>();
  private readonly start: string;
  private readonly epoch: DataEpoch;

  constructor(
    private readonly link: RedisLink,
    private readonly warn?: (msg: string) => void,
  ) {
    this.start = link.key('key-state:');
    this.epoch = new DataEpoch(link, 'key-state-epoch');
    link.onNotice<Notice>(KEY_STATES_CHANNEL, (n) => {
      this.changed(`${n.p}:${n.k}`);
      this.apply(n.p as ProviderId, n.k, n.s, n.t);
    });
    link.onUp(() => this.syncQuietly());
  }

  get(provider: ProviderId, keyId: string, now: number): KeyState {
    return this.mirror.get(provider, keyId, now);
  }

  /** Bounded as the mirror is: a model's slot the mirror had no room for would not be shared either. */
  coolUntil(provider: ProviderId, keyId: string, until: number, now = Date.now()): boolean {
    if (!this.mirror.coolUntil(provider, keyId, until, now)) return false;
    this.hold(provider, keyId);
    this.run(COOL, provider, keyId, 'state', [until, Date.now(), this.channel, this.link.origin, provider, keyId]);
    return true;
  }

  setAside(provider: ProviderId, keyId: string, now: number): boolean {
    if (!this.mirror.setAside(provider, keyId, now)) return false;
    this.hold(provider, keyId);
    this.run(SET_ASIDE, provider, keyId, 'state', [now, this.channel, this.link.origin, provider, keyId]);
    return true;
  }

  /**
   * Claimed here at once (reads are local), then in Redis: two instances may each send a probe in
   * the moment before the claim reaches the other, never every request of each.
   */
  claimProbe(provider: ProviderId, keyId: string, now: number, holdUntil: number): boolean {
    if (!this.mirror.claimProbe(provider, keyId, now, holdUntil)) return false;
    this.hold(provider, keyId);
    const k = `${provider}:${keyId}`;
    this.changed(k);
    if (!this.link.isUp()) return true;
    PROBE.run(this.link, [this.hashKey(provider, keyId)], [holdUntil, now, this.channel, this.link.origin, provider, keyId])
      .then((r) => {
        const [s, t, p] = r as [string, number | string, string];
        // Another instance's claim, a new cooldown or a set-aside key: the mirror takes it.
        if (Number(t) !== holdUntil) this.apply(provider, keyId, s === 'cooling' && p === '1' ? 'probing' : (s as Notice['s']), Number(t));
      })
      .catch((err) => this.warn?.(`redis: key probe claim failed: ${(err as Error).message}`));
    return true;
  }

  answered(provider: ProviderId, keyId: string, okSince?: number): void {
    // Most answers find nothing to end: no Redis call then. Missed while Redis was down, it is not
    // sent later (`state`: active sends nothing): an unconditional clear then could undo a cooldown
    // another instance set meanwhile; a probe's hold left in Redis ends by itself.
    if (!this.mirror.answered(provider, keyId, okSince)) return;
    this.held.delete(`${provider}:${keyId}`);
    this.run(ANSWERED, provider, keyId, 'state', [this.channel, this.link.origin, provider, keyId, okSince ?? -1]);
  }

  slotsOf(provider: ProviderId, keyId: string): string[] {
    return this.mirror.slotsOf(provider, keyId);
  }

  empty(): boolean {
    return this.mirror.empty();
  }

  /** The key's own slot and every model's slot this instance knows of (each instance hears of all of them). */
  clear(provider: ProviderId, keyId: string): void {
    const slots = new Set([keyId, ...this.mirror.slotsOf(provider, keyId)]);
    for (const [k, [p, slot]] of this.held) if (p === provider && k.startsWith(`${provider}:${keyId}#`)) slots.add(slot);
    for (const slot of slots) {
      this.held.delete(`${provider}:${slot}`);
      this.mirror.drop(provider, slot);
      this.run(CLEAR, provider, slot, 'clear', [this.channel, this.link.origin, provider, slot]);
    }
  }

  private get channel(): string {
    return this.link.key(KEY_STATES_CHANNEL);
  }

  private hashKey(provider: string, keyId: string): string {
    return `${this.start}${provider}:${keyId}`;
  }

  private run(script: LuaScript, provider: ProviderId, keyId: string, op: 'state' | 'clear', args: (string | number)[]): void {
    const k = `${provider}:${keyId}`;
    this.changed(k);
    // The latest local change is the one to send; an older unsent one is superseded.
    this.unsent.delete(k);
    if (!this.link.isUp()) {
      if (this.unsent.size < 100_000) this.unsent.set(k, { p: provider, k: keyId, op });
      return;
    }
    script.run(this.link, [this.hashKey(provider, keyId)], args).catch((err) => {
      if (!this.unsent.has(k) && this.unsent.size < 100_000) this.unsent.set(k, { p: provider, k: keyId, op });
      this.warn?.(`redis: key state update failed: ${(err as Error).message}`);
    });
  }

  /** Sends Redis the changes it missed (see `unsent`); those it refuses again stay for the next try. */
  private async sendUnsent(): Promise<void> {
    for (const [k, u] of [...this.unsent]) {
      const s = this.mirror.get(u.p, u.k, Date.now());
      const args: [LuaScript, (string | number)[]] | null =
        u.op === 'clear'
          ? [CLEAR, [this.channel, this.link.origin, u.p, u.k]]
          : s.state === 'cooling'
            ? [COOL, [s.until, Date.now(), this.channel, this.link.origin, u.p, u.k]]
            : s.state === 'set_aside'
              ? [SET_ASIDE, [s.since, this.channel, this.link.origin, u.p, u.k]]
              : null;
      if (args) await args[0].run(this.link, [this.hashKey(u.p, u.k)], args[1]);
      if (this.unsent.get(k) === u) this.unsent.delete(k);
    }
  }

  /**
   * Past HELD_MAX, the slots the mirror no longer holds (a model's cooldown it pruned) are
   * forgotten first: clients naming ever new models would otherwise fill it to HELD_MAX for good.
   */
  private hold(provider: ProviderId, keyId: string): void {
    if (this.held.size >= HELD_MAX) for (const [k, [p, slot]] of this.held) if (!this.mirror.holds(p, slot)) this.held.delete(k);
    if (this.held.size < HELD_MAX) this.held.set(`${provider}:${keyId}`, [provider, keyId]);
  }

  private apply(provider: ProviderId, keyId: string, s: Notice['s'], t: number): void {
    if (s === 'active') {
      this.held.delete(`${provider}:${keyId}`);
      this.mirror.drop(provider, keyId);
      return;
    }
    this.hold(provider, keyId);
    if (s === 'cooling') this.mirror.coolUntil(provider, keyId, t);
    else if (s === 'probing') this.mirror.holdProbe(provider, keyId, t);
    else this.mirror.setAside(provider, keyId, t);
  }

  private syncQuietly(): void {
    void this.resync().catch((err) => this.warn?.(`redis: reading key states failed: ${(err as Error).message}`));
  }

  /** What a (re)connection does: sends the changes Redis missed, then reads every shared key state into the mirror. */
  async resync(): Promise<void> {
    const mine = new Set<string>();
    this.reading.add(mine);
    try {
      // A Redis that lost its data (restarted empty) holds none of the states: those here are the
      // providers' answers, sent again before the re-read, which would otherwise drop them here.
      if (await this.epoch.lost()) for (const [k, [p, keyId]] of this.held) if (!this.unsent.has(k) && this.unsent.size < 100_000) this.unsent.set(k, { p, k: keyId, op: 'state' });
      await this.sendUnsent();
      await this.sync(mine);
    } finally {
      this.reading.delete(mine);
    }
  }

  private changed(k: string): void {
    for (const set of this.reading) set.add(k);
  }

  /** Reads every shared key state into the mirror, except keys changed during the read (`mine`) or not yet sent. */
  private async sync(mine: Set<string>): Promise<void> {
    const seen = new Set<string>();
    const fresh = (k: string) => !mine.has(k) && !this.unsent.has(k);
    let cursor = '0';
    do {
      const [next, keys] = (await this.link.send('SCAN', [cursor, 'MATCH', `${this.start}*`, 'COUNT', '200'])) as [string, string[]];
      cursor = next;
      for (const full of keys) {
        const [s, t, p] = (await this.link.send('HMGET', [full, 's', 't', 'p'])) as [string | null, string | null, string | null];
        const rest = full.slice(this.start.length);
        const at = rest.indexOf(':');
        if (at < 0 || (s !== 'cooling' && s !== 'set_aside')) continue;
        seen.add(rest);
        if (fresh(rest)) this.apply(rest.slice(0, at) as ProviderId, rest.slice(at + 1), s === 'cooling' && p === '1' ? 'probing' : s, Number(t ?? 0));
      }
    } while (cursor !== '0');
    // Cleared (or expired) elsewhere while this instance was cut off; not a key changed during the
    // read (set aside elsewhere after the scan passed it) nor one Redis has not taken yet.
    for (const [k, [provider, keyId]] of [...this.held]) {
      if (!seen.has(k) && fresh(k)) {
        this.held.delete(k);
        this.mirror.drop(provider, keyId);
      }
    }
  }
}
