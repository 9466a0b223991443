-- Block or unblock an existing wallet. common.lua is prepended.
-- Guarantees: the flag and its outbox entry together.
-- KEYS (by name): store = the shard's marker (common.lua), wallet = wallet hash, outbox = the shard's ledger outbox
-- ARGV (by name): blocked = '1' to block, '0' to unblock, wallet = wallet id, now (ms)
-- returns {'OK'} or {'NOT_FOUND'}
if redis.call('EXISTS', K.wallet) == 0 then
  return {'NOT_FOUND'}
end
redis.call('HSET', K.wallet, 'blocked', A.blocked)
outbox({'event', A.blocked == '1' and 'blocked' or 'unblocked', 'wallet', A.wallet,
  'ts', A.now})
return {'OK'}
