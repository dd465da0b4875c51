-- Reserves one unit of every budget of a message, or none (send-guard's RedisStore).
-- KEYS[i]: a budget's sorted set: member = reservation id, score = its time in ms.
-- ARGV[1]: the reservation id; then per key: limit, window in ms, enforced (1 or 0).
-- Returns {taken (1/0), now in ms, then per key: units used, ms until it frees up or -1}.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local reply = {0, now}
local refused = false
local has_room = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[3 * i - 1])
  local window = tonumber(ARGV[3 * i])
  -- A key never holds more than its limit, so units that left the window only matter once
  -- it is full: prune then.
  local used = redis.call('ZCARD', key)
  if used >= limit then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    used = redis.call('ZCARD', key)
  end
  local retry = -1
  has_room[i] = used < limit
  if not has_room[i] then
    -- Frees up when the unit at (used - limit) from the oldest leaves the window.
    local unit = redis.call('ZRANGE', key, used - limit, used - limit, 'WITHSCORES')
    retry = tonumber(unit[2]) + window - now
    if ARGV[3 * i + 1] == '1' then
      refused = true
    end
  end
  reply[#reply + 1] = used
  reply[#reply + 1] = retry
end
if not refused then
  reply[1] = 1
  for i, key in ipairs(KEYS) do
    if has_room[i] then
      redis.call('ZADD', key, now, ARGV[1])
      redis.call('PEXPIRE', key, ARGV[3 * i])
    end
  end
end
return reply
