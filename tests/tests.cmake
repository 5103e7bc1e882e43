# Integration tests: every tests/integration/<name>_test.sh is a CTest test
# "it_<name>", run against the installed tree build/one/var/remotes (made by
# the install_tree fixture) with real IPFS daemons and sshd hosts.
add_test(NAME install_tree
         COMMAND sh -c "rm -rf '${CMAKE_BINARY_DIR}/one' && '${CMAKE_COMMAND}' --install '${CMAKE_BINARY_DIR}' --component drivers --prefix '${CMAKE_BINARY_DIR}/one/var/remotes' --strip >/dev/null")
set_tests_properties(install_tree PROPERTIES FIXTURES_SETUP remotes)

file(GLOB IT_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/*_test.sh)
foreach(script ${IT_SCRIPTS})
  get_filename_component(name ${script} NAME)
  string(REGEX REPLACE "_test\\.sh$" "" name ${name})
  add_test(NAME it_${name} COMMAND bash ${script})
  set_tests_properties(it_${name} PROPERTIES
    FIXTURES_REQUIRED remotes
    TIMEOUT 900
    ENVIRONMENT "ONE_REMOTES=${CMAKE_BINARY_DIR}/one/var/remotes;ONEIPFS_SOURCE_DIR=${CMAKE_SOURCE_DIR};ONEIPFS_BUILD_DIR=${CMAKE_BINARY_DIR}")
  # The real-oned tier (tests/lib/oned.sh): skipped (exit 77) without an
  # OpenNebula source (ONE_SOURCE); its first run builds oned (about 4 min).
  if(name MATCHES "^oned_")
    set_tests_properties(it_${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1500)
  endif()
  # The marketplace composition test runs OpenNebula's one_market.rb and
  # one_datastore.rb (tests/lib/one_market.sh): skipped (exit 77) without them.
  if(name MATCHES "^market")
    set_tests_properties(it_${name} PROPERTIES SKIP_RETURN_CODE 77)
  endif()
endforeach()

# The layers of common/ only include downwards (tests/layering_test.py).
add_test(NAME layering COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/layering_test.py ${CMAKE_SOURCE_DIR})
