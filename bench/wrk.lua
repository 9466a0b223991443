-- wrk script: hand out prebuilt raw requests, one file per wrk thread (bench/wrk.py writes them).
--
-- wrk -s bench/wrk.lua URL -- PREFIX MODE: thread n loads PREFIX-n.req, made of records
-- "<byte count>\n<raw HTTP/1.1 request>", and request() returns them in order. MODE "unique":
-- each request may go out once (signed debits: a reference repeated would be an idempotent
-- replay, not a debit); the requests a thread sends past the end of its file are counted as
-- repeated and the runner reports them as errors. MODE "cycle": the file is sent round and
-- round (GET /ping). done() prints one JSON line: counts, errors and latency percentiles (µs).

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
end

function request()
   sent = sent + 1
   return requests[(sent - 1) % prepared + 1]
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
end
