-- Apply an operator deposit or withdrawal exactly once per (wallet, reference).
-- Guarantees: balance change, adjustment record and audit entry together or not at all; a
-- withdrawal never takes a sub-wallet below zero.
-- KEYS[1] = wallet hash   KEYS[2] = adjustment record   KEYS[3] = wallet stream
-- ARGV[1] = 'deposit' or 'withdrawal'   ARGV[2] = 'real' or 'bonus'
-- ARGV[3] = amount (minor units)        ARGV[4] = reference       ARGV[5] = now (ms)
-- ARGV[6] = audit retention (ms)        ARGV[7] = new movement id ARGV[8] = request fingerprint
-- returns {'OK', movement id, real after, bonus after, replayed 0|1, amount} or {error status}
local kind, sub, amount = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now, retention = tonumber(ARGV[5]), tonumber(ARGV[6])

local done = redis.call('HMGET', KEYS[2], 'fp', 'mid', 'real_after', 'bonus_after')
if done[1] then
  if done[1] ~= ARGV[8] then
    return {'DUPLICATE_TX_ID'}
  end
  return {'OK', done[2], tonumber(done[3]), tonumber(done[4]), 1, amount}
end
local w = redis.call('HMGET', KEYS[1], 'real', 'bonus', 'currency')
if not w[3] then
  return {'NOT_FOUND'}
end
local balances = {real = tonumber(w[1]), bonus = tonumber(w[2])}
local delta = kind == 'deposit' and amount or -amount
if balances[sub] + delta < 0 then
  return {'INSUFFICIENT_FUNDS'}
end
if balances[sub] + delta > MAX_MINOR then
  return {'INVALID_AMOUNT'}
end
balances[sub] = balances[sub] + delta

local real, bonus = balances.real, balances.bonus
redis.call('HSET', KEYS[1], 'real', int(real), 'bonus', int(bonus))
redis.call('HSET', KEYS[2], 'fp', ARGV[8], 'mid', ARGV[7], 'real_after', int(real),
  'bonus_after', int(bonus))
redis.call('PEXPIRE', KEYS[2], int(retention))
local real_delta = sub == 'real' and delta or 0
audit(KEYS[3], int(now - retention), {'event', kind, 'mid', ARGV[7], 'ref', ARGV[4],
  'type', string.upper(kind), 'amount', int(amount), 'real', int(real_delta),
  'bonus', int(delta - real_delta), 'real_after', int(real), 'bonus_after', int(bonus),
  'currency', w[3], 'ts', int(now)})
return {'OK', ARGV[7], real, bonus, 0, amount}
