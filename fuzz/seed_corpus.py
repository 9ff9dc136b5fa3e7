#!/usr/bin/env python3
"""Seeds fuzz/corpus/parse_bytes with every expression of the conformance
corpus (tests/conformance/*.jsonl), one file per distinct expression.

Run from anywhere: python3 fuzz/seed_corpus.py
"""
import glob
import hashlib
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "parse_bytes")
os.makedirs(out, exist_ok=True)
seen = set()
for path in sorted(glob.glob(os.path.join(here, "..", "tests", "conformance", "*.jsonl"))):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            expr = json.loads(line)["expr"].encode("utf-8")
            if expr in seen:
                continue
            seen.add(expr)
            name = hashlib.sha1(expr).hexdigest()
            with open(os.path.join(out, name), "wb") as g:
                g.write(expr)
print(f"{len(seen)} seeds in {out}")
