-- Gives a reservation's units back (send-guard's RedisStore).
-- KEYS: the keys where it took a unit; ARGV[1]: the reservation id.
local removed = 0
for _, key in ipairs(KEYS) do
  removed = removed + redis.call('ZREM', key, ARGV[1])
end
return removed
