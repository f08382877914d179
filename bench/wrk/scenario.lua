-- One wrk script for every scenario, driven by environment variables (set by bench/run.ts):
--   BENCH_MODE  get_order | list | create_order | pay | mixed
--   BENCH_KEY   API key ("" when authentication is switched off)
--   BENCH_IDS   file with one order id per line (GET targets, orders to pay)
--   BENCH_USER  user id for created orders
--   BENCH_IDEMPOTENCY  "0" to send no Idempotency-Key on POST /v1/orders
--   BENCH_LIST_LIMIT  page size of the list mode (default 20)
-- Each POST carries a fresh Idempotency-Key. done() prints one JSON line with the results,
-- including a count per status code (wrk itself only counts "non-2xx/3xx").

local mode = os.getenv("BENCH_MODE")
local key = os.getenv("BENCH_KEY") or ""
local ids_file = os.getenv("BENCH_IDS")
local user = os.getenv("BENCH_USER") or ""
local idempotency = os.getenv("BENCH_IDEMPOTENCY") ~= "0"
-- Differs per wrk invocation: the warm-up and the measured run must never send the same key.
local nonce = os.getenv("BENCH_NONCE") or ""
local list_limit = os.getenv("BENCH_LIST_LIMIT") or "20"

local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local ids = {}
local n = 0
-- Global (not local): done() reads it from each thread with thread:get.
statuses = {}
local base_headers = {}

function init(args)
  for line in io.lines(ids_file) do
    if #line > 0 then table.insert(ids, line) end
  end
  n = tid * 7919
  if #key > 0 then base_headers["Authorization"] = "Bearer " .. key end
end

local function headers(extra)
  local h = {}
  for k, v in pairs(base_headers) do h[k] = v end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

local function next_id()
  n = n + 1
  return ids[(n % #ids) + 1]
end

local function get_order()
  return wrk.format("GET", "/v1/orders/" .. next_id(), headers())
end

local function list()
  return wrk.format("GET", "/v1/orders?limit=" .. list_limit, headers())
end

local function post(path, body, with_key)
  n = n + 1
  local extra = { ["Content-Type"] = "application/json" }
  if with_key then extra["Idempotency-Key"] = "bench-" .. nonce .. "-" .. tid .. "-" .. n end
  return wrk.format("POST", path, headers(extra), body)
end

local function create_order()
  return post("/v1/orders", '{"user_id":"' .. user .. '","currency":"EUR","items":[' ..
    '{"name":"Notebook","sku":"NB-A5","quantity":3,"unit_amount":1500},' ..
    '{"name":"Pen","quantity":2,"unit_amount":250}]}', idempotency)
end

local function pay()
  -- 1 cent at a time: an order takes many payments before it is fully paid, so a small pool of
  -- pending orders lasts the whole run, and consecutive requests hit different orders.
  return post("/v1/payments", '{"order_id":"' .. next_id() ..
    '","amount":1,"payment_method":"pm_card_visa"}', true)
end

function request()
  if mode == "get_order" then return get_order() end
  if mode == "list" then return list() end
  if mode == "create_order" then return create_order() end
  if mode == "pay" then return pay() end
  -- mixed (soak): 70% single GET, 20% list, 10% create.
  local r = math.random(1, 10)
  if r <= 7 then return get_order() end
  if r <= 9 then return list() end
  return create_order()
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, count in pairs(s) do counts[code] = (counts[code] or 0) + count end
  end
  local parts = {}
  for code, count in pairs(counts) do table.insert(parts, string.format('"%d":%d', code, count)) end
  io.write(string.format(
    '\nBENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, table.concat(parts, ",")))
end
