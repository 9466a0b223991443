-- Create a wallet with empty REAL and BONUS sub-wallets, unless the id is taken.
-- common.lua is prepended.
-- Guarantees: the wallet and its outbox entry (the ledger learns of every wallet) together.
-- KEYS (by name): store = the shard's marker (common.lua), wallet = wallet hash, outbox = the shard's ledger outbox
-- ARGV (by name): currency, player = player id, now (ms), wallet = wallet id
-- returns {'OK'} or {'CONFLICT'}
if redis.call('EXISTS', K.wallet) == 1 then
  return {'CONFLICT'}
end
redis.call('HSET', K.wallet, 'currency', A.currency, 'player', A.player, 'real', '0',
  'bonus', '0', 'blocked', '0', 'created', A.now)
outbox({'event', 'created', 'wallet', A.wallet, 'player', A.player, 'currency', A.currency,
  'ts', A.now})
return {'OK'}
