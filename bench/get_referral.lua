-- GET /api/v1/referrals/{id}: a random referral of school 1 (BENCH_AS=school)
-- or of zone 1's team (BENCH_AS=manager), so that every read is in scope.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local as = os.getenv("BENCH_AS") or "school"
local headers = { ["Authorization"] = "Bearer " .. TOKEN }

local function pick()
  if as == "school" then
    -- referral n belongs to school 1 + (n - 1) % S
    return 1 + math.random(0, math.floor((R - 1) / S)) * S
  end
  -- schools of zone 1: s - 1 = i * Z; their referrals n - 1 = s - 1 + j * S
  local i = math.random(0, math.floor((S - 1) / Z))
  local j = math.random(0, math.floor((R - S) / S))
  return 1 + i * Z + j * S
end

function request()
  return wrk.format("GET", "/api/v1/referrals/" .. uuid("00000000", pick()), headers)
end
