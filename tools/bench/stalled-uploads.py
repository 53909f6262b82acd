#!/usr/bin/env python3
"""Stalled uploads beside a clinic's webhooks, for scripts/bench.sh (BENCH_SECTIONS=edge).

stalled-uploads.py PORT TOKEN OTHER_INSTANCE [STALLED=60] [ANNOUNCED=1048576]

STALLED connections with a valid token announce ANNOUNCED bytes, send one byte and wait; meanwhile
another clinic sends 20 webhooks one after the other, each timed from its first byte to its answer.
Then every stalled connection is read until the service answers or closes it. Prints one JSON line:
the other clinic's statuses and latencies (ms), what the stalled uploads were answered, and after
how long the last one was closed.
"""
import json, socket, statistics, sys, time, uuid

port, token, other = int(sys.argv[1]), sys.argv[2], sys.argv[3]
stalled_n = int(sys.argv[4]) if len(sys.argv) > 4 else 60
announced = int(sys.argv[5]) if len(sys.argv) > 5 else 1048576


def head(length):
    return ("POST /webhooks/evolution HTTP/1.1\r\nHost: localhost\r\nX-Webhook-Token: %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (token, length)).encode()


start = time.monotonic()
stalled = []
for _ in range(stalled_n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head(announced) + b"{")
    stalled.append(s)
time.sleep(1)

statuses, latencies = [], []
conn = socket.create_connection(("127.0.0.1", port))
for i in range(20):
    body = json.dumps({"event": "messages.upsert", "instance": other, "data": {
        "key": {"remoteJid": "551190000001@s.whatsapp.net", "fromMe": False, "id": "stall-%s-%d" % (uuid.uuid4().hex[:8], i)},
        "message": {"conversation": "beside stalled uploads"}, "messageType": "conversation",
        "messageTimestamp": int(time.time())}}).encode()
    t0 = time.monotonic()
    conn.sendall(head(len(body)) + body)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += conn.recv(65536)
    headers, _, rest = answer.partition(b"\r\n\r\n")
    length = int([h.split(b":")[1] for h in headers.split(b"\r\n") if h.lower().startswith(b"content-length")][0])
    while len(rest) < length:
        rest += conn.recv(65536)
    latencies.append((time.monotonic() - t0) * 1000)
    statuses.append(int(headers.split(b" ")[1]))
conn.close()

answers = {}
for s in stalled:
    s.settimeout(120)
    try:
        line = s.recv(64).split(b"\r\n")[0].decode(errors="replace")
        key = line.split(" ")[1] if line.startswith("HTTP/") else "closed"
    except OSError:
        key = "reset"
    answers[key] = answers.get(key, 0) + 1
    s.close()
print(json.dumps({"stalled": stalled_n, "announced": announced, "other_statuses": statuses,
                  "other_ms_p50": round(statistics.median(latencies), 2), "other_ms_max": round(max(latencies), 2),
                  "stalled_answers": answers, "all_closed_after_s": round(time.monotonic() - start, 1)}))
