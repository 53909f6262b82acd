#!/usr/bin/env python3
"""The JVM and native executable side by side, from scripts/bench.sh BENCH_SECTIONS=native.

    tools/bench/native_report.py OUT_DIR

Per variant (jvm, native, native-<name>): throughput and p99 at wrk -c32/64/128, the service's CPU
per message, p99 and RSS at 1,000 msg/s (open model), allocation per message, collections, and the
median of five restarts to ready. Allocation: the JVM's jvm_gc_memory_allocated_bytes counter;
natively, Serial GC's printed collections (heap before each minus after the previous one), over the
same measured window (the three wrk runs and the open model). Prints a markdown table.
"""
import json
import os
import re
import statistics
import sys

out = sys.argv[1]
runs = os.path.join(out, "runs")
CONNECTIONS = (32, 64, 128)
GC = re.compile(r"GC\(\d+\) Pause (\w+) GC \([^)]*\) ([\d.]+)M->([\d.]+)M ([\d.]+)ms")


def text(path):
    path = os.path.join(runs, path)
    return open(path).read() if os.path.exists(path) else None


def last_json(path):
    body = text(path)
    return json.loads(body.strip().splitlines()[-1]) if body and body.strip() else None


def wrk(name):
    body = text(name + ".txt")
    if body is None:
        return None
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", body).group(1))
    p99 = dict(re.findall(r"^\s+(99)%\s+([\d.]+\w+)", body, re.M)).get("99")
    return {"rps": rps, "p99": p99, "cpu": last_json(name + ".cpu.json") or {}}


def metric(path, name):
    body = text(path) or ""
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def gc_window(variant):
    log = os.path.join(out, f"app-{variant}.log")
    if not os.path.exists(log):
        return None
    lines = open(log, errors="replace").read().splitlines()
    start, end = int((text(f"{variant}-log-before.txt") or "0").strip()), int((text(f"{variant}-log-after.txt") or "0").strip())
    allocated_mb, collections, pause_ms, full, previous_after = 0.0, 0, 0.0, 0, None
    for number, line in enumerate(lines[:end]):
        m = GC.search(line)
        if not m:
            continue
        kind, before, after, ms = m.group(1), float(m.group(2)), float(m.group(3)), float(m.group(4))
        if number >= start and previous_after is not None:
            allocated_mb += max(0.0, before - previous_after)
            collections += 1
            pause_ms += ms
            full += kind == "Full"
        previous_after = after
    return {"allocated_mb": allocated_mb, "collections": collections, "pause_ms": pause_ms, "full": full}


variants = sorted({f.split("-wrk")[0] for f in os.listdir(runs) if "-wrk" in f and f.endswith(".txt")},
                  key=lambda v: (v != "jvm", v != "native", v))
rows = {}
for v in variants:
    w = {c: wrk(f"{v}-wrk{c}") for c in CONNECTIONS}
    o = last_json(f"{v}-open1000.json")
    o_cpu = last_json(f"{v}-open1000.cpu.json") or {}
    messages = sum(r["rps"] * 15 for r in w.values() if r) + (o["achieved"] * o.get("seconds", 15) if o else 0)
    if v == "jvm":
        allocated = metric(f"{v}-metrics-after.txt", "jvm_gc_memory_allocated_bytes_total") - metric(
            f"{v}-metrics-before.txt", "jvm_gc_memory_allocated_bytes_total")
        pauses = metric(f"{v}-metrics-after.txt", "jvm_gc_pause_seconds_count") - metric(
            f"{v}-metrics-before.txt", "jvm_gc_pause_seconds_count")
        gc = {"allocated_mb": allocated / 2**20, "collections": int(pauses), "pause_ms": None, "full": None}
    else:
        gc = gc_window(v)
    ready = [int(x) for x in (text(f"{v}-ready.txt") or "").split()]
    rows[v] = {"wrk": w, "open": o, "open_cpu": o_cpu, "messages": messages, "gc": gc,
               "rss": (last_json(f"{v}-rss.json") or {}).get("rss_mb_under_load"),
               "ready": statistics.median(ready) if ready else None, "ready_all": ready}


def cpu_ms(cpu, messages):
    return 1000 * cpu.get("cpu_s", {}).get("service", 0) / messages if cpu and messages else None


def fmt(v, spec="{:.3f}"):
    return "n/a" if v is None else spec.format(v)


header = "| | " + " | ".join(rows) + " |"
print(f"Options of the native executable: `{os.environ.get('NATIVE_OPTS', '').strip() or 'its defaults'}`\n")
print(header)
print("|---" * (len(rows) + 1) + "|")
jvm = rows.get("jvm")
for c in CONNECTIONS:
    cells = []
    for v, r in rows.items():
        x = r["wrk"][c]
        if not x:
            cells.append("n/a")
            continue
        cpu = cpu_ms(x["cpu"], x["rps"] * 15)
        rel = ""
        if v != "jvm" and jvm and jvm["wrk"][c]:
            jcpu = cpu_ms(jvm["wrk"][c]["cpu"], jvm["wrk"][c]["rps"] * 15)
            rel = f" ({x['rps'] / jvm['wrk'][c]['rps']:.2f}x msg/s, {cpu / jcpu:.2f}x CPU)" if cpu and jcpu else ""
        cells.append(f"{x['rps']:.0f} msg/s, p99 {x['p99']}, {fmt(cpu)} ms CPU/msg{rel}")
    print(f"| wrk -c{c} | " + " | ".join(cells) + " |")
cells = []
for v, r in rows.items():
    o = r["open"]
    if not o:
        cells.append("n/a")
        continue
    cpu = cpu_ms(r["open_cpu"], o["achieved"] * o.get("seconds", 15))
    cells.append(f"{o['achieved']:.0f}/s, p50 {o['p50']:.2f} ms, p99 {o['p99']:.2f} ms, {fmt(cpu)} ms CPU/msg")
print("| open model 1,000 msg/s | " + " | ".join(cells) + " |")
print("| RSS under 1,000 msg/s | " + " | ".join(f"{r['rss']} MiB" for r in rows.values()) + " |")
cells = []
for r in rows.values():
    g = r["gc"]
    if not g or not r["messages"]:
        cells.append("n/a")
        continue
    per = g["allocated_mb"] * 2**20 / r["messages"] / 1024
    extra = "" if g["pause_ms"] is None else f", {g['pause_ms']:.0f} ms paused, {g['full']} full"
    cells.append(f"{per:.1f} KiB/msg ({g['collections']} collections{extra})")
print("| allocation per message (measured window) | " + " | ".join(cells) + " |")
print("| ready with 10,000 instances, median of 5 restarts | " + " | ".join(
    f"{fmt(r['ready'], '{:.0f}')} ms ({', '.join(map(str, r['ready_all']))})" for r in rows.values()) + " |")
