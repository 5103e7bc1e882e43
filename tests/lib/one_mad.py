#!/usr/bin/env python3
"""Drive an OpenNebula driver front end (one_tm, one_datastore) as oned does.

usage: one_mad.py EXECUTABLE ARGUMENTS REQUEST

oned starts EXECUTABLE with ARGUMENTS as one argv element (the bash wrapper
word-splits it), writes INIT and waits for INIT SUCCESS, sends the request
line, reads messages until the reply to that request (same type and id), then
sends FINALIZE. Every line the front end wrote is printed on stdout.
"""
import subprocess
import sys
import time


def main():
    exe, arguments, request = sys.argv[1], sys.argv[2], sys.argv[3]
    rtype, rid = request.split()[0], request.split()[1]
    p = subprocess.Popen([exe, arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, bufsize=1)
    deadline = time.time() + 900
    p.stdin.write("INIT\n")
    p.stdin.flush()
    line = p.stdout.readline()
    print(line, end="")
    if not line.startswith("INIT SUCCESS"):
        p.kill()
        return 1
    p.stdin.write(request + "\n")
    p.stdin.flush()
    rc = 1
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        print(line, end="", flush=True)
        f = line.split(" ", 3)
        if len(f) >= 3 and f[0] == rtype and f[1] in ("SUCCESS", "FAILURE") and f[2].strip() == rid:
            rc = 0
            break
    try:
        p.stdin.write("FINALIZE\n")
        p.stdin.flush()
    except BrokenPipeError:
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
    return rc


if __name__ == "__main__":
    sys.exit(main())
