// compute.cpp: `attnlab compute`: input → spec → result → outputs, and errors → exit codes.
//
// Order matters for "no partial output": everything (parsing, computing, rendering JSON,
// CSV and PNG into memory) happens before the first file is opened.
#include "compute.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <new>
#include <vector>

#include "errors.hpp"
#include "example.hpp"
#include "output.hpp"
#include "spec.hpp"
#include "weights_file.hpp"

namespace attn::cli {

namespace {

// The largest spec or weights file read: a spec with one 2^26-element matrix is about 0.7 GB
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

// The --weights file, with problems reported against the option (a spec's are against its path).
std::string read_weights(const std::string& path) {
    try {
        return read_input(path == "-" ? "./-" : path);  // stdin is the spec's; "-" here is a file name
    } catch (const InputError& e) {
        throw InputError("--weights", path + ": " + e.problem());
    }
}

void write_stdout(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

int compute(const ComputeOptions& options) {
    if (!options.example && options.spec_path.empty())
        throw InputError("SPEC", "missing; give a spec file, - to read it from stdin, or --example");

    // The weights file first: parse_spec takes the parameters it supplies.
    std::optional<ExternalParams> external;
    if (options.weights_path)
        external = multihead_params(parse_weights(read_weights(*options.weights_path), *options.weights_path),
                                    options.weights_prefix);
    const Spec spec = options.example ? example_spec()
                                      : parse_spec(read_input(options.spec_path),
                                                   options.spec_path == "-" ? "stdin" : options.spec_path,
                                                   external ? &*external : nullptr);
    const ComputeResult result = run_spec(spec);

    const bool json_to_stdout = options.output_path == "-" || (options.output_path.empty() && !options.example);
    const std::string json = result_json(result);
    std::vector<OutputFile> files;
    if (!options.output_path.empty() && options.output_path != "-") files.push_back({"-o", options.output_path, json});
    if (!options.csv_path.empty()) files.push_back({"--csv", options.csv_path, weights_csv(result)});
    if (!options.png_path.empty()) files.push_back({"--png", options.png_path, weights_png(result)});
    for (std::size_t i = 0; i < files.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (files[i].path == files[j].path)
                throw InputError(files[i].option,
                                 "writes to " + files[i].path + ", the same file as " + files[j].option);

    write_files(files);
    if (options.example) write_stdout(example_report(spec, result));
    if (json_to_stdout) write_stdout(json);
    return kExitOk;
}

}  // namespace

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

int run_compute(const ComputeOptions& options) {
    try {
        return compute(options);
    } catch (const InputError& e) {
        print_error(e.field() + ": " + e.problem());  // not what(): a field may hold a NUL
        return kExitBadInput;
    } catch (const OutputError& e) {
        print_error(e.what());
        return kExitFailure;
    } catch (const std::bad_alloc&) {
        print_error("out of memory: the spec is too large for this machine");
        return kExitBadInput;
    } catch (const std::exception& e) {
        print_error(std::string("internal error: ") + e.what());
        return kExitFailure;
    }
}

}  // namespace attn::cli
