-- Apply a GPAS debit (bet) or credit (win) exactly once. common.lua and protection.lua are
-- prepended.
-- Guarantees: session check, idempotency record, balance change, session touch, both audit
-- entries, the outbox entry, the reconciliation and player-protection counters happen together
-- or not at all; every check runs before the first write, the session's first
-- (docs/gpas-contract.md, "The order of checks"). A
-- debit is refused whole by a pause or a limit it would pass (its one write then is the
-- refusal's outbox entry, the evidence); a credit is never refused by a limit. A debit takes
-- REAL first, then BONUS, and never overdraws.
-- KEYS (by name): store = the shard's marker (common.lua), wallet = wallet hash, session =
--   session record, live = live-session key, live_index = the shard's live-session index,
--   record = this movement's record (by external reference), session_stream, wallet_stream,
--   counters = today's reconciliation counters of the wallet's shard, owner = reference
--   directory entry (absent on Redis Cluster, where the caller claims it first), outbox = the
--   shard's ledger outbox, protection = the wallet's protection settings, usage = its period
--   counters (protection.lua)
-- ARGV (by name): kind = 'debit' or 'credit', now (ms), late (late settlement, ms), retention
--   (audit, ms), replay = '1' to replay identical repeats, refusal = a business rule's verdict
--   to answer once the session has passed ('' if none), amount (minor units), mid = the new
--   movement id, fp = request fingerprint, ps = parent system, wallet, sid = session id,
--   ref = external reference, type = typeCode, description, tags (JSON), game, provider,
--   d0 d1 w0 w1 m0 m1 = the running periods (protection.lua)
-- returns the money reply (common.lua), {error status}, a pause's {status, ends} or a limit's
--   {'LIMIT_REACHED', kind, period, limit, used, tried, resets at} (protection.lua)
local kind, now, amount = A.kind, tonumber(A.now), tonumber(A.amount)
local retention = tonumber(A.retention)

local state, ttl = session_state(K.session, K.live, A.ps, A.wallet, now, tonumber(A.late))
if not state or (state == 'late' and kind == 'debit') then
  return {'INVALID_WALLET_SESSION'}
end
if A.refusal ~= '' then
  return {A.refusal}
end
local known = known_reference(K.owner, K.record, A.wallet, A.fp, A.replay)
if known then
  return known
end
local w = fields(K.wallet, 'real', 'bonus', 'blocked', 'currency')
if not w.currency then
  return {'INVALID_WALLET_ID'}
end
local real, bonus = tonumber(w.real), tonumber(w.bonus)
local u, played, since
local real_part, bonus_part = amount, 0
if kind == 'debit' then
  if w.blocked == '1' then
    return {'USER_BLOCKED'}
  end
  local s = hash(K.protection)
  local what = {'ref', A.ref, 'sid', A.sid, 'ps', A.ps, 'currency', w.currency}
  local pause, ends = paused(s, now)
  if pause then
    record_refusal({pause, ends}, what)
    return {pause, ends}
  end
  u = usage(K.usage)
  local session = fields(K.session, 'created', 'pl')
  since = session.pl or session.created
  local refusal
  refusal, played = judge_bet(s, u, amount, session, now)
  if refusal then
    record_refusal(refusal, what)
    return refusal
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

redis.call('HSET', K.wallet, 'real', int(real), 'bonus', int(bonus))
if state == 'active' then
  touch_session(K.session, K.live, K.live_index, A.sid, now, ttl)
end
save_reference(K.owner, K.record, A.wallet, retention, {'kind', kind, 'fp', A.fp,
  'mid', A.mid, 'sid', A.sid, 'amount', int(amount), 'real', int(real_part),
  'bonus', int(bonus_part), 'real_after', int(real), 'bonus_after', int(bonus),
  'game', A.game, 'provider', A.provider, 'ts', int(now)})
local sign = kind == 'debit' and -1 or 1
local entry = {'event', kind, 'mid', A.mid, 'ref', A.ref, 'sid', A.sid, 'wallet', A.wallet,
  'ps', A.ps, 'type', A.type, 'amount', int(amount), 'real', int(sign * real_part),
  'bonus', int(sign * bonus_part), 'real_after', int(real), 'bonus_after', int(bonus),
  'currency', w.currency, 'game', A.game, 'provider', A.provider,
  'description', A.description, 'tags', A.tags, 'ts', int(now)}
audit(K.session_stream, nil, entry)
audit(K.wallet_stream, int(now - retention), entry)
-- A bet's play time ran from `_since` (restore counts it again from there).
outbox(entry, since and {'_fp', A.fp, '_since', since} or {'_fp', A.fp})
if kind == 'debit' then
  add(u, 'wager', each(amount))
  add(u, 'loss', each(amount))
  add(u, 'play', played)
  redis.call('HSET', K.session, 'pl', int(now))
else
  u = usage(K.usage)
  add(u, 'loss', each(-amount))
end
save_usage(K.usage, u)
if kind == 'debit' then
  count(K.counters, A.provider, A.game, w.currency, {'bet', amount, 'count_bet', 1}, retention)
else
  count(K.counters, A.provider, A.game, w.currency, {'win', amount, 'count_win', 1}, retention)
end
return {'OK', A.mid, real, bonus, bonus_part, 0, amount}
