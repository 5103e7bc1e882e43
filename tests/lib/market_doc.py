#!/usr/bin/env python3
"""The MARKET_DRIVER_ACTION_DATA documents oned's MarketPlaceManager sends
(format_message: app, marketplace, then image and datastore for an import),
base64-encoded on stdout, with the elements of MarketPlaceApp::to_xml and
MarketPlace::to_xml (OpenNebula 7.0 src/market/).

usage:
  market_doc.py monitor --market ID [--tmpl KEY=VALUE]...
  market_doc.py import  --market ID [--tmpl KEY=VALUE]... --app ID --name NAME
                        --regtime T --ds-doc FILE [--version V] [--description D]
  market_doc.py delete  --market ID [--tmpl KEY=VALUE]... --app ID --name NAME
                        --regtime T --source SOURCE
--ds-doc is a DS_DRIVER_ACTION_DATA file: its IMAGE and DATASTORE are copied.
"""
import argparse
import base64
import sys
import xml.etree.ElementTree as ET


def sub(parent, tag, text=""):
    e = ET.SubElement(parent, tag)
    e.text = str(text)
    return e


def marketplace(args):
    m = ET.Element("MARKETPLACE")
    for k, v in (("ID", args.market), ("UID", 0), ("GID", 0), ("UNAME", "oneadmin"), ("GNAME", "oneadmin"),
                 ("NAME", f"market-{args.market}"), ("STATE", 0), ("MARKET_MAD", "ipfs"), ("ZONE_ID", 0),
                 ("TOTAL_MB", 0), ("FREE_MB", 0), ("USED_MB", 0)):
        sub(m, k, v)
    apps = sub(m, "MARKETPLACEAPPS")
    for a in args.apps or []:
        sub(apps, "ID", a)
    t = sub(m, "TEMPLATE")
    for kv in args.tmpl or []:
        k, _, v = kv.partition("=")
        sub(t, k, v)
    return m


def app(args, source="", md5="", size=0, fmt=""):
    a = ET.Element("MARKETPLACEAPP")
    for k, v in (("ID", args.app), ("UID", 0), ("GID", 0), ("UNAME", "oneadmin"), ("GNAME", "oneadmin"),
                 ("REGTIME", args.regtime), ("NAME", args.name), ("ZONE_ID", 0), ("ORIGIN_ID", args.origin),
                 ("SOURCE", source), ("MD5", md5), ("SIZE", size), ("DESCRIPTION", args.description),
                 ("VERSION", args.version), ("FORMAT", fmt), ("APPTEMPLATE64", ""), ("MARKETPLACE_ID", args.market),
                 ("MARKETPLACE", f"market-{args.market}"), ("STATE", 3), ("TYPE", 1)):
        sub(a, k, v)
    sub(a, "TEMPLATE")
    return a


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["monitor", "import", "delete"])
    p.add_argument("--market", required=True)
    p.add_argument("--tmpl", action="append")
    p.add_argument("--apps", action="append")
    p.add_argument("--app")
    p.add_argument("--name")
    p.add_argument("--regtime", default="1767225600")
    p.add_argument("--origin", default="-1")
    p.add_argument("--version", default="1.0")
    p.add_argument("--description", default="")
    p.add_argument("--ds-doc")
    p.add_argument("--source", default="")
    args = p.parse_args()
    root = ET.Element("MARKET_DRIVER_ACTION_DATA")
    if args.kind == "import":
        ds = ET.parse(args.ds_doc).getroot()
        args.origin = ds.find("IMAGE/ID").text
        root.append(app(args))
        root.append(marketplace(args))
        root.append(ds.find("IMAGE"))
        root.append(ds.find("DATASTORE"))
    elif args.kind == "delete":
        root.append(app(args, source=args.source))
        root.append(marketplace(args))
    else:
        root.append(marketplace(args))
    sys.stdout.write(base64.b64encode(ET.tostring(root)).decode())


if __name__ == "__main__":
    main()
