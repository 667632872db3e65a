// cli_harness.hpp: run the built attnlab binary from a test and look at what it did.
//
// Each test gets a fresh temporary directory; specs are written there, attnlab runs with
// posix_spawn (no shell, so no quoting), and stdout, stderr and the exit code come back.
// The reference maths the tests compare against is written here again, in double, so a
// test never trusts the core to check the core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cli_test {

using nlohmann::json;
using Rows = std::vector<std::vector<double>>;

struct RunResult {
    int exit_code = -1;  // 128 + signal when attnlab was killed by a signal
    std::string out, err;
};

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    // Writes text to name and returns the full path.
    std::string write(const std::string& name, const std::string& text) const;
    // Names of the files in the directory, sorted.
    std::vector<std::string> files() const;

private:
    std::string dir_;
};

// Runs attnlab with args; stdin_text is fed on standard input.
RunResult run_attnlab(const std::vector<std::string>& args, const std::string& stdin_text = "");

bool file_exists(const std::string& path);
std::string read_file(const std::string& path);

// Matrix helpers over JSON ([[..], ..]) and CSV text.
Rows rows_of(const json& j);
Rows parse_csv_rows(const std::string& text);

// Reference maths in double.
Rows matmul_abt(const Rows& a, const Rows& b);  // a · bᵀ
Rows matmul_ab(const Rows& a, const Rows& b);   // a · b
// Row softmax over the entries where allowed(i, j); masked entries and fully masked rows are 0.
Rows masked_softmax(const Rows& scores, const std::vector<std::vector<bool>>& allowed);
Rows softmax_rows(const Rows& scores);
double max_abs_diff(const Rows& a, const Rows& b);  // also fails on a shape mismatch (returns +inf)

// Parses a PNG's signature and IHDR; returns false when either is invalid.
bool png_size(const std::string& bytes, std::size_t& width, std::size_t& height);

// A deterministic matrix of values in [-1, 1).
Rows pseudo_random(std::size_t rows, std::size_t cols, unsigned seed);

}  // namespace cli_test
