#!/usr/bin/env ruby
# tm_direct.rb DRIVERS ACTION TM ARGS... (stdin: what the VMM driver passes)
#
# A TM call made by the VMM driver (live migration's PREMIGRATE, POSTMIGRATE,
# FAILMIGRATE): one_vmm_exec.rb loads one_tm.rb as a library and calls
# TransferManagerDriver#do_transfer_action with the command's words and the
# base64 VM document as stdin. This does the same with OpenNebula's own
# one_tm.rb from $ONE_LOCATION/lib/mads and prints "RESULT SUCCESS|FAILURE - info"
# after the LOG lines the driver writes.
$LOAD_PATH << File.join(ENV['ONE_LOCATION'], 'lib', 'ruby')
load File.join(ENV['ONE_LOCATION'], 'lib', 'mads', 'one_tm.rb')

drivers = ARGV.shift.split(',')
command = ARGV
stdin = STDIN.read
tm = TransferManagerDriver.new(drivers, :concurrency => 1, :threaded => false)
result, info = tm.do_transfer_action(-1, command, stdin)
STDOUT.puts "RESULT #{result} - #{info.to_s.gsub("\n", ' ')}"
STDOUT.flush
