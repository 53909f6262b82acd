#!/usr/bin/env python3
"""Runs a load generator and reports the CPU time every process of a benchmark used meanwhile.

    tools/bench/cpu_share.py OUT.json NAME=PID [NAME=PID ...] -- COMMAND [ARGS ...]

Every NAME=PID is read from /proc/PID/stat (user + system time, children included) before and after
COMMAND runs; PostgreSQL (every process named postgres: backends that exit are charged to the
postmaster's children times) and Redis (redis-server) are found by name. COMMAND's own CPU comes
from wait4(), so the load generator is measured exactly like the rest. COMMAND's standard output
passes through; OUT.json gets {"wall_s": ..., "cpu_s": {name: seconds}, "cores": ...}.
"""
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based)
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICK


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def by_name(name):
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and comm(entry) == name:
            try:
                total += stat(entry)
            except OSError:
                pass
    return total


def snapshot(pids):
    snap = {}
    for name, pid in pids.items():
        try:
            snap[name] = stat(pid)
        except OSError:
            snap[name] = 0.0
    snap["postgresql"] = by_name("postgres")
    snap["redis"] = by_name("redis-server")
    snap["pgbouncer"] = by_name("pgbouncer")
    return snap


def main():
    out = sys.argv[1]
    split = sys.argv.index("--")
    pids = dict(arg.split("=", 1) for arg in sys.argv[2:split])
    command = sys.argv[split + 1:]
    before = snapshot(pids)
    start = time.monotonic()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    after = snapshot(pids)
    cpu = {name: round(after[name] - before[name], 2) for name in before}
    cpu["load generator"] = round(usage.ru_utime + usage.ru_stime, 2)
    with open(out, "w") as f:
        json.dump({"wall_s": round(wall, 2), "cores": os.cpu_count(), "cpu_s": cpu}, f)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
