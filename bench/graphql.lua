-- wrk script: POST GraphQL documents (or form bodies), rotating bearer tokens, counting
-- wrong answers. CONTENT_TYPE and AUTHORIZATION override the defaults.
-- Environment: BODY_FILE (JSON bodies, one per line), TOKENS_FILE (one token per line, optional),
-- EXPECT (a string every good answer contains).
-- BODY_FILE holds one JSON body per line; requests go through them in order, each thread
-- taking every WRK_THREADS-th from its own offset, so each body is sent once before any
-- repeats (refresh tokens are single-use).
local bodies = {}
for line in io.lines(os.getenv("BODY_FILE")) do bodies[#bodies + 1] = line end
local expect = os.getenv("EXPECT") or ""
local tokens = {}
local tokens_file = os.getenv("TOKENS_FILE")
if tokens_file and tokens_file ~= "" then
  for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
end
local threads = {}
local counter = 0
local stride = tonumber(os.getenv("WRK_THREADS") or "1") or 1
offset = 0  -- a global: setup() gives each thread its own with thread:set
failures = 0  -- a global: done() reads it from each thread with thread:get

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
  local authorization = os.getenv("AUTHORIZATION")
  if authorization and authorization ~= "" then wrk.headers["Authorization"] = authorization end
end

function request()
  local index = offset + counter * stride
  counter = counter + 1
  if #tokens > 0 then
    wrk.headers["Authorization"] = "Bearer " .. tokens[(index % #tokens) + 1]
  end
  return wrk.format(nil, nil, nil, bodies[(index % #bodies) + 1])
end

function response(status, headers, answer)
  if status ~= 200 or not string.find(answer, expect, 1, true) then
    failures = failures + 1
    if failures == 1 then io.stderr:write(answer:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("failures") or 0) end
  io.write(string.format("WRONG_ANSWERS %d\n", total))
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("P%d_MS %.3f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("REQUESTS %d\nSECONDS %.3f\n", summary.requests,
    summary.duration / 1e6))
end
