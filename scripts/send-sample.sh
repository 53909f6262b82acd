#!/usr/bin/env bash
# Posts a realistic Evolution 2.3.6 messages.upsert to the running service and prints the answer.
#
#   scripts/send-sample.sh [message-id]
#
# The message id defaults to a fixed value, so a second run shows the duplicate answer.
# Environment: INGRESS_URL (http://127.0.0.1:8080), INGRESS_WEBHOOK_TOKEN (dev-webhook-token),
# INSTANCE (clinica-sorriso-centro).
set -euo pipefail

url=${INGRESS_URL:-http://127.0.0.1:8080}/webhooks/evolution
token=${INGRESS_WEBHOOK_TOKEN:-dev-webhook-token}
instance=${INSTANCE:-clinica-sorriso-centro}
id=${1:-3EB0A1B2C3D4E5F60718}
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

curl -sS -X POST "$url" \
  -H 'Content-Type: application/json' \
  -H "X-Webhook-Token: $token" \
  --data-binary "$body" \
  -w '\nHTTP %{http_code} in %{time_total}s\n'
