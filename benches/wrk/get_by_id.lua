-- GET {base}/Users/{id} for random existing ids.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
common.auth()
local base = os.getenv("BENCH_PATH")
local ids = common.lines(os.getenv("BENCH_DATA") .. "/ids.txt")
math.randomseed(os.time())

request = function()
  return wrk.format("GET", base .. "/Users/" .. ids[math.random(#ids)])
end
