#!/usr/bin/env bash
# it_oned_vm_ssh: a VM's day under a real oned (dummy VMM) with the ssh
# system datastore: tests/lib/oned_vm_day.sh.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
SYS_TM=ssh
source "$(dirname "$0")/../lib/oned_vm_day.sh"
