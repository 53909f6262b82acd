#!/usr/bin/env python3
"""Sends N concurrent authenticated media webhooks of SIZE MiB each (an image, base64, under
data.message.base64, as Evolution sends with webhook_base64), retrying 503 and 429 after their
Retry-After as Evolution does, until each is stored; reports the service's resident memory before
and at its peak, and every answer.

usage: media_burst.py PID HOST PORT INSTANCE TOKEN [N=16] [SIZE_MB=12]
"""
import base64
import http.client
import json
import os
import sys
import time
import uuid
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from burst import run_at_once  # noqa: E402

pid, host, port, instance, token = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
count = int(sys.argv[6]) if len(sys.argv) > 6 else 16
size = int(float(sys.argv[7]) * 1024 * 1024) if len(sys.argv) > 7 else 12 * 1024 * 1024


def body(message_id, image_b64):
    return json.dumps({
        "event": "messages.upsert", "instance": instance, "apikey": "media-burst-instance-token",
        "data": {"key": {"remoteJid": "5511955550000@s.whatsapp.net", "fromMe": False, "id": message_id},
                 "pushName": "Paciente", "messageType": "imageMessage", "messageTimestamp": int(time.time()),
                 "message": {"imageMessage": {"mimetype": "image/jpeg", "fileLength": str(len(image_b64) * 3 // 4),
                                              "caption": "exame"},
                             "base64": image_b64}}}).encode()


# The image: random bytes (incompressible, like a JPEG), base64 so that the whole body is SIZE.
image_b64 = base64.b64encode(os.urandom(size * 3 // 4 - 1024)).decode()
answers = Counter()
attempts = Counter()


def post(payload):
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request("POST", "/webhooks/evolution", payload,
                           {"Content-Type": "application/json", "X-Webhook-Token": token})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After")
    finally:
        connection.close()


def one():
    payload = body("MEDIA" + uuid.uuid4().hex[:16].upper(), image_b64)
    while True:
        status, retry_after = post(payload)
        attempts[status] += 1
        if status in (429, 503):
            time.sleep(float(retry_after or 1))
            continue
        answers[status] += 1
        return


# Warm the path with two small media messages first: the figure is the bodies', not class loading's.
for _ in range(2):
    post(body("WARM" + uuid.uuid4().hex[:16].upper(), base64.b64encode(os.urandom(3000)).decode()))
time.sleep(1)
before, peak, elapsed = run_at_once(pid, count, one)
print(f"{count} bodies of {len(body('X', image_b64)) / 1048576:.1f} MiB, all sent at once; final answers {dict(answers)}; "
      f"every attempt {dict(attempts)}; {elapsed:.1f} s")
print(f"RSS before {before / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB, growth {(peak - before) / 1024:.0f} MiB")
