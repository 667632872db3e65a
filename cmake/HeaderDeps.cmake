# Header-only dependencies come from Debian packages under /usr/include. Emscripten must
# never see /usr/include itself (it would shadow its own libc headers), so both builds
# include a build-tree folder holding symlinks to just the dependency folders.
set(ATTN_DEPS_INCLUDE "${CMAKE_BINARY_DIR}/deps/include")
file(MAKE_DIRECTORY "${ATTN_DEPS_INCLUDE}")
foreach(dep xsimd catch2 nlohmann CLI stb)
  set(src "/usr/include/${dep}")
  if(NOT EXISTS "${src}")
    message(FATAL_ERROR "missing ${src}: run scripts/bootstrap to install the Debian packages")
  endif()
  if(NOT EXISTS "${ATTN_DEPS_INCLUDE}/${dep}")
    file(CREATE_LINK "${src}" "${ATTN_DEPS_INCLUDE}/${dep}" SYMBOLIC)
  endif()
endforeach()
