#!/usr/bin/env bash
# The Redis user the service runs as: only its own keys and channel, no administrative command.
#
#   scripts/redis-acl.sh USER PASSWORD          creates or resets USER on the Redis at
#                                               REDIS_HOST:REDIS_PORT (127.0.0.1:6379) with ACL SETUSER
#   scripts/redis-acl.sh --print USER PASSWORD  prints the line for an ACL file (aclfile) instead
#
# Keys: whatsapp:instance:* (clinic directory), mem0:* (patient memories and their fetch leases),
# ingress:* (turn streams, instance last-seen hash). Channel: ingress:* (ingress:invalidate; sharded
# on a cluster). Commands: reads, writes, streams, pub/sub, the lease's Lua compare-and-delete, the
# connection's own (HELLO, SELECT, CLIENT SETNAME) and the cluster topology reads; nothing in
# @dangerous (KEYS, FLUSHALL, CONFIG, DEBUG, CLIENT KILL, ...). The service authenticates with
# redis://USER:PASSWORD@host:6379 (REDIS_URL); docs/deployment.md explains it, LeastPrivilegeIT runs
# the service as such a user.
set -euo pipefail

print=false
if [ "${1:-}" = "--print" ]; then print=true; shift; fi
[ $# -eq 2 ] || { echo "usage: $0 [--print] USER PASSWORD" >&2; exit 2; }
user=$1
password=$2

rules=(on ">$password" resetkeys "~whatsapp:instance:*" "~mem0:*" "~ingress:*" resetchannels "&ingress:*"
  -@all +@read +@write +@stream +@pubsub +@scripting +@connection +@transaction -@dangerous
  +info +cluster\|nodes +cluster\|slots +cluster\|shards +cluster\|info +readonly +readwrite)

if $print; then
  echo "user $user ${rules[*]}"
  exit 0
fi
command -v redis-cli >/dev/null 2>&1 || { echo "redis-cli is needed (apt-get install redis-tools)" >&2; exit 1; }
# reset first: a user created earlier with broader rights keeps none of them.
redis-cli -h "${REDIS_HOST:-127.0.0.1}" -p "${REDIS_PORT:-6379}" ${REDIS_ADMIN_PASSWORD:+-a "$REDIS_ADMIN_PASSWORD"} \
  ACL SETUSER "$user" reset "${rules[@]}" >/dev/null
echo "Redis user $user: keys whatsapp:instance:* mem0:* ingress:*, channel ingress:*" >&2
