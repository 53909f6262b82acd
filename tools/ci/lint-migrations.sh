#!/usr/bin/env bash
# Lints migrations/ (and the runbooks' DDL) with squawk (npm squawk-cli, pinned). Rules turned off and files left out are
# justified in .squawk.toml; single statements excused carry a `squawk-ignore` comment saying why.
set -euo pipefail
cd "$(dirname "$0")/../.."

SQUAWK_VERSION=2.66.0
prefix=${XDG_CACHE_HOME:-$HOME/.cache}/clinic-ingress/squawk-$SQUAWK_VERSION
if [ ! -x "$prefix/node_modules/.bin/squawk" ]; then
  command -v npm >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --silent "squawk-cli@$SQUAWK_VERSION" >/dev/null
fi
# The runbooks' DDL (run by hand, gated) is held to the same rules as the migrations.
"$prefix/node_modules/.bin/squawk" --config .squawk.toml migrations/*.sql docs/runbooks/session-id/contract_session_id.sql
echo "squawk: migrations/ and the runbooks' DDL clean"
