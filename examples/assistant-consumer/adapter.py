#!/usr/bin/python3
"""Plugs existing Python assistant code into the turn stream: the reference consumer (consumer.py)
does the stream's part (partitions, leases, take-over, sealed turns, exactly-once records), and this
adapter hands each turn to a function of the assistant's own, the one the Python backend called from
its webhook handler, and each erase event to its forget function.

    examples/assistant-consumer/adapter.py --handler app.assistant:handle_turn \\
        [--forget app.assistant:forget_patient] [consumer.py's options]

The handler: handle_turn(turn) -> dict | None. `turn` is the turn's fields as docs/consumer-contract.md
lists them, opened when sealed ("text", "memory" as a dict, "patient", "clinic", "sessionId",
"instance" to reply through, "turnId", ...). What it returns is recorded with the turnId in the same
atomic step that marks the turn handled (so keep it small: the reply's id, not the reply).

Delivery is at least once, so the handler must be idempotent on turnId:
  * a turn already recorded as handled is acknowledged and skipped before the handler is called;
  * a handler that did its work and whose process died before the record (a crash, kill -9) is
    called again for that turn by whoever takes the partition over. Make its side effects keyed by
    turnId: the reply sent through Evolution carries the turnId in a table of sent replies (or a
    Redis SET NX <reply:turnId> before sending), so a second call sends nothing;
  * an exception is retried every --retry-pause, the partition waiting behind it (a patient's turns
    keep their order); stopped meanwhile, the turn stays pending for whoever takes the partition
    over. Log and return None to give up on a turn on purpose.

The forget function: forget_patient(subject) deletes what the assistant keeps of the patient whose
subject (hex SHA-256 of "clinic-ingress/erasure/v1\\n" + pseudonym) an erase event names. Keep a
subject -> your keys index, or key your stores by consumer.subject(turn["patient"]).
"""
import argparse
import importlib
import json
import sys
import time

import consumer


def function(path):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class Adapter(consumer.Consumer):
    def __init__(self, args, handler, forgetter, retry_pause):
        super().__init__(args)
        self.handler = handler
        self.forgetter = forgetter
        self.retry_pause = retry_pause

    def work(self, turn):
        opened = dict(turn)
        if isinstance(opened.get("memory"), str):
            opened["memory"] = json.loads(opened["memory"] or "{}")
        while self.running:
            try:
                return {"turnId": turn["turnId"], "result": self.handler(opened)}
            except Exception as e:  # the assistant's own failure: retried, in order
                self.log(f"turn {turn['turnId']} failed ({type(e).__name__}): retried in {self.retry_pause} s")
                time.sleep(self.retry_pause)
        # Stopping: the turn stays pending, and whoever takes the partition over handles it first.
        raise SystemExit(0)

    def forget(self, subject):
        if self.forgetter:
            self.forgetter(subject)


def main():
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--handler", required=True, help="module:function called with each turn")
    p.add_argument("--forget", help="module:function called with each erase event's subject")
    p.add_argument("--retry-pause", type=float, default=2.0)
    own, rest = p.parse_known_args()
    sys.argv = [sys.argv[0]] + rest
    adapter = Adapter(consumer.parse(), function(own.handler), function(own.forget) if own.forget else None,
                      own.retry_pause)
    consumer.signal.signal(consumer.signal.SIGTERM, lambda *_: setattr(adapter, "running", False))
    adapter.run()


if __name__ == "__main__":
    sys.exit(main())
