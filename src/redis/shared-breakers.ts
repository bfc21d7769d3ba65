import type { ProviderId } from '../providers/types';
import type { CircuitBreakers } from '../routing/circuit-breaker';
import { LuaScript } from './lua-script';
import type { RedisLink } from './redis-link';

export const CIRCUITS_CHANNEL = 'circuits';

/** A notice: circuit `k` now has `f` failures and opened at `at` (null: closed); or a reset of `r`. */
type Notice = { o: string; k: string; f: number; at: number | null } | { o: string; r: string | null };

// One failure on one circuit: count it, open (or re-open) at the threshold or on a failed
// half-open probe, tell the other instances, keep the record a while after the last failure.
// KEYS[1] circuit hash; ARGV: now, threshold, cooldown ms, channel, origin, circuit key.
const FAILURE = new LuaScript(`
local now = tonumber(ARGV[1])
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '-1')
local cooldown = tonumber(ARGV[3])
if (at >= 0 and now - at >= cooldown) or f >= tonumber(ARGV[2]) then
  at = now
  redis.call('HSET', KEYS[1], 'at', at)
end
redis.call('PEXPIRE', KEYS[1], cooldown * 10)
local notice = {o = ARGV[5], k = ARGV[6], f = f}
if at >= 0 then notice.at = at end
redis.call('PUBLISH', ARGV[4], cjson.encode(notice))
return {f, at}
`);

// A success on a circuit that had failures: closed everywhere.
const SUCCESS = new LuaScript(`
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], cjson.encode({o = ARGV[2], k = ARGV[3], f = 0}))
return 1
`);

/**
 * Circuit breakers shared through Redis, around the in-process registry. Decisions stay local
 * (`allow`, `available`, `state` read the local copy: no round trip). A healthy request's
 * success costs nothing either: only a success on a circuit that has failures here, and every
 * retryable failure, runs one script, which counts in Redis (so failures on A and B add up),
 * opens at the threshold and publishes the circuit's new state; every instance applies it to
 * its local copy. While Redis is down each instance counts on its own; on reconnection it
 * reads the shared circuits again. A half-open circuit lets one probe through per instance.
 */
export function shareBreakers(local: CircuitBreakers, link: RedisLink, warn?: (msg: string) => void): CircuitBreakers {
  const hashKey = (k: string) => link.key(`circuit:${k}`);
  const channel = link.key(CIRCUITS_CHANNEL);
  const failed = (err: unknown) => warn?.(`redis: circuit update failed: ${(err as Error).message}`);

  link.onNotice<Notice>(CIRCUITS_CHANNEL, (n) => {
    if ('r' in n) local.reset((n.r ?? undefined) as ProviderId | undefined);
    else local.restore(n.k, n.f, n.at ?? null);
  });

  const start = link.key('circuit:');
  /** The shared circuit records whose key starts with `circuit:<from>`. */
  const scan = async (from: string) => {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = (await link.send('SCAN', [cursor, 'MATCH', `${start}${from}*`, 'COUNT', '200'])) as [string, string[]];
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out;
  };
  /** Reads every shared circuit into the local copy (at start and after Redis comes back). */
  const sync = async () => {
    const seen = new Set<string>();
    {
      for (const full of await scan('')) {
        const [f, at] = (await link.send('HMGET', [full, 'f', 'at'])) as [string | null, string | null];
        const k = full.slice(start.length);
        seen.add(k);
        local.restore(k, Number(f ?? 0), at === null ? null : Number(at));
      }
    }
    // Circuits closed elsewhere while this instance was cut off.
    for (const k of local.heldKeys()) if (!seen.has(k)) local.restore(k, 0, null);
  };
  const syncQuietly = () => void sync().catch(failed);
  link.onUp(syncQuietly);

  return {
    ...local,
    onSuccess(provider, model) {
      const had = local.keysOf(provider, model).filter((k) => local.peek(k) !== null);
      local.onSuccess(provider, model);
      if (had.length === 0 || !link.isUp()) return;
      for (const k of had) SUCCESS.run(link, [hashKey(k)], [channel, link.origin, k]).catch(failed);
    },
    onFailure(provider, model) {
      local.onFailure(provider, model);
      if (!link.isUp()) return;
      const now = Date.now();
      for (const k of local.keysOf(provider, model)) {
        FAILURE.run(link, [hashKey(k)], [now, local.threshold, local.cooldownMs, channel, link.origin, k])
          .then(([f, at]: [number, number]) => local.restore(k, f, at < 0 ? null : at))
          .catch(failed);
      }
    },
    reset(provider) {
      local.reset(provider);
      if (!link.isUp()) return;
      // The shared records go first, then the notice: no instance reads a stale record back.
      void (async () => {
        const keys = (await scan(provider ?? '')).filter((full) => {
          const k = full.slice(start.length);
          return !provider || k === provider || k.startsWith(`${provider}/`);
        });
        if (keys.length) await link.send('DEL', keys);
        link.publish(CIRCUITS_CHANNEL, JSON.stringify({ o: link.origin, r: provider ?? null } satisfies Notice));
      })().catch(failed);
    },
  };
}
