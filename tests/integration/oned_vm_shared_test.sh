#!/usr/bin/env bash
# it_oned_vm_shared: a VM's day under a real oned (dummy VMM) with the shared
# system datastore: tests/lib/oned_vm_day.sh.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
SYS_TM=shared
source "$(dirname "$0")/../lib/oned_vm_day.sh"
