#!/usr/bin/env bash
# The reference consumer (examples/assistant-consumer), which AssistantConsumerIT runs, needs
# Debian's Python with its Redis and cryptography packages: installed here when missing.
set -euo pipefail
if ! /usr/bin/python3 -c 'import redis, cryptography' >/dev/null 2>&1; then
  echo "[deps] installing python3-redis python3-cryptography for the reference consumer" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-redis python3-cryptography >/dev/null
fi
