-- Reverse a whole GPAS movement exactly once, returning each part to the sub-wallet it came
-- from. A rollback is never refused for funds: reversing a credit may leave REAL negative.
-- Guarantees: as movement.lua. The one write on a refusal is deliberate: rolling back an
-- unknown reference leaves a tombstone for it, so a debit or credit arriving later under that
-- reference is refused as a duplicate and moves no money.
-- KEYS[1] = wallet hash
-- KEYS[2] = session record
-- KEYS[3] = live-session key
-- KEYS[4] = this rollback's record
-- KEYS[5] = the reversed movement's record
-- KEYS[6] = session stream
-- KEYS[7] = wallet stream
-- KEYS[8] = today's reconciliation counters for the wallet's shard
-- KEYS[9] = the shard's live-session index
-- KEYS[10] = this rollback's reference owner        } absent on Redis Cluster, where the
-- KEYS[11] = the reversed movement's reference owner } caller claims both before the script
-- ARGV[1] = now (ms)                 ARGV[2] = parent system      ARGV[3] = wallet id
-- ARGV[4] = session id               ARGV[5] = this rollback's external reference
-- ARGV[6] = the reversed reference   ARGV[7] = new movement id    ARGV[8] = request fingerprint
-- ARGV[9] = '1' to replay identical repeats                       ARGV[10] = late settlement (ms)
-- ARGV[11] = audit retention (ms)    ARGV[12] = description       ARGV[13] = tags (JSON)
-- returns {'OK', movement id, real after, bonus after, bonus part, replayed 0|1, amount}
--      or {error status}
local now, wallet_id, sid = tonumber(ARGV[1]), ARGV[3], ARGV[4]
local retention = tonumber(ARGV[11])

local state, ttl = session_state(KEYS[2], KEYS[3], ARGV[2], wallet_id, now,
  tonumber(ARGV[10]))
if not state then
  return {'INVALID_WALLET_SESSION'}
end
local known = known_reference(KEYS[10], KEYS[4], wallet_id, ARGV[8], ARGV[9])
if known then
  return known
end
local target_owner = KEYS[11] and redis.call('GET', KEYS[11])
if target_owner and target_owner ~= wallet_id then
  return {'INVALID_TX_ID'}
end
local t = redis.call('HMGET', KEYS[5], 'kind', 'rolled_back', 'real', 'bonus', 'amount', 'game',
  'provider')
if not t[1] then
  save_reference(KEYS[11], KEYS[5], wallet_id, retention, {'kind', 'tombstone', 'sid', sid,
    'by', ARGV[5], 'ts', int(now)})
  audit(KEYS[6], nil, {'event', 'tombstone', 'ref', ARGV[6], 'by', ARGV[5], 'sid', sid,
    'wallet', wallet_id, 'ps', ARGV[2], 'ts', int(now)})
  return {'INVALID_TX_ID'}
end
if t[1] == 'tombstone' then
  return {'INVALID_TX_ID'}
end
if t[1] == 'rollback' or t[2] then
  return {'DUPLICATE_TX_ID'}
end
local w = redis.call('HMGET', KEYS[1], 'real', 'bonus', 'currency')
local real_part, bonus_part, amount = tonumber(t[3]), tonumber(t[4]), tonumber(t[5])
local sign = t[1] == 'debit' and 1 or -1
local real = tonumber(w[1]) + sign * real_part
local bonus = tonumber(w[2]) + sign * bonus_part
if real > MAX_MINOR or bonus > MAX_MINOR then
  return {'INVALID_AMOUNT'}
end

redis.call('HSET', KEYS[1], 'real', int(real), 'bonus', int(bonus))
if state == 'active' then
  touch_session(KEYS[2], KEYS[3], KEYS[9], sid, now, ttl)
end
redis.call('HSET', KEYS[5], 'rolled_back', ARGV[5])
local mid = ARGV[7]
save_reference(KEYS[10], KEYS[4], wallet_id, retention, {'kind', 'rollback', 'fp', ARGV[8],
  'mid', mid, 'sid', sid, 'reverses', ARGV[6], 'amount', int(amount),
  'real', int(real_part), 'bonus', int(bonus_part), 'real_after', int(real),
  'bonus_after', int(bonus), 'ts', int(now)})
local entry = {'event', 'rollback', 'mid', mid, 'ref', ARGV[5], 'reverses', ARGV[6],
  'sid', sid, 'wallet', wallet_id, 'ps', ARGV[2], 'type', 'ROLLBACK', 'amount', int(amount),
  'real', int(sign * real_part), 'bonus', int(sign * bonus_part), 'real_after', int(real),
  'bonus_after', int(bonus), 'currency', w[3], 'game', t[6], 'provider', t[7],
  'description', ARGV[12], 'tags', ARGV[13], 'ts', int(now)}
audit(KEYS[6], nil, entry)
audit(KEYS[7], int(now - retention), entry)
local reversed = t[1] == 'debit' and 'bet_rollback' or 'win_rollback'
count(KEYS[8], t[7], t[6], w[3], {reversed, amount, 'count_rollback', 1}, retention)
return {'OK', mid, real, bonus, bonus_part, 0, amount}
