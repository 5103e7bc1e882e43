#!/usr/bin/env bash
# VM lifecycles beside OpenNebula's own shared system TM (hosts share the
# system datastore directory), through the real one_tm of each release found:
# see tests/lib/one_lifecycles.sh.
SYS_TM=shared
source "$(dirname "$0")/../lib/one_lifecycles.sh"
