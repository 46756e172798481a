-- GET /api/v1/referrals?updated_since=T&limit=50 as school 1's MIS: a delta
-- sync page from a random point of the seeded period.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local headers = { ["Authorization"] = "Bearer " .. TOKEN }
local from = 1693814400 -- 2023-09-04T08:00:00Z, the first seeded referral
local span = 1180 * 86400

function request()
  local t = os.date("!%Y-%m-%dT%H:%M:%SZ", from + math.random(0, span))
  return wrk.format("GET", "/api/v1/referrals?updated_since=" .. t .. "&limit=50", headers)
end
