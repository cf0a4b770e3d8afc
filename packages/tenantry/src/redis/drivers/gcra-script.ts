// The rate limiter's Lua script: GCRA over one or more keys of one tenant, atomically (check
// every rule, then record in all or none). The arithmetic mirrors ../gcra.ts line by line.

/**
 * With the time passed in (tests, or one clock for all app servers), the store's expiry runs
 * on its own time and may disagree: keys then live this much longer. A TAT in the past means
 * "bucket full" either way, so a longer life never changes a decision.
 */
export const FOREIGN_CLOCK_MARGIN_MS = 3_600_000;

/**
 * How long a key is kept: until its TAT, rounded up to the millisecond (after that it means
 * "full bucket", exactly like no key). A subject whose limit does not bind then finds no key
 * and the ioredis driver records it with one native `SET NX PX` instead of this script (the
 * fast path: see ioredis.ts). A key the fast path wrote in store-time mode holds `@<offset µs>`:
 * its TAT is the instant Redis recorded the SET (its expiry less the kept milliseconds) plus the
 * offset — `freshTat` below.
 *
 * In store-time mode the kept milliseconds get one more: Redis expires keys on its millisecond
 * clock, read before the script's TIME, so without it a key could vanish up to 1 ms before its TAT.
 *
 * KEYS: one per rule. ARGV[1]: now in µs, or '' to take Redis's TIME (one clock for every app
 * server, so their skew cannot loosen or tighten a limit); ARGV[2]: cost; then per rule its
 * interval and capacity in µs. Returns {allowed, rule (1-based), remaining, resetAfterMs, retryAfterMs}.
 * Times are whole microseconds, exact in Lua's doubles; `%.0f` stores them without the
 * precision loss of tostring's 14 digits.
 */
/** The character that marks a key written by the fast path with the store's own time. */
export const FRESH_MARK = '@';

/**
 * Lua: the stored TAT of KEYS[i] from its value `v` (nil when absent). A fast-path key
 * (`@<offset>`) was SET with PX ceil(offset / 1000) at Redis's millisecond time t0, so its TAT
 * is t0 + offset and t0 = PEXPIRETIME − ceil(offset / 1000).
 */
const STORED_TAT = `
local function storedTat(key, v)
  if not v then return 0 end
  if string.byte(v, 1) == 64 then
    local offset = tonumber(string.sub(v, 2)) or 0
    return (redis.call('PEXPIRETIME', key) - math.ceil(offset / 1000)) * 1000 + offset
  end
  return tonumber(v) or 0
end
`;

export const GCRA_LUA = `${STORED_TAT}
local now
local margin = 1
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
  margin = ${FOREIGN_CLOCK_MARGIN_MS}
end
local cost = tonumber(ARGV[2])
local n = #KEYS
local tats = {}
local keep = {}
local allowed, rule, remaining, reset, retry = 1, 1, 0, 0, 0
for i = 1, n do
  local interval = tonumber(ARGV[1 + 2 * i])
  local capacity = tonumber(ARGV[2 + 2 * i])
  local tat = storedTat(KEYS[i], redis.call('GET', KEYS[i]))
  if tat < now then tat = now end
  local newTat = tat + cost * interval
  local allowAt = newTat - capacity
  local a, rem, rs, rt
  if now < allowAt then
    a = 0
    rem = math.floor((capacity - (tat - now)) / interval)
    rs = math.ceil((tat - now) / 1000)
    rt = math.ceil((allowAt - now) / 1000)
  else
    a = 1
    rem = math.floor((capacity - (newTat - now)) / interval)
    rs = math.ceil((newTat - now) / 1000)
    rt = 0
    tats[i] = newTat
    keep[i] = math.ceil((newTat - now) / 1000) + margin
  end
  if i == 1 or (allowed == 1 and a == 0) or (allowed == 0 and a == 0 and rt > retry)
     or (allowed == 1 and a == 1 and (rem < remaining or (rem == remaining and rs > reset))) then
    allowed, rule, remaining, reset, retry = a, i, rem, rs, rt
  end
end
if allowed == 1 then
  for i = 1, n do
    redis.call('SET', KEYS[i], string.format('%.0f', tats[i]), 'PX', keep[i])
  end
end
return {allowed, rule, remaining, reset, retry}
`;

/**
 * GCRA_LUA for exactly one key, without the tables and the loop: the common case (one rule)
 * costs Redis markedly less this way (measured with INFO commandstats: about 35% less time per
 * EVALSHA). ARGV: now or '', cost, interval, capacity. Same arithmetic, same reply.
 */
export const GCRA_ONE_LUA = `${STORED_TAT}
local now
local margin = 1
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = t[1] * 1000000 + t[2]
else
  now = tonumber(ARGV[1])
  margin = ${FOREIGN_CLOCK_MARGIN_MS}
end
local cost = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local capacity = tonumber(ARGV[4])
local tat = storedTat(KEYS[1], redis.call('GET', KEYS[1]))
if tat < now then tat = now end
local newTat = tat + cost * interval
local allowAt = newTat - capacity
if now < allowAt then
  return {0, 1, math.floor((capacity - (tat - now)) / interval), math.ceil((tat - now) / 1000), math.ceil((allowAt - now) / 1000)}
end
local ahead = newTat - now
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil(ahead / 1000) + margin)
return {1, 1, math.floor((capacity - ahead) / interval), math.ceil(ahead / 1000), 0}
`;
