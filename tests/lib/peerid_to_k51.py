#!/usr/bin/env python3
"""Prints the CIDv1 (libp2p-key, base36 'k...') form of a base58btc peer id.

Written independently of common/cid.cc so tests compare two implementations.
"""
import sys

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def b58decode(s):
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(s) - len(s.lstrip("1"))) + raw


def b36encode(b):
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = B36[r] + out
    return "0" * (len(b) - len(b.lstrip(b"\0"))) + out


mh = b58decode(sys.argv[1])
print("k" + b36encode(bytes([0x01, 0x72]) + mh))
