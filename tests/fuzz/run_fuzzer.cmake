# run_fuzzer.cmake: one libFuzzer target as a ctest test (the `fuzz` preset).
#   cmake -DFUZZER=<binary> -DCORPUS=<seed folder> -DNAME=<target> -P run_fuzzer.cmake
# Copies the seed corpus to a fresh temporary folder (the fuzzer adds the inputs it finds there,
# and the committed seeds stay as they are), then fuzzes for FUZZ_SECONDS seconds, read from the
# environment when the test runs (default 15). A crash, a leak, a sanitizer report or a run that
# does not finish fails the test; the folder, with the crashing input, is then kept.
foreach(v FUZZER CORPUS NAME)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${v}=... is required")
  endif()
endforeach()

set(seconds 15)
if(DEFINED ENV{FUZZ_SECONDS} AND NOT "$ENV{FUZZ_SECONDS}" STREQUAL "")
  set(seconds "$ENV{FUZZ_SECONDS}")
endif()
if(NOT seconds MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "FUZZ_SECONDS must be a whole number of seconds ≥ 1, not '${seconds}'")
endif()

execute_process(COMMAND mktemp -d -t "attnlab-${NAME}.XXXXXX" OUTPUT_VARIABLE work
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mktemp -d failed")
endif()
file(COPY "${CORPUS}/" DESTINATION "${work}")

execute_process(COMMAND "${FUZZER}" -max_total_time=${seconds} -max_len=4096 -rss_limit_mb=2048
                        "-artifact_prefix=${work}/crash-" "${work}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
# libFuzzer ends with "Done N runs in T second(s)" (the stats lines before it can be followed
# by a dictionary whose entries hold '#' and digits, so the count is taken from this line).
string(REGEX MATCH "Done ([0-9]+) runs in ([0-9]+) second" done "${log}")
if(NOT rc EQUAL 0 OR NOT done)
  file(WRITE "${work}/log" "${log}")
  string(LENGTH "${log}" n)
  if(n GREATER 6000)
    math(EXPR from "${n} - 6000")
    string(SUBSTRING "${log}" ${from} -1 log)
  endif()
  message("${log}")
  message(FATAL_ERROR "${NAME} FAILED (exit ${rc}; inputs and the full log kept in ${work})")
endif()
file(REMOVE_RECURSE "${work}")
message("${NAME} clean (${CMAKE_MATCH_1} runs in ${CMAKE_MATCH_2} s)")
