-- Apply an operator deposit or withdrawal exactly once per (wallet, reference). common.lua and
-- protection.lua are prepended. A deposit to REAL is what a player deposits: it counts toward
-- the deposit limits and is refused whole by one it would pass (its one write then is the
-- refusal's outbox entry); a withdrawal is never refused by a limit.
-- Guarantees: balance change, adjustment record, audit and outbox entries together or not at all; a
-- withdrawal never takes a sub-wallet below zero.
-- KEYS (by name): store = the shard's marker (common.lua), wallet = wallet hash, record = adjustment record, wallet_stream,
--   outbox = the shard's ledger outbox, protection, usage: as movement.lua
-- ARGV (by name): kind = 'deposit' or 'withdrawal', sub = 'real' or 'bonus', amount (minor
--   units), ref = reference, now (ms), retention (audit, ms), mid = new movement id,
--   fp = request fingerprint, wallet = wallet id, d0 d1 w0 w1 m0 m1: as movement.lua
-- returns the money reply (common.lua; bonus part 0), {error status} or a limit's refusal
--   (protection.lua)
local kind, sub, amount = A.kind, A.sub, tonumber(A.amount)
local now, retention = tonumber(A.now), tonumber(A.retention)

local done = fields(K.record, 'fp', 'mid', 'real_after', 'bonus_after')
if done.fp then
  if done.fp ~= A.fp then
    return {'DUPLICATE_TX_ID'}
  end
  return {'OK', done.mid, tonumber(done.real_after), tonumber(done.bonus_after), 0, 1, amount}
end
local w = fields(K.wallet, 'real', 'bonus', 'currency')
if not w.currency then
  return {'NOT_FOUND'}
end
local balances = {real = tonumber(w.real), bonus = tonumber(w.bonus)}
local delta = kind == 'deposit' and amount or -amount
if balances[sub] + delta < 0 then
  return {'INSUFFICIENT_FUNDS'}
end
if balances[sub] + delta > MAX_MINOR then
  return {'INVALID_AMOUNT'}
end
local counted = kind == 'deposit' and sub == 'real'
local u
if counted then
  u = usage(K.usage)
  local refusal = over(hash(K.protection), u, 'deposit', each(amount), amount, now)
  if refusal then
    record_refusal(refusal, {'ref', A.ref, 'currency', w.currency})
    return refusal
  end
end
balances[sub] = balances[sub] + delta

local real, bonus = balances.real, balances.bonus
redis.call('HSET', K.wallet, 'real', int(real), 'bonus', int(bonus))
redis.call('HSET', K.record, 'fp', A.fp, 'mid', A.mid, 'real_after', int(real),
  'bonus_after', int(bonus))
redis.call('PEXPIRE', K.record, int(retention))
local real_delta = sub == 'real' and delta or 0
local entry = {'event', kind, 'mid', A.mid, 'ref', A.ref, 'type', string.upper(kind),
  'amount', int(amount), 'real', int(real_delta), 'bonus', int(delta - real_delta),
  'real_after', int(real), 'bonus_after', int(bonus), 'currency', w.currency, 'ts', int(now)}
audit(K.wallet_stream, int(now - retention), entry)
outbox(entry, {'_wallet', A.wallet, '_fp', A.fp})
if counted then
  add(u, 'deposit', each(amount))
  save_usage(K.usage, u)
end
return {'OK', A.mid, real, bonus, 0, 0, amount}
