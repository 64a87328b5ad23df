-- POST {base}/Users with a fresh userName each time.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local base = os.getenv("BENCH_PATH")
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

init = function()
  common.auth()
  wrk.headers["Content-Type"] = "application/scim+json"
  counter = 0
  run = tostring(os.time())
end

request = function()
  counter = counter + 1
  local name = "bench-" .. run .. "-" .. tid .. "-" .. counter .. "@example.com"
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name ..
    '","name":{"givenName":"Bench","familyName":"User"},"emails":[{"value":"' .. name ..
    '","type":"work","primary":true}],"displayName":"Bench User","active":true}'
  return wrk.format("POST", base .. "/Users", nil, body)
end
