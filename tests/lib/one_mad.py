#!/usr/bin/env python3
"""Drive an OpenNebula driver front end (one_tm, one_datastore) as oned does.

usage: one_mad.py EXECUTABLE ARGUMENTS REQUEST
       one_mad.py EXECUTABLE ARGUMENTS -f FILE      (one request per line)

oned starts EXECUTABLE with ARGUMENTS as one argv element (the bash wrapper
word-splits it), writes INIT and waits for INIT SUCCESS, sends the request
lines (all at once, as oned does when they come in faster than the front end
answers), reads messages until every request has its reply (same type and
id: "TYPE SUCCESS|FAILURE ID INFO"), then sends FINALIZE. Every line the
front end wrote is printed on stdout. Exit 0 when every request got its
reply within ONE_MAD_TIMEOUT seconds (default 900), 1 otherwise (the missing
ones are named on stderr).
"""
import os
import subprocess
import sys
import threading


def main():
    exe, arguments = sys.argv[1], sys.argv[2]
    if sys.argv[3] == "-f":
        with open(sys.argv[4]) as f:
            requests = [l.rstrip("\n") for l in f if l.strip()]
    else:
        requests = [sys.argv[3]]
    waiting = {}
    for r in requests:
        key = (r.split()[0], r.split()[1])
        waiting[key] = waiting.get(key, 0) + 1
    p = subprocess.Popen([exe, arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, bufsize=1)
    # at the deadline the front end is killed: its stdout ends, readline returns ''
    timer = threading.Timer(float(os.environ.get("ONE_MAD_TIMEOUT", "900")), p.kill)
    timer.daemon = True
    timer.start()
    p.stdin.write("INIT\n")
    p.stdin.flush()
    line = p.stdout.readline()
    print(line, end="")
    if not line.startswith("INIT SUCCESS"):
        p.kill()
        return 1
    # written by a thread: the front end answers while the requests go in
    def send():
        try:
            p.stdin.write("".join(r + "\n" for r in requests))
            p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    while waiting:
        line = p.stdout.readline()
        if not line:
            break
        print(line, end="", flush=True)
        f = line.split(" ", 3)
        if len(f) >= 3 and f[1] in ("SUCCESS", "FAILURE"):
            key = (f[0], f[2].strip())
            if key in waiting:
                waiting[key] -= 1
                if not waiting[key]:
                    del waiting[key]
    sender.join(10)
    try:
        p.stdin.write("FINALIZE\n")
        p.stdin.flush()
    except BrokenPipeError:
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
    timer.cancel()
    for (rtype, rid), n in sorted(waiting.items()):
        print(f"one_mad.py: no reply to {rtype} {rid}" + (f" ({n} missing)" if n > 1 else ""), file=sys.stderr)
    return 1 if waiting else 0


if __name__ == "__main__":
    sys.exit(main())
