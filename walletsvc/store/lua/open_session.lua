-- Open a wallet session with a launch token, consuming the token. common.lua and protection.lua
-- are prepended.
-- Guarantees: the token is consumed if and only if the session is created. A paused or excluded
-- wallet, or one lacking a required limit, opens none (the refusal's outbox entry is the one
-- write then, its evidence).
-- KEYS (by name): store = the shard's marker (common.lua), token = launch token (opaque) or used-JWT-id key, wallet = wallet hash,
--   session = session record, live = live-session key, session_stream, wallet_sessions =
--   the wallet's session index, live_index = the shard's live-session index (scored by expiry),
--   outbox = the shard's ledger outbox, protection = the wallet's protection settings
-- ARGV (by name): token_kind = 'opaque' or 'jwt', now (ms), sid = session id, wallet = wallet
--   id, ps = parent system, idle = idle timeout (ms), max_age = absolute limit (ms),
--   retention (audit, ms), jwt_ttl = JWT id lifetime (ms), required = the limit kinds a wallet
--   must have, comma-separated ('' if none)
-- returns {'OK'}, {error status}, a pause's {status, ends} or {'LIMITS_REQUIRED', missing...}
local token_kind, now, sid, wallet_id = A.token_kind, tonumber(A.now), A.sid, A.wallet
local idle, max_age, retention = tonumber(A.idle), tonumber(A.max_age), tonumber(A.retention)

if token_kind == 'opaque' then
  local owner = redis.call('GET', K.token)
  if not owner then
    return {'INVALID_AUTH_TOKEN'}
  end
  if owner ~= wallet_id then
    return {'INVALID_WALLET_ID'}
  end
elseif redis.call('EXISTS', K.token) == 1 then
  return {'INVALID_AUTH_TOKEN'}
end
local w = fields(K.wallet, 'currency', 'blocked')
if not w.currency then
  return {'INVALID_WALLET_ID'}
end
if w.blocked == '1' then
  return {'USER_BLOCKED'}
end
local s = hash(K.protection)
local what = {'sid', sid, 'ps', A.ps, 'currency', w.currency}
local pause, ends = paused(s, now)
if pause then
  record_refusal({pause, ends}, what)
  return {pause, ends}
end
local missing = missing_required(s, A.required, now)
if #missing > 0 then
  record_refusal({'LIMITS_REQUIRED', nil}, {'missing', table.concat(missing, ','), unpack(what)})
  return {'LIMITS_REQUIRED', unpack(missing)}
end

local keep = int(max_age + retention)
local first_expiry = math.min(idle, max_age)
-- A write that takes memory goes first: Redis out of memory refuses a script at its first such
-- write, so the session is refused whole rather than opened past maxmemory.
redis.call('HSET', K.session, 'wallet', wallet_id, 'currency', w.currency, 'ps', A.ps,
  'status', 'OPEN', 'created', int(now), 'last', int(now), 'idle', int(idle),
  'abs', int(now + max_age))
if token_kind == 'opaque' then
  redis.call('DEL', K.token)
else
  redis.call('SET', K.token, wallet_id, 'PX', A.jwt_ttl)
end
redis.call('PEXPIRE', K.session, keep)
redis.call('SET', K.live, '1', 'PX', int(first_expiry))
redis.call('ZREMRANGEBYSCORE', K.live_index, '-inf', int(now))
redis.call('ZADD', K.live_index, int(now + first_expiry), sid)
local opened = {'event', 'opened', 'sid', sid, 'wallet', wallet_id, 'ps', A.ps,
  'token', token_kind, 'ts', int(now)}
audit(K.session_stream, nil, opened)
outbox(opened)
redis.call('PEXPIRE', K.session_stream, keep)
redis.call('ZADD', K.wallet_sessions, int(now), sid)
redis.call('ZREMRANGEBYSCORE', K.wallet_sessions, '-inf', int(now - max_age - retention))
return {'OK'}
