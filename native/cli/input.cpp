// input.cpp: reading files and stdin; errors of a command → one line and an exit code.
#include "input.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>

#include "errors.hpp"

namespace attn::cli {

namespace {

// The largest input read: a spec with one 2^26-element matrix is about 0.7 GB
// of JSON text, and the four tensors of the largest multi-head layer about 1 GB as F32.
constexpr std::size_t kMaxInputBytes = std::size_t{2} << 30;

std::string too_large() { return "is larger than 2 GiB, the most attnlab reads"; }

std::string read_all(std::FILE* fp, const std::string& name) {
    std::string text;
    // A regular file tells its size up front: refuse it before reading anything.
    struct stat st {};
    if (::fstat(::fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uintmax_t>(st.st_size) > kMaxInputBytes)
        throw InputError(name, too_large());
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, fp)) > 0) {
        if (text.size() + n > kMaxInputBytes) throw InputError(name, too_large());  // a pipe
        text.append(buf, n);
    }
    if (std::ferror(fp)) throw InputError(name, std::string("cannot read: ") + std::strerror(errno));
    return text;
}

}  // namespace

std::string read_input(const std::string& path) {
    if (path == "-") return read_all(stdin, "stdin");
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (!fp) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
    try {
        std::string text = read_all(fp, path);
        std::fclose(fp);
        return text;
    } catch (...) {
        std::fclose(fp);
        throw;
    }
}

void print_error(const std::string& message) {
    // One line, whatever the message quotes from the input: control characters (newlines,
    // NUL in a JSON key) are written as escapes.
    std::string line = "attnlab: ";
    for (unsigned char c : message) {
        if (c >= 0x20 && c != 0x7F) {
            line += static_cast<char>(c);
        } else {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\x%02X", c);
            line += esc;
        }
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
}

int run_reporting_errors(const std::function<int()>& command) {
    try {
        return command();
    } catch (const InputError& e) {
        print_error(e.field() + ": " + e.problem());  // not what(): a field may hold a NUL
        return kExitBadInput;
    } catch (const OutputError& e) {
        print_error(e.what());
        return kExitFailure;
    } catch (const std::bad_alloc&) {
        print_error("out of memory: the input is too large for this machine");
        return kExitBadInput;
    } catch (const std::exception& e) {
        print_error(std::string("internal error: ") + e.what());
        return kExitFailure;
    }
}

}  // namespace attn::cli
