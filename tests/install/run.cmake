# run.cmake: install the core into a fresh prefix, then configure, build and run
# tests/install/consumer/ against that prefix alone. Any failing step fails the test.
#   cmake -DBUILD_DIR=<attnlab build> -DWORK_DIR=<scratch> -DCONFIG=<config>
#         -DGENERATOR=<generator> -DCXX=<compiler> -DSOURCE_DIR=<consumer source> -P run.cmake
foreach(v BUILD_DIR WORK_DIR CONFIG GENERATOR CXX SOURCE_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run.cmake: -D${v}=... is required")
  endif()
endforeach()

# The scratch folder is wiped first, so a previous run's install cannot make this one pass.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(step what)
  message(STATUS "install test: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${what} failed (${rc}):\n${out}")
  endif()
  message("${out}")
endfunction()

step("install the core into ${prefix}"
     "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --config "${CONFIG}" --component core --prefix "${prefix}")
# Only what a consumer should get: headers, the library, the package files.
file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
list(SORT installed)
string(REPLACE ";" "\n  " listing "${installed}")
message(STATUS "installed:\n  ${listing}")
foreach(f include/attn/attention.hpp include/attn/matrix.hpp)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install test: ${f} was not installed")
  endif()
endforeach()

# CMAKE_FIND_USE_PACKAGE_REGISTRY=OFF and the prefix as the only path: the package must come
# from this install, not from a build tree or the machine.
step("configure the consumer"
     "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/consumer" -G "${GENERATOR}"
     "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_BUILD_TYPE=${CONFIG}" "-DCMAKE_PREFIX_PATH=${prefix}"
     -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
step("build the consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer" --config "${CONFIG}")
set(exe "${WORK_DIR}/consumer/consumer")  # single-config generators
if(NOT EXISTS "${exe}")
  set(exe "${WORK_DIR}/consumer/${CONFIG}/consumer")  # multi-config ones
endif()
step("run the consumer" "${exe}")
