import { LuaScript } from '../redis/lua-script';
import { COMMON } from './redis-limit-scripts';

// One more try of a request whose earlier try the provider billed (LimitCounters.coverTry): its
// reservation <P>lim:res:<id> grows by `add` USD where every budget of its scopes has the room,
// checked in all before any grows, as ADMIT checks and reserves. ARGV: P, request id, add USD, n,
// then per scope (in the order ADMIT got them): budget (-1: none), period key. Returns 1 when grown,
// -1 when a budget lacks the room (or its spend is not known: a Redis that lost it), 0 when the
// reservation is gone (freed by the sweep or a dead instance's cleanup): nothing changed then.
export const GROW = new LuaScript(`${COMMON}
local R = P..'lim:res:'..ARGV[2]
local add = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local EPS = 1e-9
if redis.call('EXISTS', R) == 0 then return 0 end
local sts = {}
for i = 1, n do
  local S = redis.call('HGET', R, 's'..i)
  if not S then return 0 end
  local st = S..':st'
  sts[i] = st
  local budget = tonumber(ARGV[4 + (i - 1) * 2 + 1])
  if budget >= 0 then
    roll(st, ARGV[4 + (i - 1) * 2 + 2])
    local v = redis.call('HMGET', st, 'spend', 'reserved', 'seeded')
    if v[3] ~= '1' or num(v[1]) + num(v[2]) + add > budget + EPS then return -1 end
  end
end
for i = 1, n do redis.call('HINCRBYFLOAT', sts[i], 'reserved', add) end
redis.call('HINCRBYFLOAT', R, 'worst', add)
return 1
`);
