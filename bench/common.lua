-- bench/common.lua: shared by every wrk script (loaded with dofile).
-- Environment (set by bench/run.sh): BENCH_OUT (JSON result file), TOKEN,
-- BENCH_SCHOOLS, BENCH_ZONES, BENCH_REFERRALS (the seeded ranges).

S = tonumber(os.getenv("BENCH_SCHOOLS") or "200")
Z = tonumber(os.getenv("BENCH_ZONES") or "15")
R = tonumber(os.getenv("BENCH_REFERRALS") or "10000")
TOKEN = os.getenv("TOKEN") or ""

-- The seed's deterministic ids (bench/seed.sql).
function uuid(prefix, n)
  return string.format("%s-0000-4000-8000-%012x", prefix, n)
end

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  counter = 0
  if init_script then init_script(args) end
end

-- One JSON object with throughput, latency percentiles and failures.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  local out = string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"non_2xx":%d,"socket_errors":%d}',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout)
  local path = os.getenv("BENCH_OUT")
  if path then
    local f = assert(io.open(path, "w"))
    f:write(out, "\n")
    f:close()
  else
    io.write(out, "\n")
  end
end
