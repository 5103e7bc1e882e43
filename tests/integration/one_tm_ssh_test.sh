#!/usr/bin/env bash
# VM lifecycles beside OpenNebula's own ssh system TM, through the real one_tm
# (6.10.5 and 7.0.0): see tests/lib/one_lifecycles.sh.
SYS_TM=ssh
source "$(dirname "$0")/../lib/one_lifecycles.sh"
