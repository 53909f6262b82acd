#!/usr/bin/python3
"""Draws the dashboard's panels from the series a real Prometheus scraped (target/observability/
series.json, written by observability_check.py) as docs/operations/dashboard.png: what Grafana would
show, for docs/operations.md, on machines without Grafana. Needs matplotlib (Debian python3-matplotlib).
"""
import json
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = pathlib.Path(__file__).resolve().parent.parent.parent
data = json.loads((root / "target/observability/series.json").read_text())
panels = data["panels"]
cols = 3
rows = (len(panels) + cols - 1) // cols
fig, axes = plt.subplots(rows, cols, figsize=(cols * 5.2, rows * 2.9))
for ax, (title, series) in zip(axes.flat, panels):
    for label, values in series[:8]:
        if values:
            ax.plot([t for t, _ in values], [v for _, v in values], label=label, linewidth=1.2)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("seconds into the run", fontsize=7)
    if any(values for _, values in series):
        ax.legend(fontsize=6, loc="upper left")
for ax in list(axes.flat)[len(panels):]:
    ax.axis("off")
fig.suptitle("clinic-ingress dashboard, from scraped series (50 msg/s; mem0 stand-in answering 500 from 20 s to 50 s)",
             fontsize=10)
fig.tight_layout()
out = root / "docs/operations/dashboard.png"
out.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(out, dpi=80)
print(f"plot: {out.relative_to(root)}")
