#!/usr/bin/env python3
"""Runs every dashboard panel query and alert expression against a Prometheus; exits 1 if any returns
nothing or a rule fails to evaluate. Draws the panels over [START, END] as docs/operations/dashboard.svg.

usage: observability_check.py PROMETHEUS_URL START END
"""
import json
import pathlib
import re
import sys
import urllib.parse
import urllib.request

prom, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root = pathlib.Path(__file__).resolve().parent.parent


def get(path, **params):
    with urllib.request.urlopen(f"{prom}{path}?{urllib.parse.urlencode(params)}") as r:
        return json.load(r)["data"]


failures = []
dashboard = json.loads((root / "src/main/observability/grafana/clinic-ingress.json").read_text())
plots = []
print("| Panel | Query | Series |")
print("|---|---|---|")
for panel in dashboard["panels"]:
    series_for_plot = []
    for target in panel["targets"]:
        result = get("/api/v1/query", query=target["expr"], time=end)["result"]
        print(f"| {panel['title']} | `{target['legendFormat']}` | {len(result)} |")
        if not result:
            failures.append(f"panel '{panel['title']}' query '{target['legendFormat']}' returned nothing")
        ranged = get("/api/v1/query_range", query=target["expr"], start=start, end=end, step=2)["result"]
        for s in ranged:
            label = target["legendFormat"]
            for key, value in s["metric"].items():
                label = label.replace("{{" + key + "}}", value)
            series_for_plot.append((label, [(float(t) - start, float(v)) for t, v in s["values"] if v not in ("NaN", "+Inf", "-Inf")]))
    plots.append((panel["title"], series_for_plot))

rules = get("/api/v1/rules")["groups"]
print()
print("| Alert | Expression without its comparison | Series | Rule health |")
print("|---|---|---|---|")
for group in rules:
    for rule in group["rules"]:
        left = re.split(r"\s(?:>|<|==|!=|>=|<=)\s", rule["query"])[0]
        result = get("/api/v1/query", query=left, time=end)["result"]
        print(f"| {rule['name']} | `{left}` | {len(result)} | {rule['health']} |")
        if not result:
            failures.append(f"alert {rule['name']}: '{left}' returned nothing (a typo'd metric name?)")
        if rule["health"] != "ok":
            failures.append(f"alert {rule['name']} does not evaluate: {rule.get('lastError')}")

# A small-multiples SVG of every panel, from the scraped series (no Grafana needed to see it).
W, H, COLS = 460, 200, 2
colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]
rows = (len(plots) + COLS - 1) // COLS
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W * COLS}" height="{H * rows}" font-family="sans-serif" font-size="10">',
       '<rect width="100%" height="100%" fill="white"/>']
for i, (title, series) in enumerate(plots):
    x0, y0 = (i % COLS) * W, (i // COLS) * H
    svg.append(f'<text x="{x0 + 8}" y="{y0 + 14}" font-size="12" font-weight="bold">{title}</text>')
    pts = [v for _, values in series for _, v in values]
    top = max(pts) if pts and max(pts) > 0 else 1
    svg.append(f'<text x="{x0 + 8}" y="{y0 + 28}" fill="#555">max {top:.4g}</text>')
    svg.append(f'<rect x="{x0 + 8}" y="{y0 + 34}" width="{W - 16}" height="{H - 70}" fill="none" stroke="#ccc"/>')
    span = max(end - start, 1)
    for j, (label, values) in enumerate(series[:8]):
        if not values:
            continue
        path = " ".join(f"{x0 + 8 + (t / span) * (W - 16):.1f},{y0 + 34 + (H - 70) * (1 - v / top):.1f}" for t, v in values)
        svg.append(f'<polyline fill="none" stroke="{colors[j % len(colors)]}" stroke-width="1.5" points="{path}"/>')
        svg.append(f'<text x="{x0 + 8 + (j % 3) * 150}" y="{y0 + H - 22 + (j // 3) * 11}" fill="{colors[j % len(colors)]}">{label[:28]}</text>')
svg.append("</svg>")
out = root / "docs/operations/dashboard.svg"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text("\n".join(svg))
print(f"\nplot: {out.relative_to(root)} ({end - start} s of scraped series)")
if failures:
    print("\nFAILED:\n- " + "\n- ".join(failures))
    sys.exit(1)
print("every panel query and alert expression returns data; every rule evaluates")
