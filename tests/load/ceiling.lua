-- wrk: the ceiling of the same server, GET /healthz (the whole middleware stack, no database,
-- no page). done() prints one JSON line.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format('{"requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"status_4xx_5xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
