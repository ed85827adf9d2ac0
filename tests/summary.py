#!/usr/bin/env python3
"""Count test cases across meson test logs and print "N passed, N failed".

Each meson test is a cmocka program or a node --test file; both print
their own case counts, which are summed here. A meson test that failed
without printing counts (crash, timeout) counts as one failure.
"""
import json
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        # One JSON object per "\n"-ended line; not splitlines(), which also
        # splits at U+2028, U+0085 and the like inside a test's output.
        lines = [l for l in open(path, encoding="utf-8").read().split("\n") if l.strip()]
    except OSError as e:
        print(f"summary: cannot read {path}: {e}")
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        p = f = s = None
        m = re.search(r"^# pass (\d+)$", out, re.M)
        if m:  # node --test (TAP)
            p = int(m.group(1))
            f = int(re.search(r"^# fail (\d+)$", out, re.M).group(1))
            sm = re.search(r"^# skipped (\d+)$", out, re.M)
            s = int(sm.group(1)) if sm else 0
        elif "[ RUN      ]" in out + (t.get("stderr") or ""):  # cmocka
            both = out + "\n" + (t.get("stderr") or "")
            p = len(re.findall(r"^\[       OK \] ", both, re.M))
            f = len(re.findall(r"^\[  FAILED  \] (?!\d+ test)", both, re.M))
            s = len(re.findall(r"^\[  SKIPPED \] (?!\d+ test)", both, re.M))
        ok = t.get("result") in ("OK", "EXPECTEDFAIL")
        if p is None:
            p, f, s = (1, 0, 0) if ok else (0, 1, 0)
        elif not ok and f == 0:
            f = 1  # counts printed but the program still failed (crash, leak)
        passed += p
        failed += f
        skipped += s
        if not ok:
            print(f"FAILED: {t.get('name')} ({path})")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
