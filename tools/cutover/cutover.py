#!/usr/bin/python3
"""Points Evolution instances' webhooks at clinic-ingress, one clinic at a time, and back.

    scripts/cutover.sh --evolution URL --target URL [--apply] [--rollback] [--state FILE]
                       [--header-name NAME] [--secrets FILE] INSTANCE [INSTANCE ...]

For each instance: reads its webhook (GET /webhook/find/{instance}), records it in the state file
(once: a second run keeps the first recording, the one to go back to), sets the webhook to --target
with the header our service authenticates it by (POST /webhook/set/{instance}), keeping its
events, by-events and base64 settings, and reads it back to verify. A dry run (the default)
prints what it would do and changes nothing. --rollback sets each instance back to what the state
file recorded and verifies that too. An instance that fails verification is set back at once.

Credentials never on the command line: EVOLUTION_APIKEY is Evolution's API key (header apikey);
the header's value is the instance's own secret from --secrets (a JSON file {"instance": "secret"},
scripts/instance-secret.sh makes them) or, for every instance, CUTOVER_HEADER_VALUE (the global
token). With --header-name jwt_key, Evolution 2.3+ signs a JWT with the value instead of sending it.
Values are never printed. docs/cutover.md: the order of the move and what to watch.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SETTINGS = ("enabled", "url", "headers", "byEvents", "base64", "events")


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--evolution", required=True, help="Evolution API base URL, https://evo.example.com")
    p.add_argument("--target", help="this service's webhook URL, https://ingress.example.com/webhooks/evolution")
    p.add_argument("--header-name", default="X-Webhook-Token", help="the header our service authenticates by")
    p.add_argument("--secrets", help='JSON file {"instance": "its own webhook secret"}')
    p.add_argument("--state", default="cutover-state.json", help="where the previous settings are recorded")
    p.add_argument("--apply", action="store_true", help="change the webhooks (without it: a dry run)")
    p.add_argument("--rollback", action="store_true", help="set the instances back to their recorded settings")
    p.add_argument("instances", nargs="+")
    args = p.parse_args()
    if not args.rollback and not args.target:
        p.error("--target is required to switch")
    return args


class Evolution:
    def __init__(self, base, apikey):
        self.base = base.rstrip("/")
        self.apikey = apikey

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"apikey": self.apikey, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                text = answer.read().decode() or "null"
                return json.loads(text)
        except urllib.error.HTTPError as e:
            raise SystemExit(f"{method} {path}: Evolution answered {e.code} {e.read().decode()[:200]}")

    def find(self, instance):
        return self.call("GET", "/webhook/find/" + urllib.parse.quote(instance, safe=""))

    def set(self, instance, settings):
        return self.call("POST", "/webhook/set/" + urllib.parse.quote(instance, safe=""), {"webhook": settings})


def settings_of(found):
    """The settings webhook/set takes, from what webhook/find answers (its column names differ)."""
    return {"enabled": bool(found.get("enabled")), "url": found.get("url"), "headers": found.get("headers") or {},
            "byEvents": bool(found.get("webhookByEvents", found.get("byEvents", False))),
            "base64": bool(found.get("webhookBase64", found.get("base64", False))), "events": found.get("events") or []}


def masked(settings):
    shown = dict(settings)
    shown["headers"] = {name: "***" for name in (settings.get("headers") or {})}
    shown["events"] = f"{len(settings.get('events') or [])} events"
    return json.dumps(shown, sort_keys=True)


def save(path, state):
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False) as f:
        json.dump(state, f, indent=2, sort_keys=True)
    os.chmod(f.name, 0o600)  # the recorded headers are the old backend's credentials
    os.replace(f.name, path)


def same(actual, expected):
    return all(actual.get(k) == expected.get(k) for k in ("enabled", "url", "headers", "byEvents", "base64")) \
        and sorted(actual.get("events") or []) == sorted(expected.get("events") or [])


def switch(evolution, args, state, secrets, instance):
    found = evolution.find(instance)
    if not found:
        return False, f"{instance}: no instance webhook in Evolution (the global one, or none): set it by hand"
    current = settings_of(found)
    value = secrets.get(instance) or os.environ.get("CUTOVER_HEADER_VALUE")
    if not value:
        return False, f"{instance}: no header value (--secrets or CUTOVER_HEADER_VALUE)"
    wanted = dict(current, enabled=True, url=args.target, headers={args.header_name: value})
    if "MESSAGES_UPSERT" not in current["events"] and current["events"]:
        print(f"{instance}: warning: its events do not include MESSAGES_UPSERT: no message will arrive", file=sys.stderr)
    recorded = state.setdefault(instance, {"previous": current, "recordedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ")})
    if same(current, wanted):
        return True, f"{instance}: already points at the target, verified"
    if not args.apply:
        # Nothing is written in a dry run, the state file included.
        return True, f"{instance}: would switch {masked(current)} -> {masked(wanted)} (dry run)"
    save(args.state, state)
    evolution.set(instance, wanted)
    after = settings_of(evolution.find(instance) or {})
    if not same(after, wanted):
        evolution.set(instance, recorded["previous"])
        return False, f"{instance}: FAILED verification ({masked(after)}): set back to its recorded settings"
    return True, f"{instance}: switched to the target, verified (previous settings in {args.state})"


def rollback(evolution, args, state, instance):
    recorded = state.get(instance)
    if not recorded:
        return False, f"{instance}: nothing recorded in {args.state}: left as it is"
    previous = recorded["previous"]
    if not args.apply:
        return True, f"{instance}: would set back to {masked(previous)} (dry run)"
    evolution.set(instance, previous)
    after = settings_of(evolution.find(instance) or {})
    if not same(after, previous):
        return False, f"{instance}: FAILED: after the rollback Evolution holds {masked(after)}"
    state.pop(instance)
    save(args.state, state)
    return True, f"{instance}: set back to its recorded settings, verified"


def main():
    args = parse()
    apikey = os.environ.get("EVOLUTION_APIKEY")
    if not apikey:
        raise SystemExit("EVOLUTION_APIKEY is required (Evolution's API key)")
    secrets = json.load(open(args.secrets)) if args.secrets else {}
    state = json.load(open(args.state)) if os.path.exists(args.state) else {}
    evolution = Evolution(args.evolution, apikey)
    failed = False
    for instance in args.instances:
        ok, line = rollback(evolution, args, state, instance) if args.rollback else switch(evolution, args, state, secrets,
                                                                                           instance)
        failed |= not ok
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
