#!/usr/bin/env python3
"""The layers of common/ only include downwards.

common/ is one folder per layer, lowest first (HACKING.md "Layout"):
  base < ipfs < trust < one < catalog < deploy < market < admin
A file may include its own layer and any layer below it, never one above;
nothing in common/ includes the executables' folders (ds_mad, tm_mad,
market_mad, host, tools), and no source file sits in common/ itself. Every
violation is printed as "file:line: includes <header> (<layer> is above
<layer>)"; the exit status is 1 when there is any.
"""
import os
import re
import sys

ORDER = ["base", "ipfs", "trust", "one", "catalog", "deploy", "market", "admin"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(root):
    common = os.path.join(root, "common")
    problems = []
    checked = 0
    for entry in sorted(os.listdir(common)):
        path = os.path.join(common, entry)
        if os.path.isfile(path):
            problems.append(f"common/{entry}: a file outside the layer folders")
            continue
        if entry not in ORDER:
            problems.append(f"common/{entry}/: not a known layer (add it to ORDER here and to HACKING.md)")
            continue
        for name in sorted(os.listdir(path)):
            if not re.search(r"\.(cc|h|cc\.in)$", name):
                continue
            rel = f"common/{entry}/{name}"
            checked += 1
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    parts = target.split("/")
                    if parts[0] in ("ds_mad", "tm_mad", "market_mad", "host", "tools"):
                        problems.append(f"{rel}:{lineno}: includes {target} (an executable's folder)")
                    elif parts[0] == "common":
                        if len(parts) != 3 or parts[1] not in ORDER:
                            problems.append(f"{rel}:{lineno}: includes {target} (not common/<layer>/<file>)")
                        elif ORDER.index(parts[1]) > ORDER.index(entry):
                            problems.append(f"{rel}:{lineno}: includes {target} ({parts[1]} is above {entry})")
    for p in problems:
        print(p)
    if checked == 0:
        print("layering: no source files found under common/")
        return 1
    print(f"layering: {checked} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")))
