#!/usr/bin/env python3
"""Answer time of bodies built to be expensive, for scripts/bench.sh (BENCH_SECTIONS=edge).

pathological.py PORT TOKEN INSTANCE

The run pattern (1,023-character base64 runs separated by '-', not JSON: answered 400 and
quarantined) at 1, 4, 16 and 64 KiB, and an ordinary text webhook for reference; each sent 30 times
on one keep-alive connection after 5 unmeasured sends. Prints one JSON line: per body, its status
and the median and worst answer time in ms, and the median per KiB.
"""
import json, socket, statistics, sys, time, uuid

port, token, instance = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = socket.create_connection(("127.0.0.1", port))


def post(body):
    conn.sendall(("POST /webhooks/evolution HTTP/1.1\r\nHost: localhost\r\nX-Webhook-Token: %s\r\n"
                  "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (token, len(body))).encode() + body)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += conn.recv(65536)
    headers, _, rest = answer.partition(b"\r\n\r\n")
    length = int([h.split(b":")[1] for h in headers.split(b"\r\n") if h.lower().startswith(b"content-length")][0])
    while len(rest) < length:
        rest += conn.recv(65536)
    return int(headers.split(b" ")[1])


def runs(kib):
    piece = "A" * 1023 + "-"
    return (piece * max(1, kib * 1024 // len(piece))).encode()


def text():
    return json.dumps({"event": "messages.upsert", "instance": instance, "data": {
        "key": {"remoteJid": "551190000002@s.whatsapp.net", "fromMe": False, "id": "patho-" + uuid.uuid4().hex},
        "message": {"conversation": "reference"}, "messageType": "conversation",
        "messageTimestamp": int(time.time())}}).encode()


results = {}
for name, make, kib in [("text", text, 1), ("runs-1k", lambda: runs(1), 1), ("runs-4k", lambda: runs(4), 4),
                        ("runs-16k", lambda: runs(16), 16), ("runs-64k", lambda: runs(64), 64)]:
    for _ in range(5):
        post(make())
    times, status = [], None
    for _ in range(30):
        body = make()
        t0 = time.monotonic()
        status = post(body)
        times.append((time.monotonic() - t0) * 1000)
    results[name] = {"status": status, "bytes": len(make()), "ms_p50": round(statistics.median(times), 3),
                     "ms_max": round(max(times), 3), "ms_per_kib_p50": round(statistics.median(times) / kib, 4)}
print(json.dumps(results))
