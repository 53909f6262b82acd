#!/usr/bin/python3
"""Reference consumer of clinic-ingress's turn stream: the clinic assistant's side of
docs/consumer-contract.md, small enough to copy.

What it does, in the order the contract asks for it:
  * reads every partition (ingress:turns, or ingress:turns:{0..n-1}) with one consumer group;
  * owns partitions through short Redis leases, its fair share of them, so each patient's turns
    (all in one partition) are handled by one consumer at a time, in order;
  * on taking a partition over, first claims what the previous owner left pending (XAUTOCLAIM),
    oldest first: a consumer killed with kill -9 loses nothing;
  * handles each turn once: its record (the stand-in for the assistant's work) is written by one
    Lua script that also checks the lease (a consumer that lost its partition writes nothing) and
    drops a turnId already handled (the stream is at-least-once); then XACK;
  * continues the webhook's trace: the record carries a child traceparent of the turn's;
  * opens sealed turns (ingress.dispatch.seal-key): AES-256-GCM, the associated data binding the
    stream and every routed field (format 2); holding keys, it refuses unsealed entries and sets
    aside what it cannot open in <stream>:dead, then goes on (one bad entry never stops a partition);
  * honours erase events (type=erase, docs/consumer-contract.md#erase-events): the patient's record
    is deleted, in the same script that checks the lease and the event's id.

Its record, per partition (one hash tag, so the script's keys share a Cluster slot):
  assistant:handled:{n}            hash turnId -> consumer   (exactly once)
  assistant:patient:{n}:<subject>  list of handled turns, in handling order (JSON), where subject is
                                   hex SHA-256("clinic-ingress/erasure/v1\n" + the turn's patient):
                                   the name an erase event gives the patient

Run: examples/assistant-consumer/README.md.
"""
import argparse
import base64
import hashlib
import hmac
import json
import logging
import os
import signal
import sys
import time
import uuid

import redis
from redis.cluster import RedisCluster

RECORD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[3])
return 1
"""
ERASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call('DEL', KEYS[3])
return 1
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"))
    p.add_argument("--cluster", action="store_true", help="the Redis is a Cluster (seed node in --redis)")
    p.add_argument("--stream", default="ingress:turns")
    p.add_argument("--partitions", type=int, default=1, help="ingress.dispatch.partitions of the service")
    p.add_argument("--group", default="assistant")
    p.add_argument("--name", default="consumer-" + uuid.uuid4().hex[:8])
    p.add_argument("--lease-ms", type=int, default=5000, help="how long a partition stays ours without renewal")
    p.add_argument("--from-start", action="store_true", help="create the group at 0 instead of $ (new entries only)")
    p.add_argument("--seal-keys", default=os.environ.get("INGRESS_DISPATCH_SEAL_KEYS", ""),
                   help="comma-separated base64 AES-256 keys the service sealed with (ingress.dispatch.seal-key and previous)")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args()


class Consumer:
    def __init__(self, args):
        self.args = args
        if args.cluster:
            self.redis = RedisCluster.from_url(args.redis, decode_responses=True)
        else:
            self.redis = redis.Redis.from_url(args.redis, decode_responses=True)
        self.record = self.redis.register_script(RECORD)
        self.erase = self.redis.register_script(ERASE)
        self.renew = self.redis.register_script(RENEW)
        self.release = self.redis.register_script(RELEASE)
        self.streams = [args.stream] if args.partitions <= 1 else \
            [f"{args.stream}:{{{n}}}" for n in range(args.partitions)]
        self.owned = set()
        self.keys = Opener(args.seal_keys)
        self.running = True

    # ---- partitions ------------------------------------------------------------------------------
    def tag(self, stream):
        """The partition's hash tag ({n}), or the whole stream name for an unpartitioned stream."""
        return stream[stream.index("{"):] if "{" in stream else "{" + stream + "}"

    def lease(self, stream):
        return "assistant:owner:" + self.tag(stream)

    def create_groups(self):
        for stream in self.streams:
            try:
                self.redis.xgroup_create(stream, self.args.group, id="0" if self.args.from_start else "$", mkstream=True)
            except redis.ResponseError as e:
                if "BUSYGROUP" not in str(e):
                    raise

    def fair_share(self):
        """Partitions this consumer should own: ceil(partitions / consumers alive)."""
        now = time.time()
        self.redis.zadd("assistant:consumers", {self.args.name: now})
        self.redis.zremrangebyscore("assistant:consumers", 0, now - 3 * self.args.lease_ms / 1000)
        alive = max(1, self.redis.zcard("assistant:consumers"))
        return -(-len(self.streams) // alive)

    def balance(self):
        for stream in list(self.owned):
            if not self.renew(keys=[self.lease(stream)], args=[self.args.name, self.args.lease_ms]):
                self.log(f"lost {stream}")
                self.owned.discard(stream)
        share = self.fair_share()
        while len(self.owned) > share:
            # Everything read from it is handled and acknowledged (the loop is synchronous): give it back.
            stream = max(self.owned)
            self.release(keys=[self.lease(stream)], args=[self.args.name])
            self.owned.discard(stream)
            self.log(f"released {stream} (share {share})")
        for stream in self.streams:
            if len(self.owned) >= share:
                break
            if stream not in self.owned and self.redis.set(self.lease(stream), self.args.name, nx=True,
                                                           px=self.args.lease_ms):
                self.owned.add(stream)
                self.take_over(stream)

    def take_over(self, stream):
        """What the previous owner read and did not acknowledge, oldest first, before anything new."""
        self.log(f"took {stream}")
        start = "0-0"
        while True:
            reply = self.redis.xautoclaim(stream, self.args.group, self.args.name, 0, start_id=start, count=100)
            start, entries = reply[0], reply[1]
            self.handle(stream, entries)
            if start == "0-0" or not entries:
                return

    # ---- turns -----------------------------------------------------------------------------------
    def run(self):
        self.create_groups()
        while self.running:
            self.balance()
            if not self.owned:
                time.sleep(0.2)
                continue
            for stream in sorted(self.owned):
                replies = self.redis.xreadgroup(self.args.group, self.args.name, {stream: ">"}, count=50, block=100)
                for _, entries in replies or []:
                    self.handle(stream, entries)
        for stream in self.owned:
            self.release(keys=[self.lease(stream)], args=[self.args.name])
        self.redis.zrem("assistant:consumers", self.args.name)

    def handle(self, stream, entries):
        for entry_id, fields in entries:
            if not fields:
                # Trimmed, or erased with its patient, while pending: nothing to do but acknowledge it.
                self.redis.xack(stream, self.args.group, entry_id)
                continue
            try:
                turn = self.keys.open(stream, fields)
            except Unopenable as why:
                # Set aside with what a person needs to look at it, acknowledged, and the partition goes on.
                self.redis.xadd(f"{stream}:dead", {"entry": entry_id, "stream": stream, "reason": str(why),
                                                   "turnId": fields.get("turnId", ""), "keyId": fields.get("keyId", "")})
                self.redis.xack(stream, self.args.group, entry_id)
                self.log(f"{stream} {entry_id} set aside in {stream}:dead: {why}")
                continue
            tag = self.tag(stream)
            if self.redis.hexists(f"assistant:handled:{tag}", turn["turnId"]):
                # Delivered again (at least once): handled before, so no work twice.
                self.redis.xack(stream, self.args.group, entry_id)
                continue
            if turn.get("type") == "erase":
                # Everything kept of the patient goes; the event's id is handled once, like a turn's.
                self.forget(turn["subject"])
                done = self.erase(keys=[self.lease(stream), f"assistant:handled:{tag}",
                                        f"assistant:patient:{tag}:{turn['subject']}"],
                                  args=[self.args.name, turn["turnId"]])
            else:
                done = self.record(keys=[self.lease(stream), f"assistant:handled:{tag}",
                                         f"assistant:patient:{tag}:{subject(turn['patient'])}"],
                                   args=[self.args.name, turn["turnId"], json.dumps(self.work(turn))])
            if done == -1:
                self.log(f"{stream} is no longer ours: {entry_id} left for its new owner")
                self.owned.discard(stream)
                return
            self.redis.xack(stream, self.args.group, entry_id)

    # ---- the assistant's part: override these (examples/assistant-consumer/adapter.py) ---------------
    def work(self, turn):
        """Handles one turn; what it returns is recorded with the turnId, atomically (a dict, JSON-able)."""
        return {"turnId": turn["turnId"], "messageTimestamp": turn["messageTimestamp"], "text": turn.get("text", ""),
                "consumer": self.args.name, "traceparent": child(turn.get("traceparent"))}

    def forget(self, subject):
        """An erase event: delete what the assistant keeps of this patient elsewhere (its record here goes too)."""

    def log(self, line):
        if not self.args.quiet:
            print(f"[{self.args.name}] {line}", flush=True)


def subject(patient):
    """How an erase event names a patient: hex SHA-256 of the label and the turn's pseudonym."""
    return hashlib.sha256(("clinic-ingress/erasure/v1\n" + patient).encode()).hexdigest()


def child(traceparent):
    """A child of the webhook's span: same trace, new span id (what an OpenTelemetry SDK would start)."""
    if not traceparent:
        return None
    version, trace_id, _, flags = traceparent.split("-")
    return f"{version}-{trace_id}-{os.urandom(8).hex()}-{flags}"


class Unopenable(Exception):
    """An entry a consumer holding keys must not act on: unsealed, or sealed in a way it cannot open."""


class Opener:
    """Opens sealed turns (docs/consumer-contract.md#sealed-turns): 'sealed' is base64(iv 12 bytes ||
    AES-256-GCM ciphertext and tag) of the JSON {"text", "memory"}, 'keyId' names the key (first 4
    bytes of HMAC-SHA256(key, label), hex), 'seal' is the format (2), and the associated data is the
    label, the stream key and the bound fields, each as its UTF-8 length, ':' and its bytes. Without
    keys, entries pass as they are (a service that does not seal); with keys, an unsealed entry is
    refused, since anyone who can write Redis could have added it."""

    LABEL = b"clinic-ingress/turn-seal-key-id/v1"
    AAD_LABEL = "clinic-ingress/turn-seal/v2"
    BOUND = ("turnId", "clinic", "organization", "sessionId", "messageId", "whatsappMessageId", "instance", "patient",
             "messageTimestamp", "messageType", "media", "traceparent", "type", "subject")

    def __init__(self, keys):
        self.keys = {}
        for key in filter(None, (k.strip() for k in keys.split(","))):
            raw = base64.b64decode(key)
            self.keys[hmac.new(raw, self.LABEL, hashlib.sha256).hexdigest()[:8]] = raw

    @classmethod
    def associated_data(cls, stream, fields):
        def prefixed(value):
            data = (value or "").encode()
            return str(len(data)).encode() + b":" + data
        return cls.AAD_LABEL.encode() + prefixed(stream) + b"".join(prefixed(fields.get(name)) for name in cls.BOUND)

    def open(self, stream, fields):
        if not self.keys:
            return fields
        if "sealed" not in fields:
            raise Unopenable("unsealed, while this consumer holds seal keys")
        if fields.get("seal") != "2":
            raise Unopenable(f"seal format {fields.get('seal')!r} unknown")
        key = self.keys.get(fields.get("keyId"))
        if key is None:
            raise Unopenable(f"sealed with key {fields.get('keyId')}, which --seal-keys lacks")
        # Debian's python3-cryptography; only sealed turns need it.
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        try:
            sealed = base64.b64decode(fields["sealed"])
            plain = AESGCM(key).decrypt(sealed[:12], sealed[12:], self.associated_data(stream, fields))
        except (InvalidTag, ValueError):
            raise Unopenable("does not open: edited, moved to another stream, or given other routing fields")
        opened = dict(fields)
        opened.update(json.loads(plain))
        for name in ("sealed", "seal", "keyId"):
            opened.pop(name, None)
        return opened


def main():
    # redis-py's cluster client logs, with a traceback, errors it then handles itself (a group that
    # exists already, a script to load on the node that owns the key): not worth a line each.
    logging.getLogger("redis.cluster").setLevel(logging.CRITICAL)
    consumer = Consumer(parse())
    signal.signal(signal.SIGTERM, lambda *_: setattr(consumer, "running", False))
    signal.signal(signal.SIGINT, lambda *_: setattr(consumer, "running", False))
    consumer.run()


if __name__ == "__main__":
    sys.exit(main())
