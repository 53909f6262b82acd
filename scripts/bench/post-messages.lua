-- wrk script of scripts/bench.sh and scripts/scale-measure.sh: each request posts a new message
-- (id "wrk-<RUN>-<thread>-<n>", unique per run) from one of PATIENTS patients to one of 20
-- instances (bench-1..bench-20). The scripts fill in PATIENTS and RUN (a string) with sed.
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) thread_id = id end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Webhook-Token"] = "bench-webhook-token-0123456789abcdef0123"
function request()
  counter = counter + 1
  local patient = counter % PATIENTS
  local body = string.format('{"event":"messages.upsert","instance":"bench-%d","data":{"key":{"remoteJid":"55119%07d@s.whatsapp.net","fromMe":false,"id":"wrk-%s-%d-%d"},"message":{"conversation":"bench message"},"messageType":"conversation","messageTimestamp":%d}}',
    1 + counter % 20, patient, "RUN", thread_id, counter, os.time())
  return wrk.format(nil, "/webhooks/evolution", nil, body)
end
