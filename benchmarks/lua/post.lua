-- POST a body read from a file, and print wrk's summary as one JSON line.
--   wrk -t1 -c32 -d10s -s post.lua http://127.0.0.1:PORT/iris -- BODY_FILE [CONTENT_TYPE]
-- The body is read once per wrk thread; every request sends the same bytes.

function init(args)
  local path = args[1]
  if path == nil then
    error("post.lua needs the body file: wrk ... -s post.lua URL -- BODY_FILE [CONTENT_TYPE]")
  end
  local file = assert(io.open(path, "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = args[2] or "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
