import { LuaScript } from '../redis/lua-script';

// The RPM/TPM state ADMIT would report, read only (nothing pruned, counted or reserved): entries
// at or before the window's edge, which ADMIT would prune first, are left out.
// ARGV: P, now, n, then per scope: key, rpm (-1: none), tpm (-1: none). Returns {req limit, req
// remaining, req reset, tok limit, tok remaining, tok reset} (limit -1: none).
export const PEEK_RATE = new LuaScript(`
local WINDOW = 60000
local P = ARGV[1]
local now = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local edge = now - WINDOW
local rl, rr, rt, tl, tr, tt = -1, 0, 0, -1, 0, 0
for i = 1, n do
  local b = 3 + (i - 1) * 3
  local S, rpm, tpm = P..'lim:'..ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
  if rpm >= 0 then
    local c = redis.call('ZCOUNT', S..':req', '('..edge, '+inf')
    local reset = 0
    if c > 0 then reset = tonumber(redis.call('ZRANGE', S..':req', -1, -1, 'WITHSCORES')[2]) + WINDOW - now end
    if rl < 0 or rpm - c < rr then rl, rr, rt = rpm, rpm - c, reset end
  end
  if tpm >= 0 then
    local sum = tonumber(redis.call('HGET', S..':st', 'tsum')) or 0
    local old = redis.call('ZRANGEBYSCORE', S..':tok', '-inf', edge)
    -- As prune: entries expired with their keys leave nothing in the window.
    if redis.call('EXISTS', S..':tok') == 0 then sum = 0 end
    if #old > 0 then
      for _, v in ipairs(redis.call('HMGET', S..':tokn', unpack(old))) do sum = sum - (tonumber(v) or 0) end
    end
    local last = redis.call('ZRANGE', S..':tok', -1, -1, 'WITHSCORES')
    local reset = 0
    if #last > 0 and tonumber(last[2]) > edge then reset = tonumber(last[2]) + WINDOW - now end
    if tl < 0 or tpm - sum < tr then tl, tr, tt = tpm, tpm - sum, reset end
  end
end
return {rl, rr, rt, tl, tr, tt}
`);
