-- Prepended to every wallet script (store/scripts.py). Keys and arguments arrive by name: the
-- caller passes ARGV[1] = the names of KEYS in order, separated by spaces, and ARGV[2] = a JSON
-- object of the arguments, every value a string; `K` and `A` below hold them by name, so no
-- script depends on positions (and a call carries two arguments, not forty).
-- The helpers only read, or write after the caller has validated everything, so a script that
-- returns an error status has written nothing (the rollback tombstone is the one deliberate
-- exception, see rollback.lua).
-- Every script may reply {'STORE_NOT_READY'}, having read and written nothing else.
-- Every money script (movement, rollback, adjust) replies
--   {'OK', movement id, real after, bonus after, bonus part, replayed 0|1, amount}
-- or {error status}, the status being a GPAS error type.

local function named(keys, argv)
  local k, i = {}, 1
  for name in string.gmatch(argv[1], '%S+') do
    k[name] = keys[i]
    i = i + 1
  end
  return k, cjson.decode(argv[2])
end
local K, A = named(KEYS, ARGV)

-- The store fence (store/fence.py): every script names its shard's marker as KEYS `store` and
-- runs only while the marker says 'ready'. A shard that lost its data has no marker, one being
-- restored says 'restoring': the script answers STORE_NOT_READY before any other read or
-- write, so a resent movement is never judged against records that are gone.
if redis.call('HGET', K.store, 'state') ~= 'ready' then
  return {'STORE_NOT_READY'}
end

-- Lua numbers are doubles: amounts stay below 2^53 and are written as integer text.
local MAX_MINOR = 9007199254740991

local function int(x)
  return string.format('%d', x)
end

-- HMGET with its reply named: fields(key, 'a', 'b').a (false where the field is missing).
local function fields(key, ...)
  local names = {...}
  local values = redis.call('HMGET', key, unpack(names))
  local record = {}
  for i, name in ipairs(names) do
    record[name] = values[i]
  end
  return record
end

-- Session state: 'active', 'late' (inside the late-settlement window) or nil (refused).
-- The Redis TTL on the live key and the times in the record must both say the session is open.
-- An active session comes with the time a touch keeps it open for: the idle timeout, never
-- past the absolute limit.
-- A session opened by another parent system, or for another wallet, does not exist here.
local function session_state(record_key, live_key, parent_system, wallet_id, now, late_ms)
  local s = fields(record_key, 'ps', 'status', 'last', 'idle', 'abs', 'closed', 'wallet')
  if not s.ps or s.ps ~= parent_system or (wallet_id and s.wallet ~= wallet_id) then
    return nil
  end
  local ended
  if s.status == 'CLOSE' then
    ended = tonumber(s.closed)
  else
    ended = math.min(tonumber(s.last) + tonumber(s.idle), tonumber(s.abs))
    if now < ended and redis.call('EXISTS', live_key) == 1 then
      return 'active', math.min(tonumber(s.idle), tonumber(s.abs) - now)
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

-- Append one audit entry; `entry` is a flat list of names and values.
local function audit(stream_key, min_id, entry)
  if min_id then
    redis.call('XADD', stream_key, 'MINID', '~', min_id, '*', unpack(entry))
  else
    redis.call('XADD', stream_key, '*', unpack(entry))
  end
end

-- The ledger's feed: append one entry to the shard's outbox (KEYS `outbox`), in the same atomic
-- step as the change it records, so the ledger (walletsvc/ledger) receives every change once
-- Redis has it. `entry` is the audit entry as the scripts write it to their streams; `extra`
-- (optional) adds what the ledger needs beyond it, under names starting with '_' (the request
-- fingerprint, so that a restored record still replays). Never trimmed here: the exporter
-- deletes an entry once PostgreSQL has committed it, and keeps it while PostgreSQL is down.
local function outbox(entry, extra)
  local fields = {unpack(entry)}
  for _, value in ipairs(extra or {}) do
    fields[#fields + 1] = value
  end
  redis.call('XADD', K.outbox, '*', unpack(fields))
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
  local m = fields(record_key, 'kind', 'fp', 'mid', 'real_after', 'bonus_after', 'bonus',
    'amount')
  if not m.kind then
    return nil
  end
  if replay == '1' and m.fp and m.fp == fingerprint then
    return {'OK', m.mid, tonumber(m.real_after), tonumber(m.bonus_after), tonumber(m.bonus), 1,
      tonumber(m.amount)}
  end
  return {'DUPLICATE_TX_ID'}
end

-- Register a reference for this wallet, with its record, for the retention period.
local function save_reference(owner_key, record_key, wallet_id, retention, record)
  redis.call('HSET', record_key, unpack(record))
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
