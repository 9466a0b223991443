-- Reverse a whole GPAS movement exactly once, returning each part to the sub-wallet it came
-- from. common.lua and protection.lua are prepended. A rollback is never refused for funds or
-- by a limit: reversing a credit may leave REAL negative. It gives back in the player-protection
-- counters what the reversed movement counted, in the periods that counted it.
-- Guarantees: as movement.lua. The one write on a refusal is deliberate: rolling back an
-- unknown reference leaves a tombstone for it (with its audit and outbox entries), so a debit
-- or credit arriving later under that reference is refused as a duplicate and moves no money.
-- KEYS (by name): store = the shard's marker (common.lua), wallet, session, live, live_index, record, session_stream, wallet_stream,
--   counters, owner, outbox, protection, usage: as movement.lua, for this rollback; target = the reversed movement's
--   record, target_owner = its reference directory entry (absent on Redis Cluster)
-- ARGV (by name): now, late, retention, replay, mid, fp, ps, wallet, sid, ref, description,
--   tags, d0 d1 w0 w1 m0 m1: as movement.lua; reverses = the reversed movement's external
--   reference
-- returns the money reply (common.lua) or {error status}
local now, retention = tonumber(A.now), tonumber(A.retention)

local state, ttl = session_state(K.session, K.live, A.ps, A.wallet, now, tonumber(A.late))
if not state then
  return {'INVALID_WALLET_SESSION'}
end
local known = known_reference(K.owner, K.record, A.wallet, A.fp, A.replay)
if known then
  return known
end
local target_owner = K.target_owner and redis.call('GET', K.target_owner)
if target_owner and target_owner ~= A.wallet then
  return {'INVALID_TX_ID'}
end
local t = fields(K.target, 'kind', 'rolled_back', 'real', 'bonus', 'amount', 'game',
  'provider', 'ts')
if not t.kind then
  save_reference(K.target_owner, K.target, A.wallet, retention, {'kind', 'tombstone',
    'sid', A.sid, 'by', A.ref, 'ts', int(now)})
  local tombstone = {'event', 'tombstone', 'ref', A.reverses, 'by', A.ref, 'sid', A.sid,
    'wallet', A.wallet, 'ps', A.ps, 'ts', int(now)}
  audit(K.session_stream, nil, tombstone)
  outbox(tombstone)
  return {'INVALID_TX_ID'}
end
if t.kind == 'tombstone' then
  return {'INVALID_TX_ID'}
end
if t.kind == 'rollback' or t.rolled_back then
  return {'DUPLICATE_TX_ID'}
end
local w = fields(K.wallet, 'real', 'bonus', 'currency')
local real_part, bonus_part, amount = tonumber(t.real), tonumber(t.bonus), tonumber(t.amount)
local sign = t.kind == 'debit' and 1 or -1
local real = tonumber(w.real) + sign * real_part
local bonus = tonumber(w.bonus) + sign * bonus_part
if real > MAX_MINOR or bonus > MAX_MINOR then
  return {'INVALID_AMOUNT'}
end

redis.call('HSET', K.wallet, 'real', int(real), 'bonus', int(bonus))
if state == 'active' then
  touch_session(K.session, K.live, K.live_index, A.sid, now, ttl)
end
redis.call('HSET', K.target, 'rolled_back', A.ref)
save_reference(K.owner, K.record, A.wallet, retention, {'kind', 'rollback', 'fp', A.fp,
  'mid', A.mid, 'sid', A.sid, 'reverses', A.reverses, 'amount', int(amount),
  'real', int(real_part), 'bonus', int(bonus_part), 'real_after', int(real),
  'bonus_after', int(bonus), 'ts', int(now)})
local entry = {'event', 'rollback', 'mid', A.mid, 'ref', A.ref, 'reverses', A.reverses,
  'sid', A.sid, 'wallet', A.wallet, 'ps', A.ps, 'type', 'ROLLBACK', 'amount', int(amount),
  'real', int(sign * real_part), 'bonus', int(sign * bonus_part), 'real_after', int(real),
  'bonus_after', int(bonus), 'currency', w.currency, 'game', t.game, 'provider', t.provider,
  'description', A.description, 'tags', A.tags, 'ts', int(now)}
audit(K.session_stream, nil, entry)
audit(K.wallet_stream, int(now - retention), entry)
-- `_rts`: when the reversed movement was made (restore gives its counts back as here).
outbox(entry, {'_fp', A.fp, '_reversed', t.kind, '_rts', t.ts})
local u, at = usage(K.usage), tonumber(t.ts)
if t.kind == 'debit' then
  add_since(u, 'wager', -amount, at)
  add_since(u, 'loss', -amount, at)
else
  add_since(u, 'loss', amount, at)
end
save_usage(K.usage, u)
local reversed = t.kind == 'debit' and 'bet_rollback' or 'win_rollback'
count(K.counters, t.provider, t.game, w.currency, {reversed, amount, 'count_rollback', 1},
  retention)
return {'OK', A.mid, real, bonus, bonus_part, 0, amount}
