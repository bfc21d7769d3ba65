import { LuaScript } from '../redis/lua-script';
import { TPM_HELD_WAIT_MS } from './tpm-wait';

/** The Lua scripts behind RedisLimitCounters (redis-limit-counters.ts): one round trip each, atomic on the Redis server. */

/** A limit as the scripts take it: -1 for none. */
export const opt = (n: number | null) => (n === null ? -1 : n);

// Shared by the scripts. Keys: <P>lim:<scope>:st (hash: inflight, reserved, tsum, period, spend,
// seeded: '1' once the spend was started from the logs; floor:<period key>: the least spend of
// that period the instances saw, for the next seed, redis-limit-recovery-scripts.ts FLOOR),
// <P>lim:<scope>:req (zset of admissions in the last minute), <P>lim:<scope>:tok (zset of token
// entries) with <P>lim:<scope>:tokn (their counts), <P>lim:res:<request id> (a reservation),
// <P>lim:resv (zset of reservations by admit or last keep-alive time, for the stale sweep),
// <P>lim:held:<origin> (the reservations each instance made), <P>lim:freed:<origin> (those freed at no
// cost while their request may run on: a day), <P>lim:chg:<id> (a charge counted: an hour).
export const COMMON = `
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
    -- Not when they add up to 0: Lua writes -0 as "-0", which HINCRBY refuses (the script failed,
    -- and the request was admitted on this instance's own counts instead of the shared ones).
    if sub ~= 0 then redis.call('HINCRBY', S..':st', 'tsum', -sub) end
    old = redis.call('ZRANGEBYSCORE', S..':tok', '-inf', edge, 'LIMIT', 0, 1000)
  end
  -- Token entries that expired with their keys (no use for two minutes: PEXPIRE below) took their
  -- part of tsum with them: an empty window holds no tokens (else they would count for ever).
  if redis.call('EXISTS', S..':tok') == 0 and num(redis.call('HGET', S..':st', 'tsum')) ~= 0 then redis.call('HSET', S..':st', 'tsum', 0) end
end
-- The spend of the period pk: a new period of the same kind starts at 0 and stays trusted (its
-- spend was counted here from the period's start); a period of another kind (the budget's period
-- was changed) must be read from the logs again (ADMIT asks for a seed); never an earlier one (a clock behind).
local function roll(st, pk)
  local cur = redis.call('HGET', st, 'period')
  if cur == pk then return end
  local kind = string.match(pk, '^[^:]*:')
  if cur and string.sub(cur, 1, #kind) == kind and tonumber(string.sub(cur, #kind + 1)) > tonumber(string.sub(pk, #kind + 1)) then return end
  if not cur or string.sub(cur, 1, #kind) ~= kind then redis.call('HDEL', st, 'seeded') end
  redis.call('HSET', st, 'period', pk, 'spend', 0)
end
-- arrived (SETTLE only): the period key of each kind (day, week, month, total) holding the request's
-- start (AdmitInput.startedAt, else its admission). A request is billed to the period it started in, judged by the period the scope counts
-- now: one changed (or a budget set again) while it was in flight was seeded from the logs, which do
-- not hold it yet. Without it (the sweep, a dead instance's cleanup: cost 0) the period at admit.
-- freed: the reservation is given back at no cost while its request may still run (the sweep, a
-- dead instance's cleanup): it is noted in <P>lim:freed:<origin> (a day), so the request's own
-- SETTLE, finding it gone, is told to charge its cost, where a SETTLE that already ran is not.
-- now (SETTLE only): a request that outlived its TPM window (its entry left it) counts what it
-- used beyond its reservation (k) from now, as MemoryLimitCounters.settle.
local FREED_TTL = 86400000
local function settle(id, cost, tokens, arrived, freed, now)
  local R = P..'lim:res:'..id
  local h = redis.call('HGETALL', R)
  if #h == 0 then
    -- Gone (settled; or lost with Redis data, or a record of an older release that expired): no
    -- entry of the sweep may outlive it, or the sweep's first 20 stay stuck on it.
    redis.call('ZREM', P..'lim:resv', id)
    return 0
  end
  local r = {}
  for i = 1, #h, 2 do r[h[i]] = h[i + 1] end
  local worst = num(r.worst)
  for i = 1, num(r.n) do
    local S = r['s'..i]
    local st = S..':st'
    if r.f ~= '1' and redis.call('HINCRBY', st, 'inflight', -1) < 0 then redis.call('HSET', st, 'inflight', 0) end
    if tonumber(redis.call('HINCRBYFLOAT', st, 'reserved', -worst)) < 1e-9 then redis.call('HSET', st, 'reserved', 0) end
    local cur = redis.call('HGET', st, 'period')
    local billed = cur and (arrived and arrived[string.match(cur, '^[^:]*')] or r['p'..i])
    if cost ~= 0 and cur == billed then redis.call('HINCRBYFLOAT', st, 'spend', cost) end
    if r['t'..i] == '1' then
      local est = tonumber(redis.call('HGET', S..':tokn', id))
      local at = tonumber(redis.call('ZSCORE', S..':tok', id))
      if est and (not now or (at and at > now - WINDOW)) then
        redis.call('HSET', S..':tokn', id, tokens)
        redis.call('HINCRBY', st, 'tsum', tokens - est)
      elseif now and tokens > (est or tonumber(r.k) or tokens) then
        local x, more = id..':x', tokens - (est or tonumber(r.k))
        redis.call('ZADD', S..':tok', now, x)
        redis.call('HSET', S..':tokn', x, more)
        redis.call('HINCRBY', st, 'tsum', more)
        redis.call('PEXPIRE', S..':tok', WINDOW * 2)
        redis.call('PEXPIRE', S..':tokn', WINDOW * 2)
      end
    end
  end
  redis.call('DEL', R)
  redis.call('ZREM', P..'lim:resv', id)
  if r.o then
    redis.call('SREM', P..'lim:held:'..r.o, id)
    if freed then
      redis.call('SADD', P..'lim:freed:'..r.o, id)
      redis.call('PEXPIRE', P..'lim:freed:'..r.o, FREED_TTL)
    end
  end
  return 1
end
`;

// ARGV: P, now, request id, worst USD, tokens, n, then per scope: key, rpm, tpm, max_parallel,
// budget (-1: none), period key; then the least USD the request may reserve (-1: its worst, no
// less: AdmitInput.minCostUsd); last the instance's origin. Returns {ok, reason ('budget' spent,
// 'budget_held' held by requests in flight, 'rpm', 'tpm', 'tpm_held' likewise, 'parallel'), scope index, retry ms (-1: none), tsum,
// spend, reserved, req limit, req remaining, req reset, tok limit, tok remaining, tok reset} (on
// admission `reserved` is the USD this request reserved, followed by each scope's spend, then each
// scope's reserved USD); ok is 2
// (reason 'seed') when a budgeted scope's spend was never read from the logs (a fresh or restarted
// Redis, a budget just set on a key Redis only counted requests of): the caller seeds it, then asks again.
// Nothing is reserved then.
export const ADMIT = new LuaScript(`${COMMON}
local now = tonumber(ARGV[2])
local id = ARGV[3]
local worst = tonumber(ARGV[4])
local tokens = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local EPS = 1e-9
local TPM_HELD = ${TPM_HELD_WAIT_MS}
local stale = redis.call('ZRANGEBYSCORE', P..'lim:resv', '-inf', now - STALE, 'LIMIT', 0, 20)
for _, rid in ipairs(stale) do settle(rid, 0, 0, nil, true) end
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
-- A request that may reserve less keeps its worst case where every budget holds it; else it takes
-- half the least room of its budgets, down to its minimum (as MemoryLimitCounters.affordable).
local least = tonumber(ARGV[7 + n * 6])
if least >= 0 then
  local room = math.huge
  for i = 1, n do
    local s = sc[i]
    if s.budget >= 0 then
      local st = s.S..':st'
      roll(st, s.pk)
      if redis.call('HGET', st, 'seeded') ~= '1' then return {2, 'seed', i, -1, 0, '0', '0', -1, 0, 0, -1, 0, 0} end
      local v = redis.call('HMGET', st, 'spend', 'reserved')
      room = math.min(room, s.budget - num(v[1]) - num(v[2]))
    end
  end
  if worst > room + EPS then worst = math.max(room / 2, least) end
end
local function refuse(i, reason, wait, tsum, spend, reserved)
  local rl, rr, rt, tl, tr, tt = rate()
  return {0, reason, i, wait, tsum, tostring(spend), tostring(reserved), rl, rr, rt, tl, tr, tt}
end
for i = 1, n do
  local s = sc[i]
  local st = s.S..':st'
  prune(s.S, now - WINDOW)
  roll(st, s.pk)
  if s.budget >= 0 and redis.call('HGET', st, 'seeded') ~= '1' then return {2, 'seed', i, -1, 0, '0', '0', -1, 0, 0, -1, 0, 0} end
  local v = redis.call('HMGET', st, 'inflight', 'tsum', 'spend', 'reserved')
  local inflight, tsum, spend, reserved = num(v[1]), num(v[2]), num(v[3]), num(v[4])
  if s.mp >= 0 and inflight >= s.mp then return refuse(i, 'parallel', -1, tsum, spend, reserved) end
  if s.rpm >= 0 then
    local c = redis.call('ZCARD', s.S..':req')
    if c >= s.rpm then
      -- Until enough of the oldest left for one more (a window over the limit: lowered, or an outage's shares added).
      local wait = WINDOW
      local nth = redis.call('ZRANGE', s.S..':req', c - s.rpm, c - s.rpm, 'WITHSCORES')
      if #nth > 0 then wait = tonumber(nth[2]) + WINDOW - now end
      return refuse(i, 'rpm', wait, tsum, spend, reserved)
    end
  end
  if s.tpm >= 0 and tsum + tokens > s.tpm then
    if tokens > s.tpm then return refuse(i, 'tpm', -1, tsum, spend, reserved) end
    -- As tpm-wait.ts: until enough of the oldest entries left, or sooner (TPM_HELD) when requests in
    -- flight (an entry whose reservation is still there) hold the room the settled tokens leave.
    local entries = redis.call('ZRANGE', s.S..':tok', 0, -1, 'WITHSCORES')
    local ns, held, heldSum = {}, {}, 0
    for j = 1, #entries, 2 do
      ns[j], held[j] = num(redis.call('HGET', s.S..':tokn', entries[j])), redis.call('EXISTS', P..'lim:res:'..entries[j]) == 1
      if held[j] then heldSum = heldSum + ns[j] end
    end
    local freed, settled, wait, soonest = 0, 0, WINDOW, -1
    if tsum - heldSum + tokens <= s.tpm then soonest = now end
    for j = 1, #entries, 2 do
      freed = freed + ns[j]
      if not held[j] then settled = settled + ns[j] end
      if soonest < 0 and tsum - heldSum - settled + tokens <= s.tpm then soonest = tonumber(entries[j + 1]) + WINDOW end
      if tsum - freed + tokens <= s.tpm then
        wait = tonumber(entries[j + 1]) + WINDOW - now
        break
      end
    end
    if soonest >= 0 and math.max(soonest - now, TPM_HELD) < wait then return refuse(i, 'tpm_held', math.max(soonest - now, TPM_HELD), tsum, spend, reserved) end
    return refuse(i, 'tpm', wait, tsum, spend, reserved)
  end
  if s.budget >= 0 and (spend >= s.budget - EPS or spend + reserved + worst > s.budget + EPS) then
    -- Held, not spent, when the spend alone leaves it room: requests in flight hold the rest (as
    -- MemoryLimitCounters judges it).
    if spend < s.budget - EPS and spend + worst <= s.budget + EPS then return refuse(i, 'budget_held', -1, tsum, spend, reserved) end
    return refuse(i, 'budget', -1, tsum, spend, reserved)
  end
end
local R = P..'lim:res:'..id
local origin = ARGV[#ARGV]
redis.call('HSET', R, 'n', n, 'worst', tostring(worst), 'at', now, 'o', origin, 'k', tokens)
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
-- No TTL on R: it is what the sweep (and a dead instance's heartbeat cleanup) gives back from, and
-- those run only when some instance admits or beats, maybe hours later. A record expired first
-- would leave its slot, USD and tokens counted for ever. SETTLE or the sweep deletes it.
redis.call('ZADD', P..'lim:resv', now, id)
local rl, rr, rt, tl, tr, tt = rate()
local out = {1, '', 0, -1, 0, '0', tostring(worst), rl, rr, rt, tl, tr, tt}
-- Each scope's spend, then each scope's reserved USD (this request's included), so an instance
-- can start its own budgets from them, and take its share of what is left, if Redis goes away.
for i = 1, n do
  local v = redis.call('HMGET', sc[i].S..':st', 'spend', 'reserved')
  out[13 + i] = tostring(num(v[1]))
  out[13 + n + i] = tostring(num(v[2]))
end
return out
`);

// A request that ended before its row (a token estimate pending): its in-flight slots are freed
// now and the reservation marked (f), so SETTLE frees the rest only. ARGV: P, request id.
export const END_FLIGHT = new LuaScript(`${COMMON}
local R = P..'lim:res:'..ARGV[2]
local v = redis.call('HMGET', R, 'n', 'f')
if not v[1] or v[2] == '1' then return 0 end
redis.call('HSET', R, 'f', '1')
for i = 1, num(v[1]) do
  local st = redis.call('HGET', R, 's'..i)..':st'
  if redis.call('HINCRBY', st, 'inflight', -1) < 0 then redis.call('HSET', st, 'inflight', 0) end
end
return 1
`);

// A request sent an output cap below its default allowance: its TPM entries are lowered to the
// tokens it may now use (never raised). ARGV: P, request id, tokens.
export const TRIM_TOKENS = new LuaScript(`${COMMON}
local R = P..'lim:res:'..ARGV[2]
local tokens = tonumber(ARGV[3])
local n = tonumber(redis.call('HGET', R, 'n'))
if not n then return 0 end
if tokens < (tonumber(redis.call('HGET', R, 'k')) or 0) then redis.call('HSET', R, 'k', tokens) end
for i = 1, n do
  if redis.call('HGET', R, 't'..i) == '1' then
    local S = redis.call('HGET', R, 's'..i)
    local est = tonumber(redis.call('HGET', S..':tokn', ARGV[2]))
    if est and tokens < est then
      redis.call('HSET', S..':tokn', ARGV[2], tokens)
      redis.call('HINCRBY', S..':st', 'tsum', tokens - est)
    end
  end
end
return 1
`);

// A request still followed (a background response running for hours): its reservation's time in
// the stale sweep is moved to now. ARGV: P, request id, now.
export const KEEP_ALIVE = new LuaScript(`${COMMON}
local R = P..'lim:res:'..ARGV[2]
if redis.call('EXISTS', R) == 0 then return 0 end
redis.call('ZADD', P..'lim:resv', 'XX', tonumber(ARGV[3]), ARGV[2])
return 1
`);

// ARGV: P, request id, cost, tokens, then the period keys of its admission: day, week, month, total;
// the instance's origin; now. Returns 1 when settled; 2 when the reservation was freed at no cost
// before (the sweep, or the others took this instance for dead): the caller charges the cost; 0 when
// it is gone otherwise: settled already (a SETTLE Redis ran whose answer was lost with its
// connection, now sent again), so nothing is counted twice.
export const SETTLE = new LuaScript(`${COMMON}
local freed = P..'lim:freed:'..ARGV[9]
local done = settle(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), {day = ARGV[5], week = ARGV[6], month = ARGV[7], total = ARGV[8]}, nil, tonumber(ARGV[10]))
-- SREM also when settled: a reservation put back after it was freed (RESTORE) leaves no note behind.
if redis.call('SREM', freed, ARGV[2]) == 1 and done == 0 then return 2 end
return done
`);

// ARGV: P, now, cost, tokens, entry id, n, then per scope: key, tpm (-1: none), current period key,
// the period key of actual.at, rpm (-1: none); last the time a request admitted while Redis was
// away was admitted (-1: not a request), which enters the RPM windows (a minute after it, it is pruned).
// The entry id is the charge's for every time it is sent: one Redis ran already (its answer lost with
// the connection) is noted for an hour and not counted again. Returns 0 then, else 1.
export const CHARGE = new LuaScript(`${COMMON}
local now = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
local id = ARGV[5]
if not redis.call('SET', P..'lim:chg:'..id, '1', 'NX', 'PX', 3600000) then return 0 end
local n = tonumber(ARGV[6])
local admitted = tonumber(ARGV[7 + n * 5])
for i = 1, n do
  local b = 6 + (i - 1) * 5
  local S = P..'lim:'..ARGV[b + 1]
  local st = S..':st'
  prune(S, now - WINDOW)
  roll(st, ARGV[b + 3])
  if redis.call('HGET', st, 'period') == ARGV[b + 4] then redis.call('HINCRBYFLOAT', st, 'spend', cost) end
  if tonumber(ARGV[b + 5]) >= 0 and admitted >= 0 and admitted > now - WINDOW then
    redis.call('ZADD', S..':req', admitted, id)
    redis.call('PEXPIRE', S..':req', WINDOW * 2)
  end
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

// ARGV: P, scope key, period key, amount. A period Redis counted without a seed (requests of a
// key without a budget) is overwritten: only the logs know what was spent before. A floor the
// instances left for the period (FLOOR, after Redis lost its data) counts where it is more.
export const SEED = new LuaScript(`${COMMON}
local st = P..'lim:'..ARGV[2]..':st'
local v = redis.call('HMGET', st, 'period', 'seeded', 'floor:'..ARGV[3])
if v[1] == ARGV[3] and v[2] == '1' then return 0 end
local amount = ARGV[4]
if num(v[3]) > num(amount) then amount = v[3] end
redis.call('HSET', st, 'period', ARGV[3], 'spend', amount, 'seeded', '1')
-- Floors are used once (those of other periods are of no use any more).
for _, f in ipairs(redis.call('HKEYS', st)) do
  if string.sub(f, 1, 6) == 'floor:' then redis.call('HDEL', st, f) end
end
return 1
`);
