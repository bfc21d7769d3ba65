import { ApiError } from '../errors/api-error';
import { LuaScript } from '../redis/lua-script';
import type { RedisLink } from '../redis/redis-link';
import { periodKey } from './budget-period';
import type { Actual, AdmitInput, Admission, LimitCounters, RefusalReason } from './limit-counters';
import type { ScopeLimits } from './limit-types';
import { MemoryLimitCounters } from './memory-limit-counters';
import type { RateInfo } from './rate-headers';

/** Thrown by `admit` in fail mode `closed` while Redis is unreachable: the key's request gets 503. */
export class LimitsUnavailableError extends ApiError {
  constructor() {
    super(503, 'Limits cannot be checked right now: the shared counters (Redis) are unreachable. Try again shortly.', 'api_error', 'limits_unavailable', null, { 'retry-after': '1' });
  }
}

const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
const secs = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
/** Pending settles and charges kept while Redis is down, at most. */
const MAX_PENDING = 10_000;

// Shared by the scripts. Keys: <P>lim:<scope>:st (hash: inflight, reserved, tsum, period, spend),
// <P>lim:<scope>:req (zset of admissions in the last minute), <P>lim:<scope>:tok (zset of token
// entries) with <P>lim:<scope>:tokn (their counts), <P>lim:res:<request id> (a reservation),
// <P>lim:resv (zset of reservations by time, for the stale sweep).
const COMMON = `
local WINDOW = 60000
local STALE = 3600000
local P = ARGV[1]
local function num(v) return tonumber(v) or 0 end
local function prune(S, edge)
  redis.call('ZREMRANGEBYSCORE', S..':req', '-inf', edge)
  local old = redis.call('ZRANGEBYSCORE', S..':tok', '-inf', edge, 'LIMIT', 0, 1000)
  while #old > 0 do
    local ns = redis.call('HMGET', S..':tokn', unpack(old))
    local sub = 0
    for _, v in ipairs(ns) do sub = sub + num(v) end
    redis.call('HDEL', S..':tokn', unpack(old))
    redis.call('ZREM', S..':tok', unpack(old))
    redis.call('HINCRBY', S..':st', 'tsum', -sub)
    old = redis.call('ZRANGEBYSCORE', S..':tok', '-inf', edge, 'LIMIT', 0, 1000)
  end
end
local function settle(id, cost, tokens)
  local R = P..'lim:res:'..id
  local h = redis.call('HGETALL', R)
  if #h == 0 then return 0 end
  local r = {}
  for i = 1, #h, 2 do r[h[i]] = h[i + 1] end
  local worst = num(r.worst)
  for i = 1, num(r.n) do
    local S = r['s'..i]
    local st = S..':st'
    if redis.call('HINCRBY', st, 'inflight', -1) < 0 then redis.call('HSET', st, 'inflight', 0) end
    if tonumber(redis.call('HINCRBYFLOAT', st, 'reserved', -worst)) < 0 then redis.call('HSET', st, 'reserved', 0) end
    if redis.call('HGET', st, 'period') == r['p'..i] then redis.call('HINCRBYFLOAT', st, 'spend', cost) end
    if r['t'..i] == '1' then
      local est = tonumber(redis.call('HGET', S..':tokn', id))
      if est then
        redis.call('HSET', S..':tokn', id, tokens)
        redis.call('HINCRBY', st, 'tsum', tokens - est)
      end
    end
  end
  redis.call('DEL', R)
  redis.call('ZREM', P..'lim:resv', id)
  if r.o then redis.call('SREM', P..'lim:held:'..r.o, id) end
  return 1
end
`;

// ARGV: P, now, request id, worst USD, tokens, n, then per scope: key, rpm, tpm, max_parallel,
// budget (-1: none), period key; last the instance's origin. Returns {ok, reason, scope index, retry ms (-1: none), tsum,
// spend, reserved, req limit, req remaining, req reset, tok limit, tok remaining, tok reset}.
const ADMIT = new LuaScript(`${COMMON}
local now = tonumber(ARGV[2])
local id = ARGV[3]
local worst = tonumber(ARGV[4])
local tokens = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local EPS = 1e-9
local stale = redis.call('ZRANGEBYSCORE', P..'lim:resv', '-inf', now - STALE, 'LIMIT', 0, 20)
for _, rid in ipairs(stale) do settle(rid, 0, 0) end
local sc = {}
for i = 1, n do
  local b = 6 + (i - 1) * 6
  sc[i] = { S = P..'lim:'..ARGV[b + 1], rpm = tonumber(ARGV[b + 2]), tpm = tonumber(ARGV[b + 3]), mp = tonumber(ARGV[b + 4]), budget = tonumber(ARGV[b + 5]), pk = ARGV[b + 6] }
end
local function rate()
  local rl, rr, rt, tl, tr, tt = -1, 0, 0, -1, 0, 0
  for i = 1, n do
    local s = sc[i]
    if s.rpm >= 0 then
      local c = redis.call('ZCARD', s.S..':req')
      local rem = s.rpm - c
      local reset = 0
      if c > 0 then reset = tonumber(redis.call('ZRANGE', s.S..':req', -1, -1, 'WITHSCORES')[2]) + WINDOW - now end
      if rl < 0 or rem < rr then rl, rr, rt = s.rpm, rem, reset end
    end
    if s.tpm >= 0 then
      local rem = s.tpm - num(redis.call('HGET', s.S..':st', 'tsum'))
      local last = redis.call('ZRANGE', s.S..':tok', -1, -1, 'WITHSCORES')
      local reset = 0
      if #last > 0 then reset = tonumber(last[2]) + WINDOW - now end
      if tl < 0 or rem < tr then tl, tr, tt = s.tpm, rem, reset end
    end
  end
  return rl, rr, rt, tl, tr, tt
end
local function refuse(i, reason, wait, tsum, spend, reserved)
  local rl, rr, rt, tl, tr, tt = rate()
  return {0, reason, i, wait, tsum, tostring(spend), tostring(reserved), rl, rr, rt, tl, tr, tt}
end
for i = 1, n do
  local s = sc[i]
  local st = s.S..':st'
  prune(s.S, now - WINDOW)
  if redis.call('HGET', st, 'period') ~= s.pk then redis.call('HSET', st, 'period', s.pk, 'spend', 0) end
  local v = redis.call('HMGET', st, 'inflight', 'tsum', 'spend', 'reserved')
  local inflight, tsum, spend, reserved = num(v[1]), num(v[2]), num(v[3]), num(v[4])
  if s.mp >= 0 and inflight >= s.mp then return refuse(i, 'parallel', -1, tsum, spend, reserved) end
  if s.rpm >= 0 then
    local c = redis.call('ZCARD', s.S..':req')
    if c >= s.rpm then
      local wait = WINDOW
      local oldest = redis.call('ZRANGE', s.S..':req', 0, 0, 'WITHSCORES')
      if #oldest > 0 then wait = tonumber(oldest[2]) + WINDOW - now end
      return refuse(i, 'rpm', wait, tsum, spend, reserved)
    end
  end
  if s.tpm >= 0 and tsum + tokens > s.tpm then
    if tokens > s.tpm then return refuse(i, 'tpm', -1, tsum, spend, reserved) end
    local entries = redis.call('ZRANGE', s.S..':tok', 0, -1, 'WITHSCORES')
    local freed, wait = 0, WINDOW
    for j = 1, #entries, 2 do
      freed = freed + num(redis.call('HGET', s.S..':tokn', entries[j]))
      if tsum - freed + tokens <= s.tpm then
        wait = tonumber(entries[j + 1]) + WINDOW - now
        break
      end
    end
    return refuse(i, 'tpm', wait, tsum, spend, reserved)
  end
  if s.budget >= 0 and (spend >= s.budget - EPS or spend + reserved + worst > s.budget + EPS) then
    return refuse(i, 'budget', -1, tsum, spend, reserved)
  end
end
local R = P..'lim:res:'..id
local origin = ARGV[#ARGV]
redis.call('HSET', R, 'n', n, 'worst', tostring(worst), 'at', now, 'o', origin)
redis.call('SADD', P..'lim:held:'..origin, id)
for i = 1, n do
  local s = sc[i]
  local st = s.S..':st'
  redis.call('HINCRBY', st, 'inflight', 1)
  redis.call('HINCRBYFLOAT', st, 'reserved', worst)
  local t = 0
  if s.rpm >= 0 then
    redis.call('ZADD', s.S..':req', now, id)
    redis.call('PEXPIRE', s.S..':req', WINDOW * 2)
  end
  if s.tpm >= 0 then
    redis.call('ZADD', s.S..':tok', now, id)
    redis.call('HSET', s.S..':tokn', id, tokens)
    redis.call('HINCRBY', st, 'tsum', tokens)
    redis.call('PEXPIRE', s.S..':tok', WINDOW * 2)
    redis.call('PEXPIRE', s.S..':tokn', WINDOW * 2)
    t = 1
  end
  redis.call('HSET', R, 's'..i, s.S, 'p'..i, s.pk, 't'..i, t)
end
redis.call('PEXPIRE', R, STALE * 2)
redis.call('ZADD', P..'lim:resv', now, id)
local rl, rr, rt, tl, tr, tt = rate()
local out = {1, '', 0, -1, 0, '0', '0', rl, rr, rt, tl, tr, tt}
-- Each scope's spend, so an instance can start its own budgets from it if Redis goes away.
for i = 1, n do out[13 + i] = tostring(num(redis.call('HGET', sc[i].S..':st', 'spend'))) end
return out
`);

// An instance that stopped beating (killed, or cut off for good): its reservations are freed
// (settled at zero) so its slots and reserved USD do not wait for the one-hour sweep.
// ARGV: P, this instance's origin, its heartbeat TTL ms.
const HEARTBEAT = new LuaScript(`${COMMON}
redis.call('SET', P..'lim:alive:'..ARGV[2], '1', 'PX', ARGV[3])
redis.call('SADD', P..'lim:instances', ARGV[2])
local freed = 0
for _, o in ipairs(redis.call('SMEMBERS', P..'lim:instances')) do
  if redis.call('EXISTS', P..'lim:alive:'..o) == 0 then
    for _, id in ipairs(redis.call('SMEMBERS', P..'lim:held:'..o)) do freed = freed + settle(id, 0, 0) end
    redis.call('DEL', P..'lim:held:'..o)
    redis.call('SREM', P..'lim:instances', o)
  end
end
return freed
`);

// ARGV: P, request id, cost, tokens.
const SETTLE = new LuaScript(`${COMMON}
return settle(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
`);

// ARGV: P, now, cost, tokens, entry id, n, then per scope: key, tpm (-1: none), current period key, the period key of actual.at.
const CHARGE = new LuaScript(`${COMMON}
local now = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
local id = ARGV[5]
for i = 1, tonumber(ARGV[6]) do
  local b = 6 + (i - 1) * 4
  local S = P..'lim:'..ARGV[b + 1]
  local st = S..':st'
  prune(S, now - WINDOW)
  if redis.call('HGET', st, 'period') ~= ARGV[b + 3] then redis.call('HSET', st, 'period', ARGV[b + 3], 'spend', 0) end
  if ARGV[b + 3] == ARGV[b + 4] then redis.call('HINCRBYFLOAT', st, 'spend', cost) end
  if tonumber(ARGV[b + 2]) >= 0 and tokens > 0 then
    redis.call('ZADD', S..':tok', now, id)
    redis.call('HSET', S..':tokn', id, tokens)
    redis.call('HINCRBY', st, 'tsum', tokens)
    redis.call('PEXPIRE', S..':tok', WINDOW * 2)
    redis.call('PEXPIRE', S..':tokn', WINDOW * 2)
  end
end
return 1
`);

// ARGV: P, scope key, period key, amount.
const SEED = new LuaScript(`${COMMON}
local st = P..'lim:'..ARGV[2]..':st'
if redis.call('HGET', st, 'period') == ARGV[3] then return 0 end
redis.call('HSET', st, 'period', ARGV[3], 'spend', ARGV[4])
return 1
`);

const opt = (n: number | null) => (n === null ? -1 : n);

/**
 * Limit counters in Redis, for several instances: one Lua script per `admit` (check every scope,
 * then reserve in all or none) and one per `settle`, so RPM, TPM, max_parallel and budgets are
 * exact across instances. The clock is the caller's (`now`), as in memory.
 *
 * Redis unreachable:
 * - `open`: each instance enforces from its own in-memory counters (budgets start from the spend
 *   it last saw in Redis); what those requests spend and use is charged to Redis once it is back,
 *   and settles of Redis reservations made while it was down are sent then too;
 * - `closed`: `admit` throws a 503 (LimitsUnavailableError) for limited keys until Redis is back.
 */
export class RedisLimitCounters implements LimitCounters {
  private readonly local = new MemoryLimitCounters();
  /** Requests admitted by the local counters (Redis was down), with their scopes. */
  private readonly localAdmits = new Map<string, readonly ScopeLimits[]>();
  /** Requests this instance admitted through Redis: only their rows settle there (a key without limits costs no round trip). */
  private readonly redisAdmits = new Set<string>();
  /** Work for Redis that came while it was down. */
  private readonly pending: (() => Promise<unknown>)[] = [];
  /** Spend last read from Redis per scope and period, to start local budgets from. */
  private readonly lastSpend = new Map<string, { pk: string; spend: number }>();
  private dropped = 0;

  constructor(
    private readonly link: RedisLink,
    readonly failMode: 'open' | 'closed',
    private readonly warn?: (msg: string) => void,
    /** Heartbeat period; an instance silent for `deadAfterMs` has its reservations freed by the others. */
    private readonly beat = { everyMs: 2_000, deadAfterMs: 10_000 },
  ) {
    link.onUp(() => void this.flush());
    const timer = setInterval(() => {
      if (link.isClosed()) return clearInterval(timer);
      if (!link.isUp()) return;
      HEARTBEAT.run(link, [], [link.prefix, link.origin, beat.deadAfterMs]).catch(() => {});
    }, beat.everyMs);
    (timer as { unref?: () => void }).unref?.();
  }

  admit(input: AdmitInput): Admission | Promise<Admission> {
    if (!this.link.isUp()) return this.admitLocally(input);
    const args: (string | number)[] = [this.link.prefix, input.now, input.requestId, input.worstCostUsd, input.tokens, input.scopes.length];
    for (const s of input.scopes) args.push(s.key, opt(s.rpm), opt(s.tpm), opt(s.maxParallel), opt(s.budgetUsd), periodKey(s.period, input.now));
    args.push(this.link.origin);
    return ADMIT.run(this.link, [], args).then(
      (r: unknown[]) => {
        const a = this.admission(input, r);
        if (a.ok) {
          // Bounded: a request whose row never came must not grow this for ever (Redis sweeps it after an hour).
          if (this.redisAdmits.size >= 100_000) this.redisAdmits.delete(this.redisAdmits.values().next().value!);
          this.redisAdmits.add(input.requestId);
        }
        return a;
      },
      () => this.admitLocally(input),
    );
  }

  settle(requestId: string, actual: Actual, now: number): boolean | Promise<boolean> {
    const scopes = this.localAdmits.get(requestId);
    if (scopes) {
      this.localAdmits.delete(requestId);
      const settled = this.local.settle(requestId, actual, now);
      // What it used counts in Redis too, now or once Redis is back.
      this.toRedis(() => this.chargeRedis(scopes, actual, now));
      return settled;
    }
    if (!this.redisAdmits.delete(requestId)) return false;
    const run = () => SETTLE.run(this.link, [], [this.link.prefix, requestId, actual.costUsd, actual.tokens]).then((r) => r === 1);
    if (!this.link.isUp()) {
      // A reservation Redis holds: settled once Redis is back (its row is not lost).
      this.queue(run);
      return true;
    }
    return run().catch(() => {
      this.queue(run);
      return true;
    });
  }

  charge(scopes: readonly ScopeLimits[], actual: Actual, now: number): void | Promise<void> {
    if (actual.costUsd === 0 && actual.tokens === 0) return;
    if (!this.link.isUp()) {
      this.local.charge(scopes, actual, now);
      this.queue(() => this.chargeRedis(scopes, actual, now));
      return;
    }
    return this.chargeRedis(scopes, actual, now).then(
      () => {},
      () => this.queue(() => this.chargeRedis(scopes, actual, now)),
    );
  }

  async spend(scope: ScopeLimits, now: number): Promise<number | null> {
    if (!this.link.isUp()) return this.local.spend(scope, now);
    const [pk, spend] = (await this.link.send('HMGET', [this.stKey(scope), 'period', 'spend'])) as [string | null, string | null];
    if (pk === null) return null;
    const current = periodKey(scope.period, now);
    if (pk !== current) return pk.startsWith(`${scope.period}:`) ? 0 : null;
    return Number(spend ?? 0);
  }

  async outstanding(scope: ScopeLimits): Promise<{ reservedUsd: number; inFlight: number }> {
    const mine = this.local.outstanding(scope);
    if (!this.link.isUp()) return mine;
    const [reserved, inflight] = (await this.link.send('HMGET', [this.stKey(scope), 'reserved', 'inflight'])) as [string | null, string | null];
    return { reservedUsd: Number(reserved ?? 0) + mine.reservedUsd, inFlight: Number(inflight ?? 0) + mine.inFlight };
  }

  async seedSpend(scope: ScopeLimits, amount: number, now: number): Promise<void> {
    this.local.seedSpend(scope, amount, now);
    if (!this.link.isUp()) return;
    await SEED.run(this.link, [], [this.link.prefix, scope.key, periodKey(scope.period, now), amount]);
  }

  /** Work queued while Redis was down (bounded; what overflows is counted and warned about). */
  stats(): { pending: number; dropped: number; localInFlight: number } {
    return { pending: this.pending.length, dropped: this.dropped, localInFlight: this.localAdmits.size };
  }

  private stKey(scope: ScopeLimits): string {
    return `${this.link.prefix}lim:${scope.key}:st`;
  }

  private admitLocally(input: AdmitInput): Admission {
    if (this.failMode === 'closed') throw new LimitsUnavailableError();
    // Budgets start from the spend last seen in Redis (a scope this instance never saw starts at 0).
    for (const s of input.scopes) {
      const seen = this.lastSpend.get(s.key);
      if (seen && seen.pk === periodKey(s.period, input.now)) this.local.seedSpend(s, seen.spend, input.now);
    }
    const a = this.local.admit(input);
    if (a.ok) this.localAdmits.set(input.requestId, input.scopes);
    return a;
  }

  private admission(input: AdmitInput, r: unknown[]): Admission {
    const [ok, reason, index, wait, tsum, spendS, reservedS, rl, rr, rt, tl, tr, tt] = r as [number, string, number, number, number, string, string, number, number, number, number, number, number];
    const rate: RateInfo = {
      requests: rl >= 0 ? { limit: rl, remaining: rr, resetMs: rt } : null,
      tokens: tl >= 0 ? { limit: tl, remaining: tr, resetMs: tt } : null,
    };
    if (ok === 1) {
      for (let i = 0; i < input.scopes.length; i++) {
        const s = input.scopes[i]!;
        if (s.budgetUsd !== null && r[13 + i] != null) this.lastSpend.set(s.key, { pk: periodKey(s.period, input.now), spend: Number(r[13 + i]) });
      }
      return { ok: true, rate };
    }
    const scope = input.scopes[index - 1]!;
    const spend = Number(spendS);
    const reserved = Number(reservedS);
    if (scope.budgetUsd !== null) this.lastSpend.set(scope.key, { pk: periodKey(scope.period, input.now), spend });
    const retryAfterMs = wait < 0 ? null : wait;
    return { ok: false, reason: reason as RefusalReason, scope, retryAfterMs, rate, message: this.message(reason as RefusalReason, scope, input, retryAfterMs, tsum, spend, reserved) };
  }

  /** The same words as the in-memory counters (src/limits/memory-limit-counters.ts). */
  private message(reason: RefusalReason, l: ScopeLimits, input: AdmitInput, wait: number | null, tsum: number, spend: number, reserved: number): string {
    switch (reason) {
      case 'parallel':
        return `Too many requests in flight for ${l.label}: at most ${l.maxParallel} at a time.`;
      case 'rpm':
        return `Rate limit reached for ${l.label}: ${l.rpm} requests per minute. Try again in ${secs(wait ?? 60_000)}s.`;
      case 'tpm':
        if (wait === null) {
          return `Request too large for ${l.label}: it may use ${input.tokens} tokens (prompt estimate plus max_tokens), the limit is ${l.tpm} tokens per minute. Lower max_tokens.`;
        }
        return `Rate limit reached for ${l.label}: ${l.tpm} tokens per minute (in use ${tsum}, requested ${input.tokens}). Try again in ${secs(wait)}s.`;
      case 'budget':
        return `Budget exceeded for ${l.label}: ${usd(l.budgetUsd!)} per ${l.period === 'total' ? 'lifetime' : l.period}; ` +
          `spent ${usd(spend)}, ${usd(reserved)} reserved by requests in flight, this request may cost up to ${usd(input.worstCostUsd)}.`;
    }
  }

  private chargeRedis(scopes: readonly ScopeLimits[], actual: Actual, now: number): Promise<unknown> {
    const args: (string | number)[] = [this.link.prefix, now, actual.costUsd, actual.tokens, `c:${crypto.randomUUID()}`, scopes.length];
    for (const s of scopes) args.push(s.key, opt(s.tpm), periodKey(s.period, now), periodKey(s.period, actual.at));
    return CHARGE.run(this.link, [], args);
  }

  private toRedis(work: () => Promise<unknown>): void {
    if (!this.link.isUp()) return this.queue(work);
    work().catch(() => this.queue(work));
  }

  private queue(work: () => Promise<unknown>): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      if (this.dropped === 1) this.warn?.('limits: too much counter work waiting for Redis; the oldest is dropped');
      this.pending.shift();
    }
    this.pending.push(work);
  }

  /** Redis is back: what waited goes now, in order. */
  private async flush(): Promise<void> {
    while (this.pending.length && this.link.isUp()) {
      const work = this.pending.shift()!;
      try {
        await work();
      } catch {
        this.pending.unshift(work);
        return;
      }
    }
  }
}
