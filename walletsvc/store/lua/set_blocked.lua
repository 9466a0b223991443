-- Block or unblock an existing wallet.
-- KEYS[1] = wallet hash
-- ARGV[1] = '1' to block, '0' to unblock
-- returns {'OK'} or {'NOT_FOUND'}
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'NOT_FOUND'}
end
redis.call('HSET', KEYS[1], 'blocked', ARGV[1])
return {'OK'}
