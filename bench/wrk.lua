-- wrk script: hand out prebuilt raw requests, one file per wrk thread (bench/wrk.py writes them).
--
-- wrk -s bench/wrk.lua URL -- PREFIX MODE: thread n loads PREFIX-n.req, made of records
-- "<byte count>\n<raw HTTP/1.1 request>", and request() returns them in order. MODE "unique":
-- each request may go out once (signed debits: a reference repeated would be an idempotent
-- replay, not a debit); the requests a thread sends past the end of its file are counted as
-- repeated and the runner reports them as errors. MODE "cycle": the file is sent round and
-- round (GET /ping). done() prints one JSON line: counts, errors and latency percentiles (µs).
--
-- A third argument ANSWERS (a file name) also records every answer, one line each,
-- "<status> <type> <request id> <latency µs>" (type OK for a 200, else the GPAS error type of the
-- body), written to ANSWERS by done(), then "0 REPEATED <request id> -1" for each request sent
-- again past the end of its file (only its first answer is recorded). Each request carries X-Request-Id, which the service and
-- nginx echo, so an answer finds its request and its own latency: wrk's histogram mixes all
-- answers, fast refusals with the movements. Timing uses LuaJIT's FFI (wrk's Lua has no clock).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local CLOCK_MONOTONIC, now = 1, ffi.new("bench_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
   return tonumber(now.tv_sec) * 1000000 + math.floor(tonumber(now.tv_nsec) / 1000)
end

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   local file = assert(io.open(args[1] .. "-" .. id .. ".req", "rb"))
   local data = file:read("*a")
   file:close()
   requests = {}
   local at = 1
   while at <= #data do
      local newline = data:find("\n", at, true)
      local size = tonumber(data:sub(at, newline - 1))
      requests[#requests + 1] = data:sub(newline + 1, newline + size)
      at = newline + size + 1
   end
   prepared, sent, unique = #requests, 0, args[2] == "unique"
   if args[3] then
      answers_file, answers, started, ids, seen, repeated = args[3], {}, {}, {}, {}, {}
      for n, raw in ipairs(requests) do
         ids[n] = raw:match("\r\nX%-Request%-Id: ([^\r]+)\r\n")
      end
      response = answered  -- wrk asks for every answer only if `response` exists after init()
   end
end

function request()
   sent = sent + 1
   local n = (sent - 1) % prepared + 1
   if ids and ids[n] then
      if unique and sent > prepared then  -- sent again: which send did what is unknowable
         repeated[#repeated + 1] = ids[n]
      end
      started[ids[n]] = now_us()
   end
   return requests[n]
end

function answered(status, headers, body)
   local id = headers["X-Request-Id"] or "-"
   if seen[id] then  -- a request sent again past the end of the file: counted as repeated
      return
   end
   seen[id] = true
   local began = started[id]
   local kind = status == 200 and "OK" or body:match('"type":"([%w_]+)"') or "-"
   answers[#answers + 1] = string.format("%d %s %s %d", status, kind, id,
                                         began and now_us() - began or -1)
end

function done(summary, latency, _)
   local sent, prepared, repeated = 0, 0, 0
   for _, thread in ipairs(threads) do
      local thread_sent, thread_prepared = thread:get("sent"), thread:get("prepared")
      sent, prepared = sent + thread_sent, prepared + thread_prepared
      if thread:get("unique") and thread_sent > thread_prepared then
         repeated = repeated + thread_sent - thread_prepared
      end
   end
   local e = summary.errors
   io.write(string.format(
      '{"requests":%d,"duration_us":%d,"bytes":%d,"sent":%d,"prepared":%d,"repeated":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
      summary.requests, summary.duration, summary.bytes, sent, prepared, repeated,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max))
   local file_name = threads[1]:get("answers_file")
   if file_name then
      local file = assert(io.open(file_name, "w"))
      for _, thread in ipairs(threads) do
         for _, line in ipairs(thread:get("answers")) do
            file:write(line, "\n")
         end
         for _, id in ipairs(thread:get("repeated")) do
            file:write("0 REPEATED ", id, " -1\n")
         end
      end
      file:close()
   end
end
