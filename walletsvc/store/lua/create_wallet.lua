-- Create a wallet with empty REAL and BONUS sub-wallets, unless the id is taken.
-- KEYS[1] = wallet hash
-- ARGV[1] = currency   ARGV[2] = player id   ARGV[3] = now (ms)
-- returns {'OK'} or {'CONFLICT'}
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'CONFLICT'}
end
redis.call('HSET', KEYS[1], 'currency', ARGV[1], 'player', ARGV[2], 'real', '0', 'bonus', '0',
  'blocked', '0', 'created', ARGV[3])
return {'OK'}
