-- Open a wallet session with a launch token, consuming the token.
-- Guarantees: the token is consumed if and only if the session is created.
-- KEYS[1] = launch token (opaque) or used-JWT-id key
-- KEYS[2] = wallet hash
-- KEYS[3] = session record
-- KEYS[4] = live-session key
-- KEYS[5] = session stream
-- KEYS[6] = wallet's session index
-- KEYS[7] = the shard's live-session index (scored by expiry)
-- ARGV[1] = token kind: 'opaque' or 'jwt'
-- ARGV[2] = now (ms)            ARGV[3] = session id       ARGV[4] = wallet id
-- ARGV[5] = parent system       ARGV[6] = idle timeout (ms) ARGV[7] = absolute limit (ms)
-- ARGV[8] = audit retention (ms) ARGV[9] = JWT id lifetime (ms)
-- returns {'OK'} or {error status}
local kind, now, sid, wallet_id = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local idle, max_age, retention = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])

if kind == 'opaque' then
  local owner = redis.call('GET', KEYS[1])
  if not owner then
    return {'INVALID_AUTH_TOKEN'}
  end
  if owner ~= wallet_id then
    return {'INVALID_WALLET_ID'}
  end
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  return {'INVALID_AUTH_TOKEN'}
end
local w = redis.call('HMGET', KEYS[2], 'currency', 'blocked')
if not w[1] then
  return {'INVALID_WALLET_ID'}
end
if w[2] == '1' then
  return {'USER_BLOCKED'}
end

if kind == 'opaque' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], wallet_id, 'PX', ARGV[9])
end
local keep = int(max_age + retention)
redis.call('HSET', KEYS[3], 'wallet', wallet_id, 'currency', w[1], 'ps', ARGV[5],
  'status', 'OPEN', 'created', int(now), 'last', int(now), 'idle', int(idle),
  'abs', int(now + max_age))
redis.call('PEXPIRE', KEYS[3], keep)
redis.call('SET', KEYS[4], '1', 'PX', int(math.min(idle, max_age)))
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', int(now))
redis.call('ZADD', KEYS[7], int(now + math.min(idle, max_age)), sid)
audit(KEYS[5], nil, {'event', 'opened', 'sid', sid, 'wallet', wallet_id, 'ps', ARGV[5],
  'token', kind, 'ts', int(now)})
redis.call('PEXPIRE', KEYS[5], keep)
redis.call('ZADD', KEYS[6], int(now), sid)
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', int(now - max_age - retention))
return {'OK'}
