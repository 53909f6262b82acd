#!/usr/bin/env bash
# The Redis user the service runs as: its own keys and channels, and exactly the commands it sends.
#
#   REDIS_ACL_PASSWORD=... scripts/redis-acl.sh [--db N] [--allow-scan] [--namespace NS] USER
#                        creates or resets USER on the Redis at REDIS_HOST:REDIS_PORT (127.0.0.1:6379)
#   REDIS_ACL_PASSWORD=... scripts/redis-acl.sh --print [--db N] [--allow-scan] [--namespace NS] USER
#                        prints the line for an ACL file (aclfile) instead
#
# Passwords never travel on a command line (where ps and /proc/*/cmdline show them): the user's
# comes from REDIS_ACL_PASSWORD (generated and printed once when unset), the administrator's from
# REDIS_ADMIN_PASSWORD, handed to redis-cli as REDISCLI_AUTH; the ACL command itself goes to
# redis-cli on its standard input.
#
# Keys: whatsapp:instance:* (clinic directory), mem0:* (patient memories and their fetch leases),
# ingress:* (turn streams, the spool, instance last-seen hash). Channel: ingress:* (ingress:invalidate;
# sharded on a cluster). Commands: those the service sends, and no others: no FLUSHALL/FLUSHDB,
# no SCRIPT or FUNCTION (flush or load), no KEYS/RANDOMKEY, no XGROUP (the assistant's consumer
# group is the assistant's), no CONFIG, DEBUG or CLIENT KILL.
#   --db N        the logical database in REDIS_URL. SELECT cannot be limited to one database, so it is
#                 allowed only when N is not 0: in production give the service database 0 of a Redis
#                 (or a user-separated managed Redis) of its own, and SELECT is refused.
#   --allow-scan  SCAN, for POST /admin/cache/invalidate {"pattern": ...}. SCAN lists every key name
#                 of the database, other applications' too: allow it only where the database is the
#                 service's own. Without it, pattern invalidation answers 403 (instance and patient
#                 invalidation need no SCAN).
#   --namespace NS  the service's ingress.cache.key-namespace (docs/cutover.md): its cache keys are
#                 NS:whatsapp:instance:* and NS:mem0:*, and the Python backend's (whatsapp:instance:*,
#                 mem0:*) are out of the user's reach.
# The service authenticates with rediss://USER:PASSWORD@host:6379 (REDIS_URL); docs/deployment.md
# explains it, LeastPrivilegeIT runs the service as such a user and checks what it may not do.
set -euo pipefail

print=false
db=0
scan=false
namespace=""
while [ $# -gt 0 ]; do
  case "$1" in
    --print) print=true; shift ;;
    --namespace) namespace=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --allow-scan) scan=true; shift ;;
    --*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: REDIS_ACL_PASSWORD=... $0 [--print] [--db N] [--allow-scan] [--namespace NS] USER" >&2; exit 2; }
case "$namespace" in ''|[a-z0-9]|[a-z0-9][a-z0-9-]*) ;; *) echo "--namespace: lowercase letters, digits and dashes" >&2; exit 2 ;; esac
case "$namespace" in *[!a-z0-9-]*) echo "--namespace: lowercase letters, digits and dashes" >&2; exit 2 ;; esac
user=$1
case "$db" in ''|*[!0-9]*) echo "--db takes a database number" >&2; exit 2 ;; esac
password=${REDIS_ACL_PASSWORD:-}
if [ -z "$password" ]; then
  password=$(openssl rand -hex 24)
  echo "generated a password for $user (shown once): $password" >&2
fi
case "$password" in *[[:space:]]*|*\"*|*\'*) echo "REDIS_ACL_PASSWORD must not hold spaces or quotes" >&2; exit 2 ;; esac

commands=(
  # the connection's own
  +hello +auth +ping +echo +client\|setname +client\|id +readonly +readwrite
  +cluster\|nodes +cluster\|slots +cluster\|shards +cluster\|info +info
  # caches, leases, last-seen times
  +get +set +del +unlink +pexpire +hset +hgetall +hexists +hmget +hincrby +hdel +incrby +decrby
  # turn streams and the spool (XADD, reads, trims; never XGROUP)
  +xadd +xrange +xlen +xdel +xtrim +xinfo\|groups +xinfo\|stream +xpending +wait
  # the scripts (lease compare-and-delete, the spool's bounded append and removal): EVAL only, so a
  # script runs with these rights and nothing can be loaded or flushed
  +eval +evalsha
  # the invalidation channel
  +publish +subscribe +unsubscribe +spublish +ssubscribe +sunsubscribe
)
[ "$db" != 0 ] && commands+=(+select)
$scan && commands+=(+scan)

cache_keys=("~whatsapp:instance:*" "~mem0:*")
[ -n "$namespace" ] && cache_keys=("~$namespace:whatsapp:instance:*" "~$namespace:mem0:*")
rules=(on ">$password" resetkeys "${cache_keys[@]}" "~ingress:*" resetchannels "&ingress:*"
  -@all "${commands[@]}")

if $print; then
  echo "user $user ${rules[*]}"
  exit 0
fi
command -v redis-cli >/dev/null 2>&1 || { echo "redis-cli is needed (apt-get install redis-tools)" >&2; exit 1; }
# reset first: a user created earlier with broader rights keeps none of them. The command is read
# from standard input; the administrator's password from REDISCLI_AUTH.
[ -n "${REDIS_ADMIN_PASSWORD:-}" ] && export REDISCLI_AUTH=$REDIS_ADMIN_PASSWORD
answer=$(printf 'ACL SETUSER %s reset %s\n' "$user" "${rules[*]}" \
  | redis-cli -h "${REDIS_HOST:-127.0.0.1}" -p "${REDIS_PORT:-6379}")
[ "$answer" = OK ] || { echo "ACL SETUSER failed: $answer" >&2; exit 1; }
echo "Redis user $user: keys whatsapp:instance:* mem0:* ingress:*, channel ingress:*$([ "$db" != 0 ] && echo ", SELECT (database $db)")$($scan && echo ", SCAN")" >&2
