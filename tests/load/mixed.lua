-- wrk scenario: realistic mixed traffic on a guichet with the demo data.
--   40 % catalogue browsing (search, procedure pages)       anonymous
--   15 % status lookups of dossiers the citizen filed          citizen
--   15 % the agent's queue of the office                       agent
--   30 % filing: start, form, answers with an uploaded scan,   citizen
--        review, submit (each step is one request, as a browser without JavaScript sends it)
-- Environment: CITIZEN_COOKIE, CITIZEN_CSRF, AGENT_COOKIE (from scripts/bench-load).
-- done() prints one JSON line the script reads.

local citizen_cookie = os.getenv("CITIZEN_COOKIE")
local csrf = os.getenv("CITIZEN_CSRF")
local agent_cookie = os.getenv("AGENT_COOKIE")
local threads = {}

local searches = { "trich+luc", "khai+sinh", "ho+kinh+doanh", "immatriculation", "cong+chuc", "" }
local pages = {
  "/procedures/HN-HOANKIEM/HT-TRICHLUC-KS",
  "/procedures/HN-HOANKIEM/HKD-DANGKY",
  "/procedures/FR-PREF-33/CERFA-13750",
}

local boundary = "----guichetbench7MA4YWxkTrZu0gW"
local scan = "%PDF-1.4\n% scan for the load benchmark\n" .. string.rep("0123456789abcdef", 256) .. "\n%%EOF\n"

local function multipart(fields)
  local parts = {}
  for _, kv in ipairs(fields) do
    parts[#parts + 1] = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. kv[1] .. "\"\r\n\r\n" .. kv[2] .. "\r\n"
  end
  parts[#parts + 1] = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"id_scan\"; filename=\"cccd.pdf\"\r\nContent-Type: application/pdf\r\n\r\n" .. scan .. "\r\n"
  parts[#parts + 1] = "--" .. boundary .. "--\r\n"
  return table.concat(parts)
end

function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  counts = { catalogue = 0, status = 0, queue = 0, start = 0, form = 0, answers = 0, review = 0, submit = 0 }
  filed = 0
  unexpected = 0
  to_form, to_answer, to_review, to_submit, submitted = {}, {}, {}, {}, {}
  seq = 0
end

local function pop(q)
  local v = q[#q]
  q[#q] = nil
  return v
end

local function citizen(method, path, body, content_type)
  local headers = { ["Cookie"] = citizen_cookie }
  if content_type then headers["Content-Type"] = content_type end
  return wrk.format(method, path, headers, body)
end

local function form(path, fields)
  local body = "csrf=" .. csrf
  for _, kv in ipairs(fields) do body = body .. "&" .. kv[1] .. "=" .. kv[2] end
  return citizen("POST", path, body, "application/x-www-form-urlencoded")
end

local function filing_step()
  if #to_submit > 0 then
    local d = pop(to_submit)
    counts.submit = counts.submit + 1
    return form("/dossiers/" .. d.id .. "/submit", { { "rev", d.rev } })
  elseif #to_review > 0 then
    counts.review = counts.review + 1
    return citizen("GET", "/dossiers/" .. pop(to_review) .. "/review")
  elseif #to_answer > 0 then
    local d = pop(to_answer)
    seq = seq + 1
    counts.answers = counts.answers + 1
    local body = multipart({
      { "csrf", csrf }, { "rev", d.rev }, { "go", "review" },
      { "full_name", "Phạm Minh Thu" }, { "cccd", "001190012345" }, { "phone", "0912 345 678" },
      { "email", "thu@example.vn" }, { "relation", "self" }, { "person_name", "Bench " .. id .. "-" .. seq },
      { "birth_date", "12/04/1990" }, { "registered_at.province", "VN-P-01" },
      { "registered_at.commune", "VN-C-00004" }, { "registered_at.street", "12 Hàng Bạc" },
      { "copies", "1" }, { "delivery", "counter" },
    })
    return citizen("POST", "/dossiers/" .. d.id .. "/edit", body, "multipart/form-data; boundary=" .. boundary)
  elseif #to_form > 0 then
    counts.form = counts.form + 1
    return citizen("GET", "/dossiers/" .. pop(to_form) .. "/edit")
  else
    counts.start = counts.start + 1
    return form("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/start", {})
  end
end

function request()
  local r = math.random(100)
  if r <= 40 then
    counts.catalogue = counts.catalogue + 1
    if r <= 20 then
      return wrk.format("GET", "/procedures?q=" .. searches[math.random(#searches)])
    end
    return wrk.format("GET", pages[math.random(#pages)])
  elseif r <= 55 and #submitted > 0 then
    counts.status = counts.status + 1
    return citizen("GET", "/dossiers/" .. submitted[math.random(#submitted)])
  elseif r <= 70 then
    counts.queue = counts.queue + 1
    return wrk.format("GET", "/offices/HN-HOANKIEM/dossiers", { ["Cookie"] = agent_cookie })
  end
  return filing_step()
end

-- The answers tell which step comes next for which dossier.
function response(status, headers, body)
  if status >= 400 then
    unexpected = unexpected + 1
    return
  end
  local location = headers["Location"] or headers["location"]
  if location then
    local id = location:match("^/dossiers/([0-9a-f%-]+)/edit$")
    if id then to_form[#to_form + 1] = id return end
    id = location:match("^/dossiers/([0-9a-f%-]+)/review$")
    if id then to_review[#to_review + 1] = id return end
    return
  end
  if status ~= 200 then return end
  local id = body:match('action="/dossiers/([0-9a-f%-]+)/submit"')
  if id then
    local rev = body:match('name="rev" value="(%d+)"')
    to_submit[#to_submit + 1] = { id = id, rev = rev }
    return
  end
  id = body:match('action="/dossiers/([0-9a-f%-]+)/edit"')
  if id and not body:find('class="error-summary"', 1, true) then
    local rev = body:match('name="rev" value="(%d+)"')
    to_answer[#to_answer + 1] = { id = id, rev = rev }
    return
  end
  -- The receipt (only a successful submission shows the tracking secret).
  if body:find('id="tracking-secret"', 1, true) then
    local code_id = body:match('href="/dossiers/([0-9a-f%-]+)"')
    filed = filed + 1
    if code_id and #submitted < 1000 then submitted[#submitted + 1] = code_id end
  end
end

function done(summary, latency, requests)
  local totals = { catalogue = 0, status = 0, queue = 0, start = 0, form = 0, answers = 0, review = 0, submit = 0 }
  local filed_total, unexpected_total = 0, 0
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, _ in pairs(totals) do totals[k] = totals[k] + (c[k] or 0) end
    filed_total = filed_total + t:get("filed")
    unexpected_total = unexpected_total + t:get("unexpected")
  end
  local seconds = summary.duration / 1e6
  local parts = {}
  for k, v in pairs(totals) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"errors":%d,"status_4xx_5xx":%d,"socket_errors":%d,"filed":%d,"filed_per_s":%.2f,"by_kind":{%s}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    unexpected_total, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    filed_total, filed_total / seconds, table.concat(parts, ",")))
end
