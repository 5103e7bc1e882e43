# fuzz/fuzz.cmake: the fuzz harnesses, fuzz/<name>_fuzz.cc (see fuzz/fuzz.h).
#
# Normal builds (any compiler): each harness with fuzz/replay_main.cc becomes
# build/fuzz/<name>_replay and the CTest test fuzz_<name>, which runs it over
# its corpus fuzz/corpus/<name>/ (a regression test of seconds).
#
# ONEIPFS_FUZZ=ON (clang only; `make fuzz` configures build-fuzz so): the
# common library is instrumented (-fsanitize=fuzzer-no-link,address,undefined)
# and each harness is a libFuzzer binary build-fuzz/fuzz/<name>_fuzz
# (-fsanitize=fuzzer,address,undefined). `cmake --build build-fuzz --target
# fuzzers` builds only those and the library. UBSan findings abort
# (-fno-sanitize-recover), so libFuzzer keeps the input that caused them.
file(GLOB FUZZ_HARNESSES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/*_fuzz.cc)

if(ONEIPFS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ONEIPFS_FUZZ needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(ONEIPFS_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(common PRIVATE -fsanitize=fuzzer-no-link ${ONEIPFS_SANITIZERS})
  # Everything that links the instrumented library needs the sanitizer runtimes.
  target_link_options(common PUBLIC -fsanitize=address,undefined)
  add_custom_target(fuzzers)
  foreach(src ${FUZZ_HARNESSES})
    get_filename_component(name ${src} NAME_WE)
    string(REGEX REPLACE "_fuzz$" "" name ${name})
    add_executable(${name}_fuzz ${src})
    target_compile_definitions(${name}_fuzz PRIVATE ONEIPFS_LIBFUZZER)
    target_compile_options(${name}_fuzz PRIVATE -fsanitize=fuzzer ${ONEIPFS_SANITIZERS})
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer ${ONEIPFS_SANITIZERS})
    target_link_libraries(${name}_fuzz PRIVATE common)
    set_target_properties(${name}_fuzz PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    add_dependencies(fuzzers ${name}_fuzz)
  endforeach()
else()
  foreach(src ${FUZZ_HARNESSES})
    get_filename_component(name ${src} NAME_WE)
    string(REGEX REPLACE "_fuzz$" "" name ${name})
    add_executable(${name}_replay ${src} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cc)
    target_link_libraries(${name}_replay PRIVATE common)
    set_target_properties(${name}_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    if(BUILD_TESTING)
      add_test(NAME fuzz_${name} COMMAND ${name}_replay ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
      set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT 120)
    endif()
  endforeach()
  # The zero-DAG seeds' generator (fuzz/make-corpus).
  add_executable(zero_dag_seeds ${CMAKE_SOURCE_DIR}/fuzz/zero_dag_seeds.cc)
  target_link_libraries(zero_dag_seeds PRIVATE common)
  set_target_properties(zero_dag_seeds PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
endif()
