import type { ProviderId } from '../providers/types';
import type { CircuitBreakers } from '../routing/circuit-breaker';
import { DataEpoch } from './data-epoch';
import { LuaScript } from './lua-script';
import type { RedisLink } from './redis-link';

export const CIRCUITS_CHANNEL = 'circuits';

/**
 * A notice: circuit `k` now has `f` failures and opened at `at` (null: closed); or a reset of `r`;
 * or the probe of circuit `k` went back unused (`free`).
 */
type Notice = { o: string; k: string; f: number; at: number | null } | { o: string; r: string | null } | { o: string; k: string; free: 1 };

// One failure on one circuit: count it, open (or re-open) at the threshold or on a failed
// half-open probe, tell the other instances, keep the record a window after the last failure.
// A provider's circuit (ARGV[8] 'p': one model's failure) opens at the threshold only once the
// failures show the provider failing as a whole ('w' set: a failure marked provider-wide ('w'),
// or a second model failing); a model's circuit ('m') at the threshold. An opening frees the probe.
// KEYS[1] circuit hash, KEYS[2] its probe; ARGV: now, threshold, cooldown ms, channel, origin,
// circuit key, window ms, kind ('m' | 'p' | 'w'), model.
const FAILURE = new LuaScript(`
local now = tonumber(ARGV[1])
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '-1')
local cooldown = tonumber(ARGV[3])
local kind = ARGV[8]
local opens = kind ~= 'p' or redis.call('HGET', KEYS[1], 'w') == '1'
if not opens then
  local first = redis.call('HGET', KEYS[1], 'm')
  if not first then redis.call('HSET', KEYS[1], 'm', ARGV[9]) elseif first ~= ARGV[9] then opens = true end
end
if opens and kind ~= 'm' then redis.call('HSET', KEYS[1], 'w', '1') end
if (at >= 0 and now - at >= cooldown) or (opens and f >= tonumber(ARGV[2])) then
  at = now
  redis.call('HSET', KEYS[1], 'at', at)
  redis.call('DEL', KEYS[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
local notice = {o = ARGV[5], k = ARGV[6], f = f}
if at >= 0 then notice.at = at end
redis.call('PUBLISH', ARGV[4], cjson.encode(notice))
return {f, at}
`);

// A success on a circuit that had failures: closed everywhere, its probe done.
// KEYS[1] circuit hash, KEYS[2] its probe.
const SUCCESS = new LuaScript(`
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[1], cjson.encode({o = ARGV[2], k = ARGV[3], f = 0}))
return 1
`);

// Claims the half-open probe of every circuit in KEYS (all or none): 1 when this instance holds
// them now, 0 when another does. A probe that never reports back is free after the cool-down.
// ARGV: origin, cooldown ms.
const CLAIM = new LuaScript(`
for i, k in ipairs(KEYS) do
  local holder = redis.call('GET', k)
  if holder and holder ~= ARGV[1] then return 0 end
end
for i, k in ipairs(KEYS) do redis.call('SET', k, ARGV[1], 'PX', ARGV[2]) end
return 1
`);

// Gives back the probe this instance holds (the request never reached the upstream) and tells
// the others, whose own copy marked it out. KEYS[1] the probe; ARGV: origin, channel, circuit key.
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], cjson.encode({o = ARGV[1], k = ARGV[3], free = 1}))
return 1
`);

// A circuit this instance opened while cut off from Redis, shared once Redis is back (unless it
// is open there already). KEYS[1] circuit hash; ARGV: failures, opened at, window ms, channel,
// origin, circuit key.
const SHARE_OPEN = new LuaScript(`
if redis.call('HGET', KEYS[1], 'at') then return 0 end
redis.call('HSET', KEYS[1], 'f', ARGV[1], 'at', ARGV[2], 'w', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], cjson.encode({o = ARGV[5], k = ARGV[6], f = tonumber(ARGV[1]), at = tonumber(ARGV[2])}))
return 1
`);

/** Shared circuits, plus the re-read of every shared record done on each (re)connection. */
export interface SharedBreakers extends CircuitBreakers {
  /** Reads every shared circuit into the local copy (what a reconnection does); resolves when done. */
  resync(): Promise<void>;
}

/**
 * Circuit breakers shared through Redis, around the in-process registry. Decisions stay local
 * (`allow`, `available`, `state` read the local copy: no round trip). A healthy request's
 * success costs nothing either: only a success on a circuit that has failures here, and every
 * retryable failure, runs one script, which counts in Redis (so failures on A and B add up),
 * opens at the threshold and publishes the circuit's new state; every instance applies it to
 * its local copy. While Redis is down each instance counts on its own; on reconnection it
 * reads the shared circuits again. A half-open circuit lets one probe through across instances:
 * the instance about to send it claims it in Redis first (one round trip, only then); the
 * others mark it out in their copy until its success, failure or release is published, or
 * a cool-down passed. While Redis is down each instance probes on its own.
 */
export function shareBreakers(local: CircuitBreakers, link: RedisLink, warn?: (msg: string) => void): SharedBreakers {
  const hashKey = (k: string) => link.key(`circuit:${k}`);
  // Not under `circuit:`: the scan of circuit records must not read probes.
  const probeKey = (k: string) => link.key(`circuit-probe:${k}`);
  const channel = link.key(CIRCUITS_CHANNEL);
  const failed = (err: unknown) => warn?.(`redis: circuit update failed: ${(err as Error).message}`);

  /** One set per sync reading the shared records (two may overlap): circuits that changed meanwhile (their record read may be older). */
  const reading = new Set<Set<string>>();
  const changed = (k: string) => {
    for (const set of reading) set.add(k);
  };
  /** Circuits that failed here while Redis was down (or the count did not reach it): shared on reconnection if open. */
  const unsent = new Set<string>();
  link.onNotice<Notice>(CIRCUITS_CHANNEL, (n) => {
    changed('k' in n ? n.k : '*');
    if ('r' in n) local.reset((n.r ?? undefined) as ProviderId | undefined);
    else if ('free' in n) local.setProbe(n.k, false);
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
    const mine = new Set<string>();
    reading.add(mine);
    try {
      // First what Redis missed: else the re-read would close here a circuit opened while cut off.
      for (const k of [...unsent]) {
        const b = local.peek(k);
        if (b?.openedAt != null) await SHARE_OPEN.run(link, [hashKey(k)], [b.failures, b.openedAt, local.failureWindowMs, channel, link.origin, k]);
        unsent.delete(k);
      }
      for (const full of await scan('')) {
        const [f, at] = (await link.send('HMGET', [full, 'f', 'at'])) as [string | null, string | null];
        const k = full.slice(start.length);
        seen.add(k);
        if (!mine.has(k)) local.restore(k, Number(f ?? 0), at === null ? null : Number(at));
      }
      // Circuits closed elsewhere while this instance was cut off; not those a notice or a request
      // changed during the scan (a failure counted after the scan passed its key is no stale copy).
      if (!mine.has('*')) for (const k of local.heldKeys()) if (!seen.has(k) && !mine.has(k)) local.restore(k, 0, null);
    } finally {
      reading.delete(mine);
    }
  };
  /**
   * A Redis that lost its data (restarted empty) holds none of the circuits: the open ones here are
   * the upstreams' answers, shared again before the re-read, which would otherwise close them here.
   */
  const epoch = new DataEpoch(link, 'circuit-epoch');
  const resendIfLost = async () => {
    if (await epoch.lost()) for (const k of local.heldKeys()) if (unsent.size < 10_000) unsent.add(k);
  };
  const syncQuietly = () => void resendIfLost().then(sync).catch(failed);
  link.onUp(syncQuietly);

  /** Keys of this target's circuits that are half-open in the local copy (a probe would be claimed). */
  const halfOpen = (provider: ProviderId, model?: string) => {
    const t = Date.now();
    return local.keysOf(provider, model).filter((k) => {
      const at = local.peek(k)?.openedAt;
      return at != null && t - at >= local.cooldownMs;
    });
  };
  const claim = async (keys: string[]) => {
    try {
      if ((await CLAIM.run(link, keys.map(probeKey), [link.origin, local.cooldownMs])) === 1) return true;
    } catch (err) {
      failed(err);
      return true; // Redis failing: probe as this instance alone would
    }
    // Another instance's probe is out: the local copy keeps it marked out (allow set it) until
    // that probe's end is published.
    return false;
  };

  return {
    ...local,
    allow(provider, model) {
      const half = halfOpen(provider, model);
      if (!local.allow(provider, model)) return false;
      if (half.length === 0 || !link.isUp()) return true;
      return claim(half);
    },
    release(provider, model) {
      const half = halfOpen(provider, model);
      local.release(provider, model);
      if (half.length === 0 || !link.isUp()) return;
      for (const k of half) RELEASE.run(link, [probeKey(k)], [link.origin, channel, k]).catch(failed);
    },
    onSuccess(provider, model) {
      const had = local.keysOf(provider, model).filter((k) => local.peek(k) !== null);
      for (const k of had) changed(k);
      local.onSuccess(provider, model);
      if (had.length === 0 || !link.isUp()) return;
      for (const k of had) SUCCESS.run(link, [hashKey(k), probeKey(k)], [channel, link.origin, k]).catch(failed);
    },
    onFailure(provider, model, kind = {}) {
      local.onFailure(provider, model, kind);
      for (const k of local.keysOf(provider, model)) changed(k);
      const missed = (k: string) => void (unsent.size < 10_000 && unsent.add(k));
      if (!link.isUp()) return local.keysOf(provider, model).forEach(missed);
      const now = Date.now();
      for (const k of local.keysOf(provider, model)) {
        const how = k.includes('/') ? 'm' : kind.providerWide || !model ? 'w' : 'p';
        FAILURE.run(link, [hashKey(k), probeKey(k)], [now, local.threshold, local.cooldownMs, channel, link.origin, k, local.failureWindowMs, how, model ?? ''])
          .then(([f, at]: [number, number]) => local.restore(k, f, at < 0 ? null : at))
          .catch((err) => {
            missed(k);
            failed(err);
          });
      }
    },
    resync: sync,
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
