-- Block or unblock an existing wallet. common.lua is prepended.
-- KEYS (by name): wallet = wallet hash
-- ARGV (by name): blocked = '1' to block, '0' to unblock
-- returns {'OK'} or {'NOT_FOUND'}
if redis.call('EXISTS', K.wallet) == 0 then
  return {'NOT_FOUND'}
end
redis.call('HSET', K.wallet, 'blocked', A.blocked)
return {'OK'}
