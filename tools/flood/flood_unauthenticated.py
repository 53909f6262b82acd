#!/usr/bin/env python3
"""Sends N concurrent unauthenticated POSTs of SIZE bytes each to a webhook URL and reports how the
service's resident memory moved (peak minus the figure before) and what every request was answered.

usage: flood_unauthenticated.py PID HOST PORT [N=50] [SIZE_MB=15] [HEADERS...]
Each extra argument is a header line ("X-Webhook-Token: wrong") sent with every request.
"""
import os
import socket
import time
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from burst import run_at_once  # noqa: E402

pid, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
count = int(sys.argv[4]) if len(sys.argv) > 4 else 50
size = int(float(sys.argv[5]) * 1024 * 1024) if len(sys.argv) > 5 else 15 * 1024 * 1024
extra = sys.argv[6:]


answers = Counter()
sent_bytes = []


def one():
    chunk = b"{" + b" " * (64 * 1024 - 1)
    sent = 0
    status = "no answer"
    try:
        s = socket.create_connection((host, port), timeout=30)
        head = ("POST /webhooks/evolution HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n%s\r\n" % (host, size, "".join(h + "\r\n" for h in extra)))
        s.sendall(head.encode())
        s.setblocking(False)
        response = b""
        while sent < size and b"\r\n" not in response:
            try:
                sent += s.send(chunk[: min(len(chunk), size - sent)])
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break
            try:
                response += s.recv(4096)
            except BlockingIOError:
                pass
            except OSError:
                break
        s.setblocking(True)
        s.settimeout(30)
        while b"\r\n" not in response:
            data = s.recv(4096)
            if not data:
                break
            response += data
        if response:
            status = response.split(b"\r\n", 1)[0].decode(errors="replace").split(" ", 2)[1]
        s.close()
    except OSError as e:
        status = type(e).__name__
    answers[status] += 1
    sent_bytes.append(sent)


before, peak, _ = run_at_once(pid, count, one)
print(f"requests             {count} x {size / 1048576:.0f} MiB, headers: {extra or 'none'}")
print(f"answers              {dict(answers)}")
print(f"body bytes out       median {sorted(sent_bytes)[len(sent_bytes) // 2] / 1048576:.2f} MiB of {size / 1048576:.0f} MiB per request (into kernel socket buffers before the answer)")
print(f"RSS before           {before / 1024:.1f} MiB")
print(f"RSS peak             {peak / 1024:.1f} MiB")
print(f"RSS increase         {(peak - before) / 1024:.1f} MiB")
