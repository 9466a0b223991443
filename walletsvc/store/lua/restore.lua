-- Write a batch of one shard's records back from the ledger (walletsvc ledger restore).
-- Not prepended with common.lua: it runs while the shard is fenced ('restoring'), and nothing
-- else writes the shard then. Every key is in KEYS; each entry names its keys by index.
-- Guarantees: idempotent, so a restore stopped part-way can simply run again: hashes are
-- overwritten with the same fields, TTLs set again, and a stream entry whose id the stream
-- already holds is skipped.
-- KEYS: the keys the entries name (record, wallet stream, reference directory entry, reversed
--   movement's record), each once
-- ARGV[1] = JSON array of entries: {r = record key index, ttl (ms), rec = the record's fields
--   as a flat list, o = directory key index (0: none), wallet = the directory's value,
--   t = reversed record key index (0: none), ref = this rollback's reference,
--   s = wallet stream key index (0: none), id = stream id, audit = the stream entry's fields
--   as a flat list}
-- returns the number of stream entries added
local added = 0
for _, e in ipairs(cjson.decode(ARGV[1])) do
  local record = KEYS[e.r]
  redis.call('HSET', record, unpack(e.rec))
  redis.call('PEXPIRE', record, e.ttl)
  if e.o > 0 then
    redis.call('SET', KEYS[e.o], e.wallet, 'PX', e.ttl)
  end
  -- A reversed movement older than the retention is gone from Redis: nothing to mark.
  if e.t > 0 and redis.call('EXISTS', KEYS[e.t]) == 1 then
    redis.call('HSET', KEYS[e.t], 'rolled_back', e.ref)
  end
  if e.s > 0 then
    local reply = redis.pcall('XADD', KEYS[e.s], e.id, unpack(e.audit))
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
