-- Acknowledge and delete outbox entries the ledger has committed, in one atomic step, so no
-- entry is ever acknowledged yet left in the stream (nobody would read or delete it again).
-- KEYS[1] = the shard's outbox stream
-- ARGV[1] = the consumer group, ARGV[2..] = entry ids
-- returns the number of entries deleted
local group = table.remove(ARGV, 1)
redis.call('XACK', KEYS[1], group, unpack(ARGV))
return redis.call('XDEL', KEYS[1], unpack(ARGV))
