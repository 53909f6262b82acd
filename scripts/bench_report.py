#!/usr/bin/env python3
"""Turns the raw measurements of scripts/bench.sh into report.md, results.json and latency.svg."""
import json
import os
import re
import sys
from datetime import datetime, timezone

out = sys.argv[1]


def load(name, default=None):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return default
    with open(path) as f:
        text = f.read().strip()
    try:
        return json.loads(text.splitlines()[-1] if text.startswith("{") and "\n{" in text else text)
    except json.JSONDecodeError:
        return json.loads(text.splitlines()[-1])


def wrk(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return None
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", text, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"rps": rps, "p50": lat.get("50"), "p99": lat.get("99"), "non2xx": int(non2xx.group(1)) if non2xx else 0}


before, after = load("before.json"), load("after.json")
bi, ai = load("before-internals.json"), load("after-internals.json")
rates = {r: load(f"rate-{r}.json") for r in (200, 1000, 2000)}
webhook, trivial = wrk("wrk-webhook.txt"), wrk("wrk-trivial.txt")
stampede = load("stampede-mem0.json", {})
startup, cold = load("startup.json", {}), load("startup-cold.json", {})
rss_load = load("rss-load.json", {})
jmh = load("jmh.json", [])

speedup = before["p50"] / after["p50"] if after and after["p50"] else None
targets = [
    ("p99 at 1,000 messages/s", "<= 5 ms", f'{rates[1000]["p99"]:.2f} ms', rates[1000]["p99"] <= 5 and rates[1000]["errors"] == 0),
    ("maximum throughput (wrk, warm path)", ">= 5,000 msg/s", f'{webhook["rps"]:.0f} msg/s', webhook["rps"] >= 5000),
    ("before/after at p50", ">= 2,000x", f"{speedup:.0f}x", speedup >= 2000),
    (f'database statements for clinic resolution (warm, {ai["messages"]} messages)', "0", str(ai["directory"]), ai["directory"] == 0),
    ("mem0 calls for 200 concurrent first messages of one patient", "1", str(stampede.get("mem0_searches")), stampede.get("mem0_searches") == 1),
]

def ms(v):
    return "n/a" if v is None else (f"{v:.3f} ms" if v < 10 else f"{v:.0f} ms")

lines = [
    f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, JVM, load generator, service,",
    "PostgreSQL, Redis and the mem0 stand-in all on the same machine (noisy: compare ratios from one run).",
    "",
    "### The seed's table, measured",
    "",
    "| Operation | Before: caches off, mem0 waited for | After: caches on, warm | Seed's claim |",
    "|---|---|---|---|",
    f'| Clinic resolution p50 / p99 | {ms(bi["clinic_p50"])} / {ms(bi["clinic_p99"])} | {ms(ai["clinic_p50"])} / {ms(ai["clinic_p99"])} | 50-150 ms → < 1 ms |',
    f'| mem0 lookup p50 / p99 | {ms(bi["memory_p50"])} / {ms(bi["memory_p99"])} | {ms(ai["memory_p50"])} / {ms(ai["memory_p99"])} | 4-6 s → < 1 ms |',
    f'| Message processing p50 / p99 (HTTP, open model) | {ms(before["p50"])} / {ms(before["p99"])} | {ms(after["p50"])} / {ms(after["p99"])} | 4-6 s → < 10 ms |',
    f'| DB statements per message (all / message write / clinic) | {bi["statements"] / bi["messages"]:.2f} / {bi["writes"] / bi["messages"]:.2f} / {bi["directory"] / bi["messages"]:.2f} | {ai["statements"] / ai["messages"]:.2f} / {ai["writes"] / ai["messages"]:.2f} / {ai["directory"] / ai["messages"]:.2f} | 3-5 → 0-1 |',
    f'| mem0 calls during the warm run | | {ai.get("mem0_searches")} for {ai["messages"]} messages | |',
    "",
    f'Before: 40 messages of 40 new patients at 10/s, clinic cache off, Redis tier off, memory budget 10 s. After: {ai["messages"]} messages (3 s unrecorded warm-up, then 10 s measured) of {os.environ.get("BENCH_PATIENTS", "100")} patients at 200/s, the service restarted after their memories were fetched. Internal timers (clinic resolution, memory lookup) come from the service\'s own percentiles; "all" statements include background work (batched published marks, relay checks), counted on the PostgreSQL wire protocol.',
    "",
    "### Throughput and latency",
    "",
    "| Measurement | Result |",
    "|---|---|",
    f'| Max throughput, webhook (wrk -t2 -c32, unique ids) | {webhook["rps"]:.0f} msg/s (p50 {webhook["p50"]}, p99 {webhook["p99"]}, non-2xx {webhook["non2xx"]}) |',
    f'| Max throughput, GET /q/health/live, same run | {trivial["rps"]:.0f} req/s |',
    f'| Webhook / trivial endpoint | {webhook["rps"] / trivial["rps"]:.2f} |',
]
for r, v in rates.items():
    lines.append(f'| Open model {r}/s (achieved {v["achieved"]:.0f}/s, errors {v["errors"]}) | p50 {ms(v["p50"])}, p99 {ms(v["p99"])}, p99.9 {ms(v["p999"])}, max {ms(v["max"])} |')
lines += [
    f'| Stampede: 200 first messages of one patient at once | {stampede.get("mem0_searches")} mem0 call(s) |',
    f'| Time to ready (JVM, {os.environ.get("BENCH_INSTANCES", "10000")} instances; prefetch capped at 10 s) | first start {cold.get("ready_ms")} ms, restart {startup.get("ready_ms")} ms; {startup.get("warmup_log", "")} |',
    f'| RSS after warm-up / under 1,000 msg/s | {startup.get("rss_mb")} MB / {rss_load.get("rss_mb_under_load")} MB |',
    "",
    "### JMH (ns per operation, 1 fork, 3 iterations: wide error on 2 cores)",
    "",
    "| Benchmark | ns/op | ± |",
    "|---|---|---|",
]
for b in jmh:
    name = b["benchmark"].split(".")[-1]
    lines.append(f'| {name} | {b["primaryMetric"]["score"]:.1f} | {b["primaryMetric"]["scoreError"]:.1f} |')
lines += ["", "### Targets", "", "| Target | Goal | Measured | Met |", "|---|---|---|---|"]
for t in targets:
    lines.append(f"| {t[0]} | {t[1]} | {t[2]} | {'yes' if t[3] else 'no'} |")
report = "\n".join(lines) + "\n"
open(os.path.join(out, "report.md"), "w").write(report)

results = {"before": before, "after": after, "before_internals": bi, "after_internals": ai, "rates": rates,
           "wrk_webhook": webhook, "wrk_trivial": trivial, "stampede": stampede, "startup": startup,
           "startup_cold": cold, "rss_load": rss_load, "jmh": jmh,
           "targets": [{"target": t[0], "goal": t[1], "measured": t[2], "met": t[3]} for t in targets]}
json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=2)

# latency.svg: p50 / p99 / p99.9 per offered rate, log scale.
import math
series = [("p50", "#4c78a8"), ("p99", "#f58518"), ("p999", "#e45756")]
width, height, left, bottom = 640, 360, 70, 50
vals = [v[k] for v in rates.values() for k, _ in series if v[k] > 0]
lo, hi = math.floor(math.log10(min(vals))), math.ceil(math.log10(max(vals)))
hi = hi if hi > lo else lo + 1
def y(v):
    return height - bottom - (math.log10(max(v, 10 ** lo)) - lo) / (hi - lo) * (height - bottom - 30)
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<text x="{width/2}" y="18" text-anchor="middle" font-size="14">Webhook latency at fixed offered rates (open model, ms, log scale)</text>']
for e in range(lo, hi + 1):
    yy = y(10 ** e)
    svg.append(f'<line x1="{left}" y1="{yy}" x2="{width-20}" y2="{yy}" stroke="#ddd"/><text x="{left-8}" y="{yy+4}" text-anchor="end">{10**e:g}</text>')
group = (width - left - 40) / len(rates)
for i, (r, v) in enumerate(rates.items()):
    x0 = left + 20 + i * group
    for j, (k, color) in enumerate(series):
        bx = x0 + j * 40
        svg.append(f'<rect x="{bx}" y="{y(v[k])}" width="34" height="{height-bottom-y(v[k])}" fill="{color}"/>')
        svg.append(f'<text x="{bx+17}" y="{y(v[k])-4}" text-anchor="middle" font-size="10">{v[k]:.1f}</text>')
    svg.append(f'<text x="{x0+60}" y="{height-bottom+18}" text-anchor="middle">{r} msg/s</text>')
for j, (k, color) in enumerate(series):
    svg.append(f'<rect x="{left+20+j*90}" y="{height-18}" width="12" height="12" fill="{color}"/><text x="{left+36+j*90}" y="{height-8}">{k.replace("p999","p99.9")}</text>')
svg.append("</svg>")
open(os.path.join(out, "latency.svg"), "w").write("\n".join(svg))
