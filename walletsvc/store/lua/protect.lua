-- Replace a wallet's player-protection settings with those the domain decided
-- (walletsvc/domain/protection), unless they changed since it read them. common.lua is
-- prepended.
-- Guarantees: compare-and-set on the settings' version ('v'), so two changes at once never lose
-- one; the new settings and their evidence (the outbox entry, carrying the whole new settings
-- as `_state` so that restore brings them back) together or not at all.
-- KEYS (by name): store = the shard's marker (common.lua), wallet = wallet hash, protection =
--   the wallet's settings (protection.lua), outbox = the shard's ledger outbox
-- ARGV (by name): version = the 'v' the domain read ('0': none), state = JSON object of every
--   new field (its 'v' the next version), entry = JSON array of the evidence entry's names and
--   values
-- returns {'OK'}, {'NOT_FOUND'} or {'STALE'} (read again and decide again)
if redis.call('EXISTS', K.wallet) == 0 then
  return {'NOT_FOUND'}
end
if (redis.call('HGET', K.protection, 'v') or '0') ~= A.version then
  return {'STALE'}
end
local flat = {}
for name, value in pairs(cjson.decode(A.state)) do
  flat[#flat + 1] = name
  flat[#flat + 1] = value
end
redis.call('DEL', K.protection)
redis.call('HSET', K.protection, unpack(flat))
outbox(cjson.decode(A.entry), {'_state', A.state})
return {'OK'}
