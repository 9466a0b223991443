-- Close an open wallet session. common.lua is prepended.
-- Guarantees: the live key is removed and the record and stream kept for the retention period.
-- KEYS (by name): store = the shard's marker (common.lua), session = session record, live = live-session key, session_stream,
--   live_index = the shard's live-session index, outbox = the shard's ledger outbox
-- ARGV (by name): now (ms), ps = parent system, late (late settlement, ms), retention (audit,
--   ms), sid = session id
-- returns {'OK'} or {'INVALID_WALLET_SESSION'}
local now = tonumber(A.now)
if session_state(K.session, K.live, A.ps, nil, now, 0) ~= 'active' then
  return {'INVALID_WALLET_SESSION'}
end
-- A write that takes memory goes first: Redis out of memory refuses a script at its first such
-- write, so the close is refused whole rather than applied past maxmemory.
redis.call('HSET', K.session, 'status', 'CLOSE', 'closed', int(now))
redis.call('DEL', K.live)
redis.call('ZREM', K.live_index, A.sid)
local wallet_id = redis.call('HGET', K.session, 'wallet')
local closed = {'event', 'closed', 'wallet', wallet_id, 'ts', int(now)}
audit(K.session_stream, nil, closed)
outbox(closed, {'_sid', A.sid, '_ps', A.ps})
local keep = int(tonumber(A.late) + tonumber(A.retention))
redis.call('PEXPIRE', K.session, keep)
redis.call('PEXPIRE', K.session_stream, keep)
return {'OK'}
