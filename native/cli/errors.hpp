// errors.hpp: the one error type the attnlab CLI reports to the user.
//
// Every problem with what the user gave us (a spec field, an option, a file) becomes an
// InputError naming the field and the problem; main prints it as one line,
//   attnlab: <field>: <problem>
// and exits with kExitBadInput. Nothing else in the CLI prints errors.
#pragma once

#include <stdexcept>
#include <string>

namespace attn::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // could not write an output, or an internal error
inline constexpr int kExitBadInput = 2;  // bad spec, bad option, unreadable input

class InputError : public std::runtime_error {
public:
    InputError(std::string field, std::string problem)
        : std::runtime_error(field + ": " + problem), field_(std::move(field)), problem_(std::move(problem)) {}
    const std::string& field() const { return field_; }
    const std::string& problem() const { return problem_; }

private:
    std::string field_, problem_;
};

// Writing an output file failed (disk full, no such directory): not the input's fault.
class OutputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace attn::cli
