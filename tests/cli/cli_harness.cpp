// cli_harness.cpp: process spawning, temp files and double-precision reference maths.
#include "cli_harness.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#ifndef ATTNLAB_BINARY
#error "ATTNLAB_BINARY must name the attnlab executable"
#endif

extern char** environ;

namespace cli_test {

namespace fs = std::filesystem;

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/attnlab-cli-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    dir_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
    const std::string p = path(name);
    std::ofstream f(p, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + p);
    return p;
}

std::vector<std::string> TempDir::files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

bool file_exists(const std::string& path) { return fs::exists(path); }

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

RunResult run_attnlab(const std::vector<std::string>& args, const std::string& stdin_text) {
    TempDir io;
    const std::string in = io.write("stdin", stdin_text), out = io.path("stdout"), err = io.path("stderr");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

    std::vector<std::string> argv_s;
    argv_s.push_back(ATTNLAB_BINARY);
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = 0;
    const int rc = posix_spawn(&pid, ATTNLAB_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error(std::string("posix_spawn failed for ") + ATTNLAB_BINARY);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

Rows rows_of(const json& j) {
    Rows r;
    for (const auto& row : j) {
        r.emplace_back();
        for (const auto& x : row) r.back().push_back(x.get<double>());
    }
    return r;
}

Rows parse_csv_rows(const std::string& text) {
    Rows r;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        r.emplace_back();
        std::istringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, ',')) r.back().push_back(std::stod(cell));
    }
    return r;
}

Rows matmul_abt(const Rows& a, const Rows& b) {
    Rows c(a.size(), std::vector<double>(b.size(), 0.0));
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = 0; j < b.size(); ++j)
            for (std::size_t k = 0; k < a[i].size(); ++k) c[i][j] += a[i][k] * b[j][k];
    return c;
}

Rows matmul_ab(const Rows& a, const Rows& b) {
    const std::size_t n = b.empty() ? 0 : b[0].size();
    Rows c(a.size(), std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t k = 0; k < b.size(); ++k)
            for (std::size_t j = 0; j < n; ++j) c[i][j] += a[i][k] * b[k][j];
    return c;
}

Rows masked_softmax(const Rows& scores, const std::vector<std::vector<bool>>& allowed) {
    Rows w = scores;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        double m = -std::numeric_limits<double>::infinity(), sum = 0;
        for (std::size_t j = 0; j < scores[i].size(); ++j)
            if (allowed[i][j]) m = std::max(m, scores[i][j]);
        for (std::size_t j = 0; j < scores[i].size(); ++j) {
            w[i][j] = allowed[i][j] ? std::exp(scores[i][j] - m) : 0.0;
            sum += w[i][j];
        }
        for (double& x : w[i]) x = sum > 0 ? x / sum : 0.0;
    }
    return w;
}

Rows softmax_rows(const Rows& scores) {
    std::vector<std::vector<bool>> all;
    for (const auto& r : scores) all.emplace_back(r.size(), true);
    return masked_softmax(scores, all);
}

double max_abs_diff(const Rows& a, const Rows& b) {
    if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].size() != b[i].size()) return std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < a[i].size(); ++j) d = std::max(d, std::fabs(a[i][j] - b[i][j]));
    }
    return d;
}

bool png_size(const std::string& bytes, std::size_t& width, std::size_t& height) {
    static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (bytes.size() < 33) return false;
    for (int i = 0; i < 8; ++i)
        if (static_cast<unsigned char>(bytes[i]) != kSignature[i]) return false;
    // The first chunk must be IHDR with 13 bytes of data: width and height, big-endian.
    auto be32 = [&](std::size_t at) {
        std::size_t v = 0;
        for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
        return v;
    };
    if (be32(8) != 13 || bytes.compare(12, 4, "IHDR") != 0) return false;
    width = be32(16);
    height = be32(20);
    return bytes.compare(bytes.size() - 8, 4, "IEND") == 0;
}

Rows pseudo_random(std::size_t rows, std::size_t cols, unsigned seed) {
    Rows r(rows, std::vector<double>(cols));
    std::uint32_t s = seed * 2654435761u + 12345u;
    for (auto& row : r)
        for (double& x : row) {
            s = s * 1664525u + 1013904223u;
            // A multiple of 1/64 in [-1, 1): exact in float, so the CLI reads the same numbers.
            x = static_cast<double>(static_cast<int>(s >> 25) - 64) / 64.0;
        }
    return r;
}

}  // namespace cli_test
