#!/usr/bin/env python3
"""Table of tools/chaos/chaos.sh: per fault, the messages first sent during its window (from the fault's
start to the next one's) that were acknowledged, stored, turned and added to mem0 (after recovery),
and the 5xx or unanswered attempts and the longest answer among the attempts answered in it. Waits up to 150 s for the relays to catch up first. Exits 1 if anything
acknowledged is missing from PostgreSQL, the turn stream or mem0.

usage: chaos_report.py OUT PG_PORT REDIS_PORT MEM0_PORT
With CHAOS_STREAMS (space-separated stream keys) the turns are read from each of them, through
redis-cli -c (Redis Cluster: each key is asked of the node serving it).
"""
import collections
import csv
import os
import subprocess
import sys
import time
import urllib.request

out, pg_port, redis_port, mem0_port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

attempts, acks, lost = [], [], []
with open(f"{out}/load.csv") as f:
    for row in csv.reader(f):
        if row[0] == "attempt":
            attempts.append((int(row[1]), int(row[2]), int(row[3])))
        elif row[0] == "ack":
            acks.append((int(row[1]), row[2], row[3], row[4]))
        elif row[0] == "lost":
            lost.append((int(row[1]), row[2]))
phases = []
with open(f"{out}/phases.csv") as f:
    for name, start, end in csv.reader(f):
        phases.append((name, int(start), int(end)))


def stored():
    rows = subprocess.run(["psql", "-h", "127.0.0.1", "-p", pg_port, "-U", "postgres", "-d", "chaos", "-AtX", "-F", ",",
                           "-c", "SELECT whatsapp_message_id, id FROM core.whatsapp_messages WHERE whatsapp_message_id LIKE 'CHAOS%'"],
                          capture_output=True, text=True, check=True).stdout.split()
    return dict(r.split(",", 1) for r in rows)


STREAMS = os.environ.get("CHAOS_STREAMS", "ingress:turns").split()
copies = collections.Counter()


def turned():
    copies.clear()
    for stream in STREAMS:
        lines = subprocess.run(["redis-cli", "-c", "-p", redis_port, "--raw", "XRANGE", stream, "-", "+"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        copies.update(lines[i + 1] for i, line in enumerate(lines[:-1]) if line == "whatsappMessageId")
    return set(copies)


def added():
    with urllib.request.urlopen(f"http://127.0.0.1:{mem0_port}/__added") as r:
        return set(r.read().decode().split())


acked_ids = {wid for _, wid, _, _ in acks}
deadline = time.time() + 150
while True:
    rows, turns, adds = stored(), turned(), added()
    missing = [w for w in acked_ids if w not in rows or w not in turns or rows[w] not in adds]
    if not missing or time.time() > deadline:
        break
    time.sleep(5)

bounds = [(name, start, phases[i + 1][1] if i + 1 < len(phases) else 1 << 62) for i, (name, start, _) in enumerate(phases)]
bounds.insert(0, ("(steady, before the first fault)", 0, phases[0][1]))
print("| Fault (10 s) | acknowledged | stored | turned | added to mem0 | not acknowledged | 5xx / no answer | longest answer | turns published twice |")
print("|---|---|---|---|---|---|---|---|---|")
total = [0] * 7
longest_all = 0
for name, start, end in bounds:
    window = [a for a in acks if start <= a[0] < end]
    ids = {a[1] for a in window}
    s = sum(1 for w in ids if w in rows)
    t = sum(1 for w in ids if w in turns)
    m = sum(1 for w in ids if w in rows and rows[w] in adds)
    never = sum(1 for l in lost if start <= l[0] < end)
    # Attempts belong to the window in which they were answered: a request sent just before a fault
    # and answered 503 because of it counts for that fault.
    answered = [a for a in attempts if start <= a[0] + a[2] < end]
    errors = sum(1 for a in answered if a[1] == 0 or a[1] >= 500)
    longest = max((a[2] for a in answered), default=0)
    longest_all = max(longest_all, longest)
    twice = sum(copies[w] - 1 for w in ids if copies[w] > 1)
    for i, v in enumerate((len(ids), s, t, m, never, errors, twice)):
        total[i] += v
    print(f"| {name} | {len(ids)} | {s} | {t} | {m} | {never} | {errors} | {longest} ms | {twice} |")
print(f"| **all** | {total[0]} | {total[1]} | {total[2]} | {total[3]} | {total[4]} | {total[5]} | {longest_all} ms | {total[6]} |")
extra = sum(n - 1 for n in copies.values() if n > 1)
print(f"\nTurns in the stream{'s' if len(STREAMS) > 1 else ''}: {sum(copies.values())} entries for {len(copies)} messages "
      f"({extra} second copies: at-least-once, consumers dedupe on turnId).")
if missing:
    print(f"\nMISSING after recovery: {len(missing)} acknowledged messages (e.g. {sorted(missing)[:5]})")
    sys.exit(1)
print("\nEvery acknowledged message is stored, turned and added to mem0.")
