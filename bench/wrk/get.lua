-- wrk script: GET one path (AGA_WRK_PATH), as a visitor or, with AGA_WRK_COOKIE, as a
-- logged-in citizen; counts every status so that errors cannot pass for speed.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

statuses = {}

function init(args)
  local cookie = os.getenv("AGA_WRK_COOKIE")
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  wrk.headers = headers
  wrk.method = os.getenv("AGA_WRK_METHOD") or "GET"
  wrk.path = os.getenv("AGA_WRK_PATH") or "/"
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d": %d', status, n)) end
  io.write("STATUSES {" .. table.concat(parts, ", ") .. "}\n")
end
