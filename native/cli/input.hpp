// input.hpp: reading what the user names on the command line (files, stdin) and turning any
// failure of a command into one line and an exit code.
#pragma once

#include <functional>
#include <string>

namespace attn::cli {

// The whole file ("-" = stdin). Throws InputError(path, "cannot open: ...") or when it is
// larger than 2 GiB, the most attnlab reads.
std::string read_input(const std::string& path);

// Runs a command: its exit code, or, when it throws, one line on stderr and
//   InputError → kExitBadInput, OutputError → kExitFailure, std::bad_alloc → kExitBadInput
//   ("out of memory"), any other exception → kExitFailure ("internal error: ...").
int run_reporting_errors(const std::function<int()>& command);

// Prints "attnlab: <message>" as one line on stderr (control characters escaped).
void print_error(const std::string& message);

}  // namespace attn::cli
