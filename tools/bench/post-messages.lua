-- wrk script of scripts/bench.sh and tools/scale/scale-measure.sh: each request posts a new message
-- (id "wrk-<RUN>-<thread>-<n>", unique per run) from one of PATIENTS patients to one of SENDERS
-- instances (bench-1..bench-SENDERS). The scripts fill in PATIENTS, SENDERS and RUN with sed.
-- 200 senders spread the load over 200 instances as clinics do (30 msg/s each at 6,000 msg/s);
-- one sender is the noisy neighbour, a flood from one instance.
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
    1 + counter % SENDERS, patient, "RUN", thread_id, counter, os.time())
  return wrk.format(nil, "/webhooks/evolution", nil, body)
end
