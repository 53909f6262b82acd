#!/usr/bin/env bash
# Checks the Prometheus alert rules: syntax (promtool check rules) and behaviour (promtool test rules,
# src/main/observability/alerts_test.yml: each alert fires on a failing series and not on a healthy
# one). Installs Debian's prometheus package for promtool when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../../src/main/observability"
if ! command -v promtool >/dev/null 2>&1; then
  echo "[alerts] installing promtool (Debian package prometheus)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
promtool check rules alerts.yml
promtool test rules alerts_test.yml
