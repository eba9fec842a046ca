#!/usr/bin/env python3
"""Node counts of the optimize stage on the e2e fixtures (on demand, not part of ctest).

Converts every case of tests/e2e/cases.txt at its highest opset up to 17 with --json and prints, per
case and in total, the nodes as converted and as written, then the models whose count changed most.
Usage: tests/bench/optimize_counts.py [--all] [--int32] [PT2ONNX [FIXTURES]]   (default:
build/pt2onnx build/fixtures; --all lists every model, --int32 converts with --int32)
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
every = "--all" in sys.argv[1:]
int32 = ["--int32"] if "--int32" in sys.argv[1:] else []
positional = [a for a in sys.argv[1:] if a not in ("--all", "--int32")]
binary = positional[0] if positional else os.path.join(root, "build", "pt2onnx")
fixtures = positional[1] if len(positional) > 1 else os.path.join(root, "build", "fixtures")

rows, failed = [], []
with tempfile.TemporaryDirectory() as work:
    for line in open(os.path.join(root, "tests", "e2e", "cases.txt")):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f.strip() for f in line.split("|")]
        name, opsets, args = fields[0], fields[1], fields[2]
        usable = [int(o) for o in opsets.split(",") if int(o) <= 17]
        if not usable:  # a case for ONNX 1.17's opsets only
            continue
        opset = max(usable)
        model = os.path.join(fixtures, name.split(".")[0] + ".pt")
        out = os.path.join(work, "m.onnx")
        command = [binary, model, "-o", out, "--json", "-q", "--opset", str(opset)] + int32
        command += shlex.split(args.replace("@/", fixtures + "/"))
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            failed.append(name)
            continue
        summary = json.loads(run.stdout)
        rows.append((name, summary["nodes_before_optimize"], summary["nodes"]))

before = sum(r[1] for r in rows)
after = sum(r[2] for r in rows)
print(f"{len(rows)} models: {before} nodes as converted, {after} written")
for name, b, a in rows if every else sorted(rows, key=lambda r: r[2] - r[1])[:12]:
    print(f"  {name}: {b} -> {a}")
if failed:
    print(f"not converted ({len(failed)}): {' '.join(failed)}")
    sys.exit(1)
