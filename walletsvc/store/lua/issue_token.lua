-- Keep a new single-use launch token for a wallet. common.lua is prepended.
-- Guarantees: no token is kept while the shard is fenced (common.lua).
-- KEYS (by name): store = the shard's marker (common.lua), token = the launch token's key
-- ARGV (by name): wallet = wallet id, ttl = the token's lifetime (ms)
-- returns {'OK'} or {error status}
redis.call('SET', K.token, A.wallet, 'PX', A.ttl)
return {'OK'}
