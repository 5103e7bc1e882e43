#!/usr/bin/env python3
"""Datastore requests as oned writes them to one_datastore, from fixtures.

usage: ds_requests.py FIXTURE_DIR RELEASE < SPECS > REQUESTS

Each SPECS line is "TYPE ID FIXTURE [XPATH=VALUE]...": the fixture
FIXTURE_DIR/FIXTURE.xml (a DS_DRIVER_ACTION_DATA document) with each XPATH
(IMAGE/..., DATASTORE/..., DATASTORE/TEMPLATE/...; a missing last element is
created) set to VALUE. Each output line is the request oned sends:
"TYPE  ID <base64 of the document>" (oned 6.x/7.x leave the status empty,
hence two spaces), "TYPE ID <base64>" for RELEASE 5.x. One process for all
lines: a stress test writes a thousand of them.
"""
import base64
import sys
import xml.etree.ElementTree as ET


def main():
    fixtures, release = sys.argv[1], sys.argv[2]
    sep = " " if release.split(".")[0] == "5" else "  "
    cache = {}
    for spec in sys.stdin:
        words = spec.split()
        if not words:
            continue
        rtype, rid, fixture = words[0], words[1], words[2]
        if fixture not in cache:
            cache[fixture] = open(f"{fixtures}/{fixture}.xml", "rb").read()
        root = ET.fromstring(cache[fixture])
        for pair in words[3:]:
            where, value = pair.split("=", 1)
            node = root
            parts = where.split("/")
            for i, p in enumerate(parts):
                child = node.find(p)
                if child is None:
                    if i < len(parts) - 1:
                        sys.exit(f"ds_requests.py: no element {where} in {fixture}")
                    child = ET.SubElement(node, p)
                node = child
            node.text = value
        doc = base64.b64encode(ET.tostring(root)).decode()
        sys.stdout.write(f"{rtype}{sep}{rid} {doc}\n")


if __name__ == "__main__":
    main()
