-- A fixed GET (BENCH_PATH) with the bearer token: the team's submitted
-- queue, and /health/live (the HTTP stack without the database).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local path = os.getenv("BENCH_PATH")
local headers = {}
if TOKEN ~= "" then headers["Authorization"] = "Bearer " .. TOKEN end

function request()
  return wrk.format("GET", path, headers)
end
