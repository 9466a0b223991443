-- Read a wallet's balance through an active session, refreshing its idle timeout.
-- common.lua is prepended. With touch = '0' the script only reads: the caller's way to answer a
-- balance while Redis refuses writes (the session is still checked, only not refreshed).
-- KEYS (by name): store = the shard's marker (common.lua), wallet = wallet hash, session = session record, live = live-session key,
--   live_index = the shard's live-session index
-- ARGV (by name): now (ms), ps = parent system, wallet = wallet id, sid = session id,
--   touch = '1' to refresh the idle timeout, '0' to only read
-- returns {'OK', real, bonus} or {'INVALID_WALLET_SESSION'}
local now = tonumber(A.now)
local state, ttl = session_state(K.session, K.live, A.ps, A.wallet, now, 0)
if state ~= 'active' then
  return {'INVALID_WALLET_SESSION'}
end
if A.touch == '1' then
  touch_session(K.session, K.live, K.live_index, A.sid, now, ttl)
end
local w = fields(K.wallet, 'real', 'bonus')
return {'OK', tonumber(w.real), tonumber(w.bonus)}
