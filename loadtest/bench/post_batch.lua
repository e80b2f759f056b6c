-- wrk script: POST a batch of BATCH tickets (env, default 100) per request to /api/v1/tickets/batch.
-- RATE_DELAY_MS paces each connection as in post.lua; tickets/s = connections * BATCH * 1000 / delay.
local counter = 0
local batch = tonumber(os.getenv("BATCH") or "100")
local delay_ms = tonumber(os.getenv("RATE_DELAY_MS") or "0")
local categories = { "billing", "network", "account", "hardware" }
local priorities = { "P1", "P2", "P3", "P4" }
local filler = string.rep("b", 400)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("DESK_TOKEN") or "")

request = function()
  local items = {}
  for i = 1, batch do
    counter = counter + 1
    items[i] = string.format(
      '{"subject":"bench ticket %d","body":"%s","requester":"bench%d@example.com","category":"%s","priority":"%s"}',
      counter, filler, counter, categories[counter % 4 + 1], priorities[counter % 4 + 1])
  end
  return wrk.format(nil, "/api/v1/tickets/batch", nil, '{"tickets":[' .. table.concat(items, ",") .. ']}')
end

if delay_ms > 0 then
  delay = function() return delay_ms end
end
