#!/usr/bin/env python3
"""Write a <VM> document as `onevm show -x` prints it (the parts TMs read).

usage: vm_doc.py OUT VMID LCM_STATE HOST SYS_TM SYS_DSID [DISK ...]
HOST: the host of the VM's one history record, or "SRC,DST": the two records
of a live migration (oned adds the destination's before the migrate hooks
run; 7.4's ssh/postmigrate reads the source's DS_ID from HISTORY[last()-1])
DISK: "ATTR=VALUE;ATTR=VALUE..." e.g. "DISK_ID=0;CLONE=YES;SIZE=16;TM_MAD=ipfs"
"""
import sys
from xml.sax.saxutils import escape

out, vmid, lcm, host, systm, sysds = sys.argv[1:7]
disks = []
for spec in sys.argv[7:]:
    attrs = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in (a.split("=", 1) for a in spec.split(";") if a))
    disks.append(f"<DISK>{attrs}</DISK>")
history = [f"<HISTORY><SEQ>{seq}</SEQ><HOSTNAME>{escape(h)}</HOSTNAME><DS_ID>{sysds}</DS_ID>"
           f"<TM_MAD>{systm}</TM_MAD><VM_MAD>kvm</VM_MAD><ACTION>0</ACTION></HISTORY>"
           for seq, h in enumerate(host.split(","))]
doc = (f"<VM><ID>{vmid}</ID><UID>0</UID><GID>0</GID><NAME>vm-{vmid}</NAME><STATE>3</STATE>"
       f"<LCM_STATE>{lcm}</LCM_STATE><DEPLOY_ID>one-{vmid}</DEPLOY_ID>"
       f"<TEMPLATE>{''.join(disks)}<CONTEXT><DISK_ID><![CDATA[{len(disks)}]]></DISK_ID></CONTEXT></TEMPLATE>"
       f"<HISTORY_RECORDS>{''.join(history)}</HISTORY_RECORDS></VM>")
open(out, "w").write(doc)
