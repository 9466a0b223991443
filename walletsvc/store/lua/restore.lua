-- Write a batch of one shard's records back from the ledger (walletsvc ledger restore).
-- Not prepended with common.lua: it runs while the shard is fenced ('restoring'), when nothing
-- else writes the shard. Every key is in KEYS; each entry names its keys by index.
-- Guarantees: idempotent, so a restore stopped part-way can simply run again: hashes are
-- written again with the same fields, TTLs set again, and a stream entry whose id the stream
-- already holds is skipped. Each record and stream entry is the one the movement scripts wrote.
-- KEYS: the keys the entries name, each once
-- ARGV[1] = JSON array of entries {k = {record, wallet stream, reference directory entry,
--   reversed movement's record} as indexes into KEYS (0: none), t = TTL (ms, text),
--   i = stream id, f = the outbox entry as the ledger keeps it}
-- returns the number of stream entries added

-- The audit entry's fields in the order the scripts write them (movement, rollback and
-- adjust.lua); a field not listed (a later script's) follows them, by name.
local ORDER = {'event', 'mid', 'ref', 'reverses', 'sid', 'wallet', 'ps', 'type', 'amount',
  'real', 'bonus', 'real_after', 'bonus_after', 'currency', 'game', 'provider', 'description',
  'tags', 'ts'}
local LISTED = {}
for _, name in ipairs(ORDER) do
  LISTED[name] = true
end

local function audit_fields(f)
  local flat, extra = {}, {}
  for _, name in ipairs(ORDER) do
    if f[name] ~= nil then
      flat[#flat + 1] = name
      flat[#flat + 1] = f[name]
    end
  end
  for name in pairs(f) do
    if not LISTED[name] and string.sub(name, 1, 1) ~= '_' then
      extra[#extra + 1] = name
    end
  end
  table.sort(extra)
  for _, name in ipairs(extra) do
    flat[#flat + 1] = name
    flat[#flat + 1] = f[name]
  end
  return flat
end

-- The record a movement script keeps under the reference (amounts as integer text).
local function record_fields(f)
  local event = f.event
  if event == 'deposit' or event == 'withdrawal' then
    return {'fp', f._fp, 'mid', f.mid, 'real_after', f.real_after, 'bonus_after', f.bonus_after}
  end
  if event == 'tombstone' then
    return {'kind', 'tombstone', 'sid', f.sid, 'by', f.by, 'ts', f.ts}
  end
  local record = {'kind', event, 'fp', f._fp, 'mid', f.mid, 'sid', f.sid, 'amount', f.amount,
    'real', (string.gsub(f.real, '^-', '')), 'bonus', (string.gsub(f.bonus, '^-', '')),
    'real_after', f.real_after, 'bonus_after', f.bonus_after, 'ts', f.ts}
  if event == 'rollback' then
    record[#record + 1] = 'reverses'
    record[#record + 1] = f.reverses
  else
    record[#record + 1] = 'game'
    record[#record + 1] = f.game
    record[#record + 1] = 'provider'
    record[#record + 1] = f.provider
  end
  return record
end

local added = 0
for _, e in ipairs(cjson.decode(ARGV[1])) do
  local f, k = e.f, e.k
  local record = KEYS[k[1]]
  redis.call('HSET', record, unpack(record_fields(f)))
  redis.call('PEXPIRE', record, e.t)
  if k[3] > 0 then
    redis.call('SET', KEYS[k[3]], f.wallet, 'PX', e.t)
  end
  -- A reversed movement older than the retention is gone from Redis: nothing to mark.
  if k[4] > 0 and redis.call('EXISTS', KEYS[k[4]]) == 1 then
    redis.call('HSET', KEYS[k[4]], 'rolled_back', f.ref)
  end
  if k[2] > 0 then
    local reply = redis.pcall('XADD', KEYS[k[2]], e.i, unpack(audit_fields(f)))
    if type(reply) == 'table' and reply.err then
      if not string.find(reply.err, 'equal or smaller', 1, true) then
        return redis.error_reply(reply.err)
      end
    else
      added = added + 1
    end
  end
end
return added
