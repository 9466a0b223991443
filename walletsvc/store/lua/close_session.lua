-- Close an open wallet session.
-- Guarantees: the live key is removed and the record and stream kept for the retention period.
-- KEYS[1] = session record   KEYS[2] = live-session key   KEYS[3] = session stream
-- KEYS[4] = the shard's live-session index
-- ARGV[1] = now (ms)   ARGV[2] = parent system   ARGV[3] = late settlement (ms)
-- ARGV[4] = audit retention (ms)   ARGV[5] = session id
-- returns {'OK'} or {'INVALID_WALLET_SESSION'}
local now = tonumber(ARGV[1])
if session_state(KEYS[1], KEYS[2], ARGV[2], nil, now, 0) ~= 'active' then
  return {'INVALID_WALLET_SESSION'}
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[4], ARGV[5])
redis.call('HSET', KEYS[1], 'status', 'CLOSE', 'closed', int(now))
local wallet_id = redis.call('HGET', KEYS[1], 'wallet')
audit(KEYS[3], nil, {'event', 'closed', 'wallet', wallet_id, 'ts', int(now)})
local keep = int(tonumber(ARGV[3]) + tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[3], keep)
return {'OK'}
