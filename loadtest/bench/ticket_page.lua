-- wrk script: GET the staff ticket page of a random ticket among TICKETS (env), with DESK_TOKEN.
local tickets = tonumber(os.getenv("TICKETS") or "1000")
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("DESK_TOKEN") or "")
request = function()
  return wrk.format("GET", "/work/tickets/" .. math.random(1, tickets))
end
