#!/usr/bin/env python3
"""Runs every dashboard panel query and alert expression against a Prometheus; exits 1 if any returns
nothing or a rule fails to evaluate. Saves every panel's series over [START, END] for plot_panels.py.

usage: observability_check.py PROMETHEUS_URL START END
"""
import json
import pathlib
import re
import sys
import urllib.parse
import urllib.request

prom, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root = pathlib.Path(__file__).resolve().parent.parent.parent


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

# The series for tools/observability/plot_panels.py (matplotlib), which draws docs/operations/dashboard.png.
series_file = root / "target/observability/series.json"
series_file.write_text(json.dumps({"start": start, "end": end, "panels": plots}))
print(f"\nseries of {len(plots)} panels over {end - start} s: {series_file.relative_to(root)}")
if failures:
    print("\nFAILED:\n- " + "\n- ".join(failures))
    sys.exit(1)
print("every panel query and alert expression returns data; every rule evaluates")
