#!/usr/bin/env python3
"""Top frames (execution samples) and allocation sites (allocation samples, by weight) of a JFR file:

    tools/bench/jfr_top.py FILE.jfr

Execution: the share of samples whose top frame is each method, and whose stack holds each of the
service's methods (clinic.ingress.*). Allocation: shares of samples by allocated class, and by the
first frame of the service's own code on the stack (where the allocation was asked for, through
libraries)."""
import collections
import json
import subprocess
import sys

path = sys.argv[1]


def events(kind):
    text = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", kind, path],
                          capture_output=True, text=True, check=True).stdout
    return json.loads(text)["recording"]["events"]


def frames(event):
    stack = event["values"].get("stackTrace") or {}
    # JDK 17 prints binary names (clinic/ingress/X): made dotted, as the rest of this file expects.
    return [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"] for f in stack.get("frames", [])]


def own(stack):
    return next((f for f in stack if f.startswith("clinic.ingress.")), "(outside clinic.ingress)")


samples = events("jdk.ExecutionSample")
top, inclusive = collections.Counter(), collections.Counter()
for e in samples:
    stack = frames(e)
    if stack:
        top[stack[0]] += 1
        for f in set(s for s in stack if s.startswith("clinic.ingress.")):
            inclusive[f] += 1
total = max(1, len(samples))
print(f"== execution samples: {len(samples)}; top frames")
for name, n in top.most_common(25):
    print(f"{100 * n / total:5.1f}%  {name}")
print("== the service's methods on the stack (inclusive)")
for name, n in inclusive.most_common(25):
    print(f"{100 * n / total:5.1f}%  {name}")

allocations = events("jdk.ObjectAllocationSample")
# Shares by sample count: JFR takes allocation samples in proportion to the bytes allocated, and a
# sample's "weight" (bytes since the thread's previous sample) has outliers of gigabytes (the first
# sample of a thread) that would rank one 32-byte iterator above everything.
by_class, by_site, by_frame = collections.Counter(), collections.Counter(), collections.Counter()
for e in allocations:
    stack = frames(e)
    by_class[e["values"]["objectClass"]["name"].replace("/", ".")] += 1
    by_site[own(stack)] += 1
    by_frame[(own(stack), next((f for f in stack if not f.startswith("java.")), "?"))] += 1
count = max(1, len(allocations))
print(f"== allocation samples: {len(allocations)}; by class")
for name, n in by_class.most_common(20):
    print(f"{100 * n / count:5.1f}%  {name}")
print("== by the service's first frame on the stack")
for name, n in by_site.most_common(30):
    print(f"{100 * n / count:5.1f}%  {name}")
print("== by the service's first frame and the first frame outside the JDK")
for (site, frame), n in by_frame.most_common(30):
    print(f"{100 * n / count:5.1f}%  {site}  <-  {frame}")
