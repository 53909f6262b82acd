#!/usr/bin/env python3
"""The table of scripts/bench.sh's postgres section: what each message costs PostgreSQL, per load."""
import json
import pathlib
import sys

out = pathlib.Path(sys.argv[1]) / "runs"
rows, tops = [], []
for pg in sorted(out.glob("pg-*.pg.json"), key=lambda p: p.stat().st_mtime):
    name = pg.name[len("pg-"):-len(".pg.json")]
    d = json.loads(pg.read_text())
    cpu = json.loads((out / f"pg-{name}.cpu.json").read_text())
    msgs = d["after"]["messages"] - d["before"]["messages"]
    commits = d["after"]["commits"] - d["before"]["commits"]
    wal = d["after"]["wal"] - d["before"]["wal"]
    pg_cpu = cpu["cpu_s"]["postgresql"]
    svc = cpu["cpu_s"]["service"]
    per = (lambda v: f"{v / msgs:.3f}") if msgs else (lambda v: "-")
    rows.append(f"| {name} | {msgs} | {msgs / cpu['wall_s']:.0f} | {pg_cpu:.1f} | {per(pg_cpu * 1000)} | {per(svc * 1000)} | "
                f"{commits} | {per(commits)} | {per(wal)} |")
    if d["statements"] and msgs:
        tops.append(f"\n{name}: statements by PostgreSQL time (pg_stat_statements)\n\n| statement | calls per message | exec ms per message | plan ms per message |\n|---|---|---|---|")
        for s in d["statements"]:
            tops.append(f"| `{s['query']}` | {s['calls'] / msgs:.3f} | {s['exec_ms'] / msgs:.4f} | {s['plan_ms'] / msgs:.4f} |")
print("| run | messages | msg/s | PostgreSQL CPU s | PostgreSQL CPU ms/msg | service CPU ms/msg | commits | commits/msg | WAL bytes/msg |")
print("|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
print("\n".join(tops))
