import { LuaScript } from '../redis/lua-script';
import { COMMON } from './redis-limit-scripts';

/**
 * The Lua scripts that keep Redis's limit state right across instances that die, stall or find
 * Redis restarted (redis-limit-reconnect.ts): the heartbeat that frees a dead instance's
 * reservations, the release of reservations no request follows, and the restore of those a Redis
 * that lost its data no longer holds. The keys they use are listed in redis-limit-scripts.ts.
 */

// An instance that stopped beating (killed, or cut off for good): its reservations are freed
// (settled at zero) so its slots and reserved USD do not wait for the one-hour sweep.
// ARGV: P, this instance's origin, its heartbeat TTL ms. Returns {freed, revived, live, dead...}: revived
// is 1 when this instance was not listed (its first beat, or the others took it for dead while it
// was stopped or stalled with its connection open): it then puts back the reservations it holds.
// live: the instances listed after the sweep, this one included (each takes its share of a budget
// while Redis is away: local-limit-fallback.ts).
// dead: the origins this beat found dead (each is found by one beat only: it leaves the list), whose
// stored responses still running the caller ends (responses/orphaned-responses.ts).
export const HEARTBEAT = new LuaScript(`${COMMON}
redis.call('SET', P..'lim:alive:'..ARGV[2], '1', 'PX', ARGV[3])
local revived = redis.call('SADD', P..'lim:instances', ARGV[2])
local out = {0, revived, 0}
for _, o in ipairs(redis.call('SMEMBERS', P..'lim:instances')) do
  if redis.call('EXISTS', P..'lim:alive:'..o) == 0 then
    for _, id in ipairs(redis.call('SMEMBERS', P..'lim:held:'..o)) do out[1] = out[1] + settle(id, 0, 0, nil, true) end
    redis.call('DEL', P..'lim:held:'..o)
    redis.call('SREM', P..'lim:instances', o)
    out[#out + 1] = o
  end
end
out[3] = redis.call('SCARD', P..'lim:instances')
return out
`);

// Reservations this instance holds in Redis that it no longer follows: admits Redis ran after the
// instance had given up on their answer (its connection was dropped while Redis stalled; the request
// was then served from the instance's own counters). Freed at zero, as a dead instance's are.
// ARGV: P, origin, then request ids. Returns how many were freed.
export const RELEASE = new LuaScript(`${COMMON}
local freed = 0
for i = 3, #ARGV do
  if redis.call('SISMEMBER', P..'lim:held:'..ARGV[2], ARGV[i]) == 1 then freed = freed + settle(ARGV[i], 0, 0) end
end
return freed
`);

// A reservation this instance still holds, put back into a Redis that lost its data (restarted
// empty) as it was made: no check, the request is already running. ARGV: P, request id, worst USD,
// tokens, admit time, last sign of life (admit or keep-alive), '1' when its in-flight slot was already freed (END_FLIGHT), origin, n, then
// per scope: key, rpm (-1: none), tpm (-1: none), period key at admit. Returns 0 if it is there already.
export const RESTORE = new LuaScript(`${COMMON}
local id = ARGV[2]
local worst = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
local at = tonumber(ARGV[5])
local alive = tonumber(ARGV[6])
local ended = ARGV[7] == '1'
local origin = ARGV[8]
local n = tonumber(ARGV[9])
local R = P..'lim:res:'..id
if redis.call('EXISTS', R) == 1 then return 0 end
redis.call('HSET', R, 'n', n, 'worst', tostring(worst), 'at', at, 'o', origin)
if ended then redis.call('HSET', R, 'f', '1') end
redis.call('SADD', P..'lim:held:'..origin, id)
for i = 1, n do
  local b = 9 + (i - 1) * 4
  local S = P..'lim:'..ARGV[b + 1]
  local st = S..':st'
  -- The period is only named, never rolled back: its spend is not seeded, so the next ADMIT reads the logs.
  redis.call('HSETNX', st, 'period', ARGV[b + 4])
  if not ended then redis.call('HINCRBY', st, 'inflight', 1) end
  redis.call('HINCRBYFLOAT', st, 'reserved', worst)
  local t = 0
  if tonumber(ARGV[b + 2]) >= 0 then
    redis.call('ZADD', S..':req', at, id)
    redis.call('PEXPIRE', S..':req', WINDOW * 2)
  end
  if tonumber(ARGV[b + 3]) >= 0 then
    -- As prune: token entries that expired with their keys leave nothing counted.
    if redis.call('EXISTS', S..':tok') == 0 then redis.call('HSET', st, 'tsum', 0) end
    redis.call('ZADD', S..':tok', at, id)
    redis.call('HSET', S..':tokn', id, tokens)
    redis.call('HINCRBY', st, 'tsum', tokens)
    redis.call('PEXPIRE', S..':tok', WINDOW * 2)
    redis.call('PEXPIRE', S..':tokn', WINDOW * 2)
    t = 1
  end
  redis.call('HSET', R, 's'..i, S, 'p'..i, ARGV[b + 4], 't'..i, t)
end
redis.call('ZADD', P..'lim:resv', alive, id)
return 1
`);

// Redis lost its data (restarted empty) while log rows may wait in the instances' buffers
// (PostgreSQL away): the logs, which a budget's spend is seeded from again, lack them. Each
// instance, on finding it, leaves the spend it last saw per budget scope (with its own requests
// settled since) as a floor: a period already seeded again (by an instance that saw less) is
// raised to it, else it waits for the seed (SEED takes the larger). Every value is a spend that
// happened, so the largest is still no more than was spent.
// ARGV: P, then per scope: key, period key, spend. Returns how many scopes were raised or floored.
export const FLOOR = new LuaScript(`${COMMON}
local changed = 0
for i = 2, #ARGV, 3 do
  local st, pk, f = P..'lim:'..ARGV[i]..':st', ARGV[i + 1], tonumber(ARGV[i + 2])
  local v = redis.call('HMGET', st, 'period', 'seeded', 'spend', 'floor:'..pk)
  if v[1] == pk and v[2] == '1' then
    if num(v[3]) < f then
      redis.call('HSET', st, 'spend', ARGV[i + 2])
      changed = changed + 1
    end
  elseif num(v[4]) < f then
    redis.call('HSET', st, 'floor:'..pk, ARGV[i + 2])
    changed = changed + 1
  end
end
return changed
`);

// Redis lost its data: the requests this instance admitted under an RPM or TPM limit within the
// last minute and settled go back into those windows (recent-admissions.ts), each at its admission
// (its tokens at their own time), so the minute before the restart still counts. An entry already
// there (put back by RESTORE, or sent twice) is left as it is. ARGV: P, now, then per request: id,
// admit time, tokens, tokens' time, n, then per scope: key, rpm (-1: none), tpm (-1: none).
// Returns how many requests were put back in some window.
export const REWINDOW = new LuaScript(`${COMMON}
local now = tonumber(ARGV[2])
local i, back = 3, 0
while i <= #ARGV do
  local id, at, tokens, tat, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local put = false
  for j = 1, n do
    local b = i + 5 + (j - 1) * 3
    local S = P..'lim:'..ARGV[b]
    if tonumber(ARGV[b + 1]) >= 0 and at > now - WINDOW and not redis.call('ZSCORE', S..':req', id) then
      redis.call('ZADD', S..':req', at, id)
      redis.call('PEXPIRE', S..':req', WINDOW * 2)
      put = true
    end
    if tonumber(ARGV[b + 2]) >= 0 and tokens > 0 and tat > now - WINDOW and redis.call('HEXISTS', S..':tokn', id) == 0 then
      -- As prune: token entries that expired with their keys leave nothing counted.
      if redis.call('EXISTS', S..':tok') == 0 then redis.call('HSET', S..':st', 'tsum', 0) end
      redis.call('ZADD', S..':tok', tat, id)
      redis.call('HSET', S..':tokn', id, tokens)
      redis.call('HINCRBY', S..':st', 'tsum', tokens)
      redis.call('PEXPIRE', S..':tok', WINDOW * 2)
      redis.call('PEXPIRE', S..':tokn', WINDOW * 2)
      put = true
    end
  end
  if put then back = back + 1 end
  i = i + 5 + n * 3
end
return back
`);
