#!/usr/bin/env bash
# VM lifecycles beside OpenNebula's own shared system TM (hosts share the
# system datastore directory), through the real one_tm (6.10.5 and 7.0.0):
# see tests/lib/one_lifecycles.sh.
SYS_TM=shared
source "$(dirname "$0")/../lib/one_lifecycles.sh"
