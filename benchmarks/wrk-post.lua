-- wrk script of the gateway benchmarks (benchmarks/harness.py): POST one GraphQL request body
-- again and again over every connection (closed loop), check every response, and print one
-- summary line at the end for the harness to parse.
--
--   WRK_BODY_FILE=request.json [WRK_ACCEPT="application/json"] \
--     wrk -t1 -c50 -d20s --timeout 60s -s benchmarks/wrk-post.lua http://127.0.0.1:4000/graphql
--
-- A response counts as bad when its HTTP status is not 200 ("bad_status"), when its body
-- contains "errors" ("graphql_errors"), or when its length differs from the first response's
-- ("length_changes": the benchmarks send one read-only query, so every answer is the same);
-- "bad_responses" counts each response that failed any of these once.
-- The summary line is
--
--   WRK_SUMMARY {"duration_us":..,"requests":..,"bytes":..,"socket_errors":{..},
--                "checked":{..},"latency_us":{"min":..,"p50":..,"p95":..,..}}

local body_file = os.getenv("WRK_BODY_FILE")
if body_file == nil or body_file == "" then
  error("wrk-post.lua: set WRK_BODY_FILE to the file holding the JSON request body")
end
local file = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = os.getenv("WRK_ACCEPT") or "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  bad_status = 0
  graphql_errors = 0
  length_changes = 0
  bad_responses = 0
  first_length = -1
end

function response(status, headers, body)
  responses = responses + 1
  local bad = false
  if status ~= 200 then
    bad_status = bad_status + 1
    bad = true
  end
  if string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    bad = true
  end
  local length = #body
  if first_length < 0 then
    first_length = length
  elseif length ~= first_length then
    length_changes = length_changes + 1
    bad = true
  end
  if bad then
    bad_responses = bad_responses + 1
  end
end

function done(summary, latency, requests)
  local checked = {
    responses = 0, bad_status = 0, graphql_errors = 0, length_changes = 0, bad_responses = 0
  }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(checked) do
      checked[key] = checked[key] + (thread:get(key) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_SUMMARY {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"checked":{"responses":%d,"bad_status":%d,"graphql_errors":%d,"length_changes":%d,' ..
    '"bad_responses":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    checked.responses, checked.bad_status, checked.graphql_errors, checked.length_changes,
    checked.bad_responses,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99)))
end
