#!/usr/bin/env python3
"""Writes the Grafana dashboard src/main/observability/grafana/clinic-ingress.json from the panel list
below (one place for the queries; tools/observability/check-observability.sh runs every one of them against a
real Prometheus scraping the service). Run it after changing a panel:  python3 tools/observability/dashboard.py
"""
import json
import pathlib

WEBHOOK = 'uri="/webhooks/evolution"'
# (title, unit, [(legend, expr)])
PANELS = [
    ("Webhook outcomes (per second)", "reqps", [
        ("{{outcome}}", 'sum by (outcome) (rate(ingress_webhook_events_total[1m]))')]),
    ("Webhook latency", "s", [
        ("p50", f'histogram_quantile(0.5, sum by (le) (rate(http_server_requests_seconds_bucket{{{WEBHOOK}}}[1m])))'),
        ("p99", f'histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{{{WEBHOOK}}}[1m])))')]),
    ("Cache hit ratio by cache and tier", "percentunit", [
        ("{{cache}} {{tier}}", 'sum by (cache, tier) (rate(ingress_cache_requests_total{result="hit"}[5m])) '
                                '/ clamp_min(sum by (cache, tier) (rate(ingress_cache_requests_total[5m])), 1e-9)')]),
    ("Clinic resolution and memory lookup p99", "s", [
        ("clinic", 'histogram_quantile(0.99, sum by (le) (rate(ingress_clinic_resolve_seconds_bucket[1m])))'),
        ("memory", 'histogram_quantile(0.99, sum by (le) (rate(ingress_memory_lookup_seconds_bucket[1m])))')]),
    ("Stale memories served and memory age", "short", [
        ("stale served /s", 'sum(rate(ingress_memory_stale_served_total[5m]))'),
        ("median age (s)", 'histogram_quantile(0.5, sum by (le) (rate(ingress_memory_age_seconds_bucket[5m])))')]),
    ("mem0 latency by operation", "s", [
        ("{{operation}} p99", 'histogram_quantile(0.99, sum by (le, operation) (rate(ingress_mem0_calls_seconds_bucket[5m])))')]),
    ("mem0 circuit breaker (1 = open)", "short", [
        ("{{method}}", 'max by (method) (ft_circuitbreaker_state_current{state="open"})')]),
    ("mem0 write-behind", "short", [
        ("{{outcome}} /s", 'sum by (outcome) (rate(ingress_memory_writes_total[5m]))'),
        ("queued patients", 'sum(ingress_memory_write_queue)')]),
    ("Store batches", "short", [
        ("messages per batch (mean)", 'sum(rate(ingress_store_batch_size_sum[1m])) / clamp_min(sum(rate(ingress_store_batch_size_count[1m])), 1e-9)'),
        ("queued", 'sum(ingress_store_queued)')]),
    ("Admission: queue fill, bodies waiting for room, refusals", "short", [
        ("store queue fill (max over replicas, 1 = full)", 'max(ingress_store_queued_bytes / ingress_store_queue_limit_bytes)'),
        ("bodies paused for room", 'sum(ingress_webhook_inflight_waiting)'),
        ("mem0 searches waiting", 'sum(ingress_memory_searches_waiting)'),
        ("{{outcome}} /s", 'sum by (outcome) (rate(ingress_webhook_events_total{outcome=~"overloaded|timeout"}[5m]))')]),
    ("Spool: messages waiting for PostgreSQL", "short", [
        ("spooled (max over replicas)", 'max(ingress_store_spool_depth)'),
        ("oldest (s)", 'max(ingress_store_spool_oldest_seconds)'),
        ("{{outcome}} /s", 'sum by (outcome) (rate(ingress_store_spool_messages_total[5m]))')]),
    ("WhatsApp lines by state", "short", [
        ("{{state}}", 'max by (state) (ingress_lines)'),
        ("longest down (s)", 'max(ingress_lines_down_longest_seconds)')]),
    ("Outbox lag and unconsumed turns", "short", [
        ("oldest unpublished turn (s)", 'max(ingress_turns_pending_oldest_seconds)'),
        ("stuck turns", 'max(ingress_turns_stuck)'),
        ("unconsumed turns", 'max(ingress_turns_unconsumed)')]),
    ("Silent instances and Redis", "short", [
        ("silent instances", 'max(ingress_webhook_instances_silent)'),
        ("instances without own secret", 'max(ingress_webhook_instances_without_secret)'),
        ("redis up (min over replicas)", 'min(ingress_redis_up)')]),
    ("Memory (JVM heap and non-heap; native image: its heap)", "bytes", [
        ("{{area}}", 'sum by (area) (jvm_memory_used_bytes)')]),
]


def dashboard():
    panels = []
    for i, (title, unit, targets) in enumerate(PANELS):
        panels.append({
            "id": i + 1,
            "type": "timeseries",
            "title": title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": [{"refId": chr(65 + j), "expr": expr, "legendFormat": legend}
                        for j, (legend, expr) in enumerate(targets)],
        })
    return {
        "title": "clinic-ingress",
        "uid": "clinic-ingress",
        "schemaVersion": 39,
        "version": 1,
        "tags": ["clinic-ingress", "whatsapp"],
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": panels,
    }


if __name__ == "__main__":
    out = pathlib.Path(__file__).resolve().parent.parent.parent / "src/main/observability/grafana/clinic-ingress.json"
    out.write_text(json.dumps(dashboard(), indent=2) + "\n")
    print(f"wrote {out} ({len(PANELS)} panels)")
