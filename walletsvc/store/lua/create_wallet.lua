-- Create a wallet with empty REAL and BONUS sub-wallets, unless the id is taken.
-- common.lua is prepended.
-- KEYS (by name): wallet = wallet hash
-- ARGV (by name): currency, player = player id, now (ms)
-- returns {'OK'} or {'CONFLICT'}
if redis.call('EXISTS', K.wallet) == 1 then
  return {'CONFLICT'}
end
redis.call('HSET', K.wallet, 'currency', A.currency, 'player', A.player, 'real', '0',
  'bonus', '0', 'blocked', '0', 'created', A.now)
return {'OK'}
