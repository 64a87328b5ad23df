-- GET {base}/Users?filter=<attr> eq "<value>" for random existing values.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
common.auth()
local base = os.getenv("BENCH_PATH")
local attr = os.getenv("BENCH_ATTR") or "userName"
local op = os.getenv("BENCH_OP") or "eq"
local values = common.lines(os.getenv("BENCH_DATA") .. "/" .. (os.getenv("BENCH_VALUES") or "names.txt"))
math.randomseed(os.time())

request = function()
  local filter = attr .. " " .. op .. " \"" .. values[math.random(#values)] .. "\""
  return wrk.format("GET", base .. "/Users?filter=" .. common.encode(filter))
end
