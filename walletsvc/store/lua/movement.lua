-- Apply a GPAS debit (bet) or credit (win) exactly once.
-- Guarantees: session check, idempotency record, balance change, session touch, both audit
-- entries and the reconciliation counters happen together or not at all; every check runs
-- before the first write. A debit takes REAL first, then BONUS, and never overdraws.
-- KEYS[1] = wallet hash
-- KEYS[2] = session record
-- KEYS[3] = live-session key
-- KEYS[4] = movement record (by external reference)
-- KEYS[5] = session stream
-- KEYS[6] = wallet stream
-- KEYS[7] = today's reconciliation counters for the wallet's shard
-- KEYS[8] = the shard's live-session index
-- KEYS[9] = reference owner (directory); absent on Redis Cluster, where the caller claims it
-- ARGV[1] = 'debit' or 'credit'     ARGV[2] = now (ms)          ARGV[3] = amount (minor units)
-- ARGV[4] = parent system           ARGV[5] = wallet id         ARGV[6] = session id
-- ARGV[7] = external reference      ARGV[8] = new movement id   ARGV[9] = request fingerprint
-- ARGV[10] = '1' to replay identical repeats                    ARGV[11] = late settlement (ms)
-- ARGV[12] = audit retention (ms)   ARGV[13] = typeCode         ARGV[14] = description
-- ARGV[15] = tags (JSON)            ARGV[16] = game id          ARGV[17] = provider code
-- returns {'OK', movement id, real after, bonus after, bonus part, replayed 0|1, amount}
--      or {error status}
local kind, now, amount = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local wallet_id, sid, retention = ARGV[5], ARGV[6], tonumber(ARGV[12])

local state, ttl = session_state(KEYS[2], KEYS[3], ARGV[4], wallet_id, now,
  tonumber(ARGV[11]))
if not state or (state == 'late' and kind == 'debit') then
  return {'INVALID_WALLET_SESSION'}
end
local known = known_reference(KEYS[9], KEYS[4], wallet_id, ARGV[9], ARGV[10])
if known then
  return known
end
local w = redis.call('HMGET', KEYS[1], 'real', 'bonus', 'blocked', 'currency')
if not w[4] then
  return {'INVALID_WALLET_ID'}
end
local real, bonus = tonumber(w[1]), tonumber(w[2])
local real_part, bonus_part = amount, 0
if kind == 'debit' then
  if w[3] == '1' then
    return {'USER_BLOCKED'}
  end
  real_part = math.min(amount, math.max(real, 0))
  bonus_part = amount - real_part
  if bonus_part > bonus then
    return {'INSUFFICIENT_FUNDS'}
  end
  real, bonus = real - real_part, bonus - bonus_part
else
  if real + amount > MAX_MINOR then
    return {'INVALID_AMOUNT'}
  end
  real = real + amount
end

redis.call('HSET', KEYS[1], 'real', int(real), 'bonus', int(bonus))
if state == 'active' then
  touch_session(KEYS[2], KEYS[3], KEYS[8], sid, now, ttl)
end
local mid = ARGV[8]
save_reference(KEYS[9], KEYS[4], wallet_id, retention, {'kind', kind, 'fp', ARGV[9],
  'mid', mid, 'sid', sid, 'amount', int(amount), 'real', int(real_part),
  'bonus', int(bonus_part), 'real_after', int(real), 'bonus_after', int(bonus),
  'game', ARGV[16], 'provider', ARGV[17], 'ts', int(now)})
local sign = kind == 'debit' and -1 or 1
local entry = {'event', kind, 'mid', mid, 'ref', ARGV[7], 'sid', sid, 'wallet', wallet_id,
  'ps', ARGV[4], 'type', ARGV[13], 'amount', int(amount), 'real', int(sign * real_part),
  'bonus', int(sign * bonus_part), 'real_after', int(real), 'bonus_after', int(bonus),
  'currency', w[4], 'game', ARGV[16], 'provider', ARGV[17], 'description', ARGV[14],
  'tags', ARGV[15], 'ts', int(now)}
audit(KEYS[5], nil, entry)
audit(KEYS[6], int(now - retention), entry)
if kind == 'debit' then
  count(KEYS[7], ARGV[17], ARGV[16], w[4], {'bet', amount, 'count_bet', 1}, retention)
else
  count(KEYS[7], ARGV[17], ARGV[16], w[4], {'win', amount, 'count_win', 1}, retention)
end
return {'OK', mid, real, bonus, bonus_part, 0, amount}
