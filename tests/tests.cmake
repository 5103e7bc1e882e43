# Integration tests: every tests/integration/<name>_test.sh is a CTest test
# "it_<name>", run against the installed tree build/one/var/remotes (made by
# the install_tree fixture) with real IPFS daemons and sshd hosts.
add_test(NAME install_tree
         COMMAND sh -c "rm -rf '${CMAKE_BINARY_DIR}/one' && '${CMAKE_COMMAND}' --install '${CMAKE_BINARY_DIR}' --component drivers --prefix '${CMAKE_BINARY_DIR}/one/var/remotes' --strip >/dev/null")
set_tests_properties(install_tree PROPERTIES FIXTURES_SETUP remotes)

set(IT_ENV "ONE_REMOTES=${CMAKE_BINARY_DIR}/one/var/remotes;ONEIPFS_SOURCE_DIR=${CMAKE_SOURCE_DIR};ONEIPFS_BUILD_DIR=${CMAKE_BINARY_DIR}")

# Composition tests (tests/integration/one_<name>_test.sh) run our drivers
# under OpenNebula's own front ends and system TMs, found by
# tests/lib/one_scripts.sh (ONE_REFERENCE_DIR, the OpenNebula installed here,
# ../shared/opennebula, read now: run cmake again after changing them). One
# test per (script, release), it_one_<name>_<release>, so releases run in
# parallel; without any scripts one it_one_<name> that is reported as
# skipped (exit 77, one line saying how to provide them).
file(GLOB IT_ONE_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/one_*_test.sh)
set(IT_ONE_NAMES "")
foreach(script ${IT_ONE_SCRIPTS})
  get_filename_component(name ${script} NAME)
  string(REGEX REPLACE "_test\\.sh$" "" name ${name})
  list(APPEND IT_ONE_NAMES ${name})
endforeach()
execute_process(COMMAND bash ${CMAKE_SOURCE_DIR}/tests/lib/one_scripts.sh --matrix ${IT_ONE_NAMES}
                OUTPUT_VARIABLE IT_ONE_MATRIX RESULT_VARIABLE IT_ONE_RC OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT IT_ONE_RC EQUAL 0)
  message(WARNING "tests/lib/one_scripts.sh --matrix failed (${IT_ONE_RC}): composition tests run without a release list")
  set(IT_ONE_MATRIX "")
endif()
string(REPLACE "\n" ";" IT_ONE_MATRIX "${IT_ONE_MATRIX}")
foreach(name ${IT_ONE_NAMES})
  set(releases "")
  foreach(pair ${IT_ONE_MATRIX})
    if(pair MATCHES "^${name} (.+)$")
      list(APPEND releases ${CMAKE_MATCH_1})
    endif()
  endforeach()
  if(NOT releases)
    set(releases "-")
  endif()
  foreach(release ${releases})
    if(release STREQUAL "-")
      set(test it_${name})
      set(env "${IT_ENV}")
    else()
      set(test it_${name}_${release})
      set(env "${IT_ENV};ONE_RELEASES=${release}")
    endif()
    add_test(NAME ${test} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/${name}_test.sh)
    set_tests_properties(${test} PROPERTIES
      FIXTURES_REQUIRED remotes
      TIMEOUT 900
      SKIP_RETURN_CODE 77
      ENVIRONMENT "${env}")
  endforeach()
endforeach()

file(GLOB IT_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/*_test.sh)
foreach(script ${IT_SCRIPTS})
  get_filename_component(name ${script} NAME)
  string(REGEX REPLACE "_test\\.sh$" "" name ${name})
  if(name MATCHES "^one_")
    continue()
  endif()
  add_test(NAME it_${name} COMMAND bash ${script})
  set_tests_properties(it_${name} PROPERTIES
    FIXTURES_REQUIRED remotes
    TIMEOUT 900
    ENVIRONMENT "${IT_ENV}")
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
