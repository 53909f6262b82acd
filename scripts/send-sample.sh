#!/usr/bin/env bash
# Posts a realistic Evolution 2.3.6 messages.upsert to the running service and prints the answer.
#
#   scripts/send-sample.sh [message-id]
#
# Without an id a new one is made for each run, and the message is sent twice, the way Evolution
# re-sends: the first answer is "accepted", the second "duplicate". With an id it is sent once
# (run it again with the same id to see the duplicate).
# Environment: INGRESS_URL (http://127.0.0.1:8080), INGRESS_WEBHOOK_TOKEN (dev-webhook-token),
# INSTANCE (clinica-sorriso-centro).
set -euo pipefail

url=${INGRESS_URL:-http://127.0.0.1:8080}/webhooks/evolution
token=${INGRESS_WEBHOOK_TOKEN:-dev-webhook-token}
instance=${INSTANCE:-clinica-sorriso-centro}
id=${1:-3EB0$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F')}
times=1
[ -z "${1:-}" ] && times=2
now=$(date +%s)

body=$(cat <<JSON
{
  "event": "messages.upsert",
  "instance": "$instance",
  "data": {
    "key": {
      "remoteJid": "201234567890123@lid",
      "remoteJidAlt": "5511912345678@s.whatsapp.net",
      "addressingMode": "lid",
      "fromMe": false,
      "id": "$id"
    },
    "pushName": "Maria Souza",
    "status": "DELIVERY_ACK",
    "message": { "conversation": "Oi, posso remarcar minha consulta de amanhã?" },
    "contextInfo": null,
    "messageType": "conversation",
    "messageTimestamp": $now,
    "instanceId": "8f0c2a9e-4b7d-4c61-9d3e-2f5a6b7c8d90",
    "source": "android"
  },
  "destination": "http://127.0.0.1:8080/webhooks/evolution",
  "date_time": "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)",
  "sender": "5511988887777@s.whatsapp.net",
  "server_url": "http://127.0.0.1:8081",
  "apikey": null
}
JSON
)

for _ in $(seq 1 $times); do
  curl -sS -X POST "$url" \
    -H 'Content-Type: application/json' \
    -H "X-Webhook-Token: $token" \
    --data-binary "$body" \
    -w '\nHTTP %{http_code} in %{time_total}s\n'
done
