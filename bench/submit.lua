-- POST /api/v1/referrals as an integration client of schools 1..16: every
-- request a new child (a distinct UPN with a valid check letter, LA code
-- 999 which the seed never uses), a new Idempotency-Key and a new
-- external_reference. BENCH_NONCE (0-99) keeps re-runs distinct.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local nonce = tonumber(os.getenv("BENCH_NONCE") or "0") % 100
local letters = "ABCDEFGHJKLMNPQRTUVWXYZ"

local function upn(tail)
  local sum = 0
  for i = 1, 12 do
    sum = sum + tonumber(tail:sub(i, i)) * (i + 1)
  end
  local k = sum % 23 + 1
  return letters:sub(k, k) .. tail
end

local body_fmt = '{"school_urn":"%d","external_reference":"BENCH-%s",' ..
  '"child":{"upn":"%s","given_name":"Sam","family_name":"Example","date_of_birth":"2016-03-14",' ..
  '"year_group":"5","sen_provision":"K","primary_need":"SEMH"},' ..
  '"indes":[{"area":"social_emotional_mental_health","level":%d},{"area":"speech_and_language","level":2}],' ..
  '"complicating_factors":["attendance","risk_of_exclusion"],"existing_plans":["sen_support_plan"],' ..
  '"consent":{"given_by":"parent_carer","given_on":"2026-11-20"},' ..
  '"reason":"Escalating anxiety, attendance falling"}'

function request()
  counter = counter + 1
  local tail = string.format("999%02d%d%06d", nonce, tid % 10, counter)
  local key = string.format("bench-%02d-%d-%d", nonce, tid, counter)
  local body = string.format(body_fmt, 100000 + 1 + counter % 16, key, upn(tail), 2 + counter % 4)
  return wrk.format("POST", "/api/v1/referrals", {
    ["Authorization"] = "Bearer " .. TOKEN,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }, body)
end
