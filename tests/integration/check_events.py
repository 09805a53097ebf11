#!/usr/bin/env python3
"""Validate gridseal event files (JSON lines) against docs/events.schema.json.

Usage: check_events.py [--schema FILE] [--allow-empty] FILE...
Prints every line that fails with FILE:LINE and the reason; exit 1 if any
line fails, if a file cannot be read, or if a file holds no event (unless
--allow-empty)."""
import argparse
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "docs", "events.schema.json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--allow-empty", action="store_true")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    with open(a.schema, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema)
    bad = 0
    total = 0
    for path in a.files:
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (OSError, UnicodeDecodeError) as e:
            print(f"{path}: cannot read: {e}")
            bad += 1
            continue
        if lines and lines[-1] == "":
            lines.pop()
        n = 0
        for i, line in enumerate(lines, 1):
            n += 1
            try:
                ev = json.loads(line)
            except ValueError as e:
                print(f"{path}:{i}: not JSON ({e}): {line[:200]}")
                bad += 1
                continue
            errs = sorted(v.iter_errors(ev), key=lambda e: list(e.path))
            for e in errs[:3]:
                where = "/".join(str(p) for p in e.path) or "(line)"
                print(f"{path}:{i}: {where}: {e.message[:300]}")
            if errs:
                bad += 1
        if n == 0 and not a.allow_empty:
            print(f"{path}: no event")
            bad += 1
        total += n
    if bad:
        print(f"check_events: {bad} failure(s) in {total} event(s) of {len(a.files)} file(s)")
        return 1
    print(f"check_events: {total} event(s) of {len(a.files)} file(s) match the schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
