#!/usr/bin/env bash
# Points Evolution instances' webhooks at this service, one clinic at a time, and back (--rollback):
# tools/cutover/cutover.py says how; docs/cutover.md says in which order and what to watch.
#   EVOLUTION_APIKEY=... scripts/cutover.sh --evolution https://evo.example.com \
#     --target https://ingress.example.com/webhooks/evolution --secrets secrets.json [--apply] clinica-centro
set -euo pipefail
exec python3 "$(dirname "$0")/../tools/cutover/cutover.py" "$@"
