-- wrk: POST a purchase for a random member with a receipt id unique to the run, thread and request.
-- Environment: BENCH_MEMBERS (ids 1..N), BENCH_TOKEN (bearer), BENCH_TAG (receipt prefix, unique per run),
-- BENCH_SEED (a different one per run: the same members over and over would all earn cards).
-- Prints one line "BENCH-WRK {json}" at the end.
local members = tonumber(os.getenv("BENCH_MEMBERS") or "1000")
local token = os.getenv("BENCH_TOKEN") or ""
local tag = os.getenv("BENCH_TAG") or "run"
local seed = tonumber(os.getenv("BENCH_SEED") or "1")
local threads = {}
counter = 0
thread_id = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  math.randomseed(seed + thread_id * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local member = math.random(1, members)
  local body = string.format('{"amount": "42.50", "receipt_id": "%s-%d-%d"}', tag, thread_id, counter)
  return wrk.format(nil, string.format("/api/v1/members/%d/purchases", member), nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-WRK {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
