-- wrk script: each request is a vote by a pre-logged-in citizen for a proposal that citizen
-- has not voted for yet, so every 303 is one new row. Refusals come back as JSON statuses
-- (409, 403...) and are counted apart: a run full of refusals cannot pass for a fast one.
-- Arguments: the number of wrk threads, the first pair to use.
-- Input: the file named by the AGA_WRK_PAIRS environment variable, one line per citizen:
--   <session cookie>\t<csrf token>\t<proposal id>,<proposal id>,...

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

citizens = {}
statuses = {}
pair = 0

function init(args)
  nthreads = #args > 0 and tonumber(args[1]) or 1
  for line in io.lines(os.getenv("AGA_WRK_PAIRS")) do
    local cookie, token, ids = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
    local proposals = {}
    for pid in ids:gmatch("%d+") do table.insert(proposals, pid) end
    table.insert(citizens, {cookie = cookie, token = token, proposals = proposals})
  end
  -- Thread `id` takes pairs offset + id - 1, then every n-th: no two threads share a pair,
  -- and a later run (its offset past the pairs used before) takes none used already.
  pair = (#args > 1 and tonumber(args[2]) or 0) + id - 1
end

function request()
  local per_citizen = #citizens[1].proposals
  local c = (pair % #citizens) + 1
  local p = (math.floor(pair / #citizens) % per_citizen) + 1
  pair = pair + nthreads
  local citizen = citizens[c]
  return wrk.format("POST", "/proposals/" .. citizen.proposals[p] .. "/vote", {
    ["Cookie"] = citizen.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
  }, "csrf_token=" .. citizen.token)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d": %d', status, n)) end
  io.write("STATUSES {" .. table.concat(parts, ", ") .. "}\n")
end
