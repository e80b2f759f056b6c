-- wrk script: POST a ticket per request. RATE_DELAY_MS (env) paces each connection (0 = as fast as
-- possible); rate = connections * 1000 / delay.
local counter = 0
local delay_ms = tonumber(os.getenv("RATE_DELAY_MS") or "0")
local categories = { "billing", "network", "account", "hardware" }
local priorities = { "P1", "P2", "P3", "P4" }
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("DESK_TOKEN") or "")

request = function()
  counter = counter + 1
  local body = string.format(
    '{"subject":"bench ticket %d","body":"%s","requester":"bench%d@example.com","category":"%s","priority":"%s"}',
    counter, string.rep("b", 400), counter, categories[counter % 4 + 1], priorities[counter % 4 + 1])
  return wrk.format(nil, "/api/v1/tickets", nil, body)
end

if delay_ms > 0 then
  delay = function() return delay_ms end
end
