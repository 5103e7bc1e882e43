#!/usr/bin/env bash
# VM lifecycles beside OpenNebula's own ssh system TM, through the real one_tm
# of each release found (one CTest test per release): see tests/lib/one_lifecycles.sh.
SYS_TM=ssh
source "$(dirname "$0")/../lib/one_lifecycles.sh"
