import { MemoryKeyStateStore, type KeyState, type KeyStateStore } from '../key-pool/key-state-store';
import type { ProviderId } from '../providers/types';
import { LuaScript } from './lua-script';
import type { RedisLink } from './redis-link';

export const KEY_STATES_CHANNEL = 'key-states';

/** A key's state after a change, as every instance applies it (`s: active` = cleared). */
type Notice = { o: string; p: string; k: string; s: 'active' | 'cooling' | 'set_aside'; t: number };

// A 429: cooling until ARGV[1], unless set aside or already cooling longer (same rule as memory).
// KEYS[1] the key's hash; ARGV: until, now, channel, origin, provider, key id.
const COOL = new LuaScript(`
local s = redis.call('HGET', KEYS[1], 's')
local t = tonumber(redis.call('HGET', KEYS[1], 't') or '0')
local until_ = tonumber(ARGV[1])
if s == 'set_aside' or (s == 'cooling' and t >= until_) then return {s, t} end
redis.call('HSET', KEYS[1], 's', 'cooling', 't', until_)
redis.call('PEXPIREAT', KEYS[1], until_)
redis.call('PUBLISH', ARGV[3], cjson.encode({o = ARGV[4], p = ARGV[5], k = ARGV[6], s = 'cooling', t = until_}))
return {'cooling', until_}
`);

// A 401/403: set aside until an admin clears it (no expiry).
const SET_ASIDE = new LuaScript(`
redis.call('HSET', KEYS[1], 's', 'set_aside', 't', ARGV[1])
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
 * serves alone; at start and after Redis comes back the mirror is read again from Redis.
 */
export class RedisKeyStateStore implements KeyStateStore {
  private readonly mirror = new MemoryKeyStateStore();
  /** Keys the mirror holds a state for (`provider:keyId`), so a resync can clear the ones gone from Redis. */
  private readonly held = new Map<string, [ProviderId, string]>();
  private readonly start: string;

  constructor(
    private readonly link: RedisLink,
    private readonly warn?: (msg: string) => void,
  ) {
    this.start = link.key('key-state:');
    link.onNotice<Notice>(KEY_STATES_CHANNEL, (n) => {
      this.apply(n.p as ProviderId, n.k, n.s, n.t);
    });
    link.onUp(() => this.syncQuietly());
  }

  get(provider: ProviderId, keyId: string, now: number): KeyState {
    return this.mirror.get(provider, keyId, now);
  }

  coolUntil(provider: ProviderId, keyId: string, until: number): void {
    this.hold(provider, keyId);
    this.mirror.coolUntil(provider, keyId, until);
    this.run(COOL, provider, keyId, [until, Date.now(), this.channel, this.link.origin, provider, keyId]);
  }

  setAside(provider: ProviderId, keyId: string, now: number): void {
    this.hold(provider, keyId);
    this.mirror.setAside(provider, keyId, now);
    this.run(SET_ASIDE, provider, keyId, [now, this.channel, this.link.origin, provider, keyId]);
  }

  clear(provider: ProviderId, keyId: string): void {
    this.held.delete(`${provider}:${keyId}`);
    this.mirror.clear(provider, keyId);
    this.run(CLEAR, provider, keyId, [this.channel, this.link.origin, provider, keyId]);
  }

  private get channel(): string {
    return this.link.key(KEY_STATES_CHANNEL);
  }

  private hashKey(provider: string, keyId: string): string {
    return `${this.start}${provider}:${keyId}`;
  }

  private run(script: LuaScript, provider: ProviderId, keyId: string, args: (string | number)[]): void {
    if (!this.link.isUp()) return;
    script.run(this.link, [this.hashKey(provider, keyId)], args).catch((err) => this.warn?.(`redis: key state update failed: ${(err as Error).message}`));
  }

  private hold(provider: ProviderId, keyId: string): void {
    if (this.held.size < 100_000) this.held.set(`${provider}:${keyId}`, [provider, keyId]);
  }

  private apply(provider: ProviderId, keyId: string, s: Notice['s'], t: number): void {
    if (s === 'active') {
      this.held.delete(`${provider}:${keyId}`);
      this.mirror.clear(provider, keyId);
      return;
    }
    this.hold(provider, keyId);
    if (s === 'cooling') this.mirror.coolUntil(provider, keyId, t);
    else this.mirror.setAside(provider, keyId, t);
  }

  private syncQuietly(): void {
    this.sync().catch((err) => this.warn?.(`redis: reading key states failed: ${(err as Error).message}`));
  }

  /** Reads every shared key state into the mirror. */
  private async sync(): Promise<void> {
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = (await this.link.send('SCAN', [cursor, 'MATCH', `${this.start}*`, 'COUNT', '200'])) as [string, string[]];
      cursor = next;
      for (const full of keys) {
        const [s, t] = (await this.link.send('HMGET', [full, 's', 't'])) as [string | null, string | null];
        const rest = full.slice(this.start.length);
        const at = rest.indexOf(':');
        if (at < 0 || (s !== 'cooling' && s !== 'set_aside')) continue;
        seen.add(rest);
        this.apply(rest.slice(0, at) as ProviderId, rest.slice(at + 1), s, Number(t ?? 0));
      }
    } while (cursor !== '0');
    // Cleared (or expired) elsewhere while this instance was cut off.
    for (const [k, [provider, keyId]] of [...this.held]) {
      if (!seen.has(k)) {
        this.held.delete(k);
        this.mirror.clear(provider, keyId);
      }
    }
  }
}
