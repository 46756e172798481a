-- POST /api/v1/referrals/{id}/accept with If-Match: "v1" as zone 1's team
-- manager. bench/run.sh creates BENCH_TARGETS submitted referrals at
-- version 1 (ids 0000000a-...-n); each request accepts a different one.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
-- the warm-up accepts targets from the upper half, the measured run from 1
local start = 0
if os.getenv("BENCH_PHASE") == "warmup" then
  start = math.floor(tonumber(os.getenv("BENCH_TARGETS") or "0") / 2)
end

function request()
  local n = start + 1 + tid + counter * nthreads
  counter = counter + 1
  return wrk.format("POST", "/api/v1/referrals/" .. uuid("0000000a", n) .. "/accept", {
    ["Authorization"] = "Bearer " .. TOKEN,
    ["Content-Type"] = "application/json",
    ["If-Match"] = '"v1"',
  }, "{}")
end
