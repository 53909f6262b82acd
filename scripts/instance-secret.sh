#!/usr/bin/env bash
# Gives an Evolution instance its own webhook secret, or finishes a rotation.
#
#   scripts/instance-secret.sh INSTANCE             generate a secret; store its SHA-256 as the
#                                                   instance's next secret if it already has one
#                                                   (rotation: both work), else as its secret
#   scripts/instance-secret.sh INSTANCE --promote   end a rotation: the next secret becomes the only one
#   scripts/instance-secret.sh INSTANCE --clear     remove the instance's secrets (the global token
#                                                   vouches for it again, unless require-instance-secret)
#
# Only the hash is stored (core.whatsapp_instances.webhook_secret_sha256 / _next_sha256); the secret
# is printed once, with the Evolution webhook configuration to paste. Every replica picks the change
# up within milliseconds (the directory trigger NOTIFYs them).
#
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGDATABASE (clinic_ingress),
# PGPASSWORD; INGRESS_URL (https://ingress.example.com) and INGRESS_TOKEN_HEADER (X-Webhook-Token)
# for the printed configuration.
set -euo pipefail

instance=${1:?usage: scripts/instance-secret.sh INSTANCE [--promote|--clear]}
action=${2:-}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres} PGDATABASE=${PGDATABASE:-clinic_ingress}
export PGPASSWORD=${PGPASSWORD:-postgres}
url=${INGRESS_URL:-https://ingress.example.com}
header=${INGRESS_TOKEN_HEADER:-X-Webhook-Token}

psql_row() { psql -qAtX -v ON_ERROR_STOP=1 -v instance="$instance" "$@"; }

exists=$(psql_row <<<"SELECT count(*) FROM core.whatsapp_instances WHERE instance_name = :'instance'")
[ "$exists" = 1 ] || { echo "no instance named '$instance' in core.whatsapp_instances" >&2; exit 1; }

case "$action" in
  --promote)
    psql_row <<'SQL'
UPDATE core.whatsapp_instances
SET webhook_secret_sha256 = webhook_secret_next_sha256, webhook_secret_next_sha256 = NULL
WHERE instance_name = :'instance' AND webhook_secret_next_sha256 IS NOT NULL;
SQL
    echo "rotation finished for $instance: only the new secret is accepted now"
    exit 0 ;;
  --clear)
    psql_row <<<"UPDATE core.whatsapp_instances SET webhook_secret_sha256 = NULL, webhook_secret_next_sha256 = NULL WHERE instance_name = :'instance';"
    echo "secrets removed for $instance"
    exit 0 ;;
  "") ;;
  *) echo "unknown option $action" >&2; exit 2 ;;
esac

secret=$(openssl rand -hex 32)
digest=$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)
column=$(psql_row <<<"SELECT CASE WHEN webhook_secret_sha256 IS NULL THEN 'webhook_secret_sha256' ELSE 'webhook_secret_next_sha256' END FROM core.whatsapp_instances WHERE instance_name = :'instance'")
psql_row -v digest="$digest" <<<"UPDATE core.whatsapp_instances SET $column = :'digest' WHERE instance_name = :'instance';"

cat <<MSG
New webhook secret for instance $instance (shown once; only its SHA-256 is stored):

  $secret

Evolution instance webhook configuration (POST /webhook/set/$instance):
  {
    "webhook": {
      "enabled": true,
      "url": "$url/webhooks/evolution",
      "headers": {"$header": "$secret"},
      "events": ["MESSAGES_UPSERT"]
    }
  }

Send the sample message as that instance with it (the global dev token still works for instances
without a secret of their own):
  INSTANCE=$instance INGRESS_WEBHOOK_TOKEN=$secret scripts/send-sample.sh
MSG
if [ "$column" = webhook_secret_next_sha256 ]; then
  cat <<MSG

This is a rotation: the old and the new secret are both accepted. Once Evolution sends the new one,
finish it with:  scripts/instance-secret.sh $instance --promote
MSG
fi
