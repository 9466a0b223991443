-- Helpers prepended to every wallet script. They only read, or write after the caller has
-- validated everything, so a script that returns an error status has written nothing
-- (the rollback tombstone is the one deliberate exception, see rollback.lua).

-- Lua numbers are doubles: amounts stay below 2^53 and are written as integer text.
local MAX_MINOR = 9007199254740991

local function int(x)
  return string.format('%d', x)
end

-- Session state: 'active', 'late' (inside the late-settlement window) or nil (refused).
-- The Redis TTL on the live key and the times in the record must both say the session is open.
-- An active session comes with the time a touch keeps it open for: the idle timeout, never
-- past the absolute limit.
-- A session opened by another parent system, or for another wallet, does not exist here.
local function session_state(record_key, live_key, parent_system, wallet_id, now, late_ms)
  local s = redis.call('HMGET', record_key, 'ps', 'status', 'last', 'idle', 'abs', 'closed',
    'wallet')
  if not s[1] or s[1] ~= parent_system or (wallet_id and s[7] ~= wallet_id) then
    return nil
  end
  local ended
  if s[2] == 'CLOSE' then
    ended = tonumber(s[6])
  else
    ended = math.min(tonumber(s[3]) + tonumber(s[4]), tonumber(s[5]))
    if now < ended and redis.call('EXISTS', live_key) == 1 then
      return 'active', math.min(tonumber(s[4]), tonumber(s[5]) - now)
    end
    ended = math.min(ended, now)
  end
  if now < ended + late_ms then
    return 'late'
  end
  return nil
end

-- Keep an active session open for `ttl` more (session_state's second result). The shard's
-- live-session index (scored by expiry) lets the open-session gauge count live sessions
-- without a scan.
local function touch_session(record_key, live_key, live_index, sid, now, ttl)
  redis.call('HSET', record_key, 'last', int(now))
  redis.call('PEXPIRE', live_key, int(ttl))
  redis.call('ZADD', live_index, int(now + ttl), sid)
end

-- Append one audit entry; `fields` is a flat list of names and values.
local function audit(stream_key, min_id, fields)
  if min_id then
    redis.call('XADD', stream_key, 'MINID', '~', min_id, '*', unpack(fields))
  else
    redis.call('XADD', stream_key, '*', unpack(fields))
  end
end

-- Idempotency: nil when the reference is new, else the reply to send. An identical repeat in
-- replay mode gets the original result; anything else under a known reference is a duplicate,
-- including a reference kept as a rollback tombstone or registered by another wallet.
-- `owner_key` is the reference directory entry, or nil on Redis Cluster, where the caller
-- claims it before the script (it lives in another slot).
local function known_reference(owner_key, record_key, wallet_id, fingerprint, replay)
  local owner = owner_key and redis.call('GET', owner_key)
  if owner and owner ~= wallet_id then
    return {'DUPLICATE_TX_ID'}
  end
  local m = redis.call('HMGET', record_key, 'kind', 'fp', 'mid', 'real_after', 'bonus_after',
    'bonus', 'amount')
  if not m[1] then
    return nil
  end
  if replay == '1' and m[2] and m[2] == fingerprint then
    return {'OK', m[3], tonumber(m[4]), tonumber(m[5]), tonumber(m[6]), 1, tonumber(m[7])}
  end
  return {'DUPLICATE_TX_ID'}
end

-- Register a reference for this wallet, with its record, for the retention period.
local function save_reference(owner_key, record_key, wallet_id, retention, fields)
  redis.call('HSET', record_key, unpack(fields))
  redis.call('PEXPIRE', record_key, int(retention))
  if owner_key then
    redis.call('SET', owner_key, wallet_id, 'PX', int(retention))
  end
end

-- Add to the reconciliation counters of (provider, game, currency); `increments` is a flat
-- list of counter names and amounts.
local function count(key, provider, game, currency, increments, retention)
  local prefix = provider .. '\31' .. game .. '\31' .. currency .. '\31'
  for i = 1, #increments, 2 do
    redis.call('HINCRBY', key, prefix .. increments[i], int(increments[i + 1]))
  end
  redis.call('PEXPIRE', key, int(retention))
end
