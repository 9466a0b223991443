-- Read a wallet's balance through an active session, refreshing its idle timeout.
-- KEYS[1] = wallet hash   KEYS[2] = session record   KEYS[3] = live-session key
-- KEYS[4] = the shard's live-session index
-- ARGV[1] = now (ms)   ARGV[2] = parent system   ARGV[3] = wallet id   ARGV[4] = session id
-- returns {'OK', real, bonus} or {'INVALID_WALLET_SESSION'}
local now = tonumber(ARGV[1])
local state, ttl = session_state(KEYS[2], KEYS[3], ARGV[2], ARGV[3], now, 0)
if state ~= 'active' then
  return {'INVALID_WALLET_SESSION'}
end
touch_session(KEYS[2], KEYS[3], KEYS[4], ARGV[4], now, ttl)
local w = redis.call('HMGET', KEYS[1], 'real', 'bonus')
return {'OK', tonumber(w[1]), tonumber(w[2])}
