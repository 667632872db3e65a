// output.cpp: result JSON, weights CSV, weights PNG, text tables, all-or-nothing file writes.
//
// [SECTION] JSON
// [SECTION] CSV and PNG (through ui/logic's export module)
// [SECTION] Text table
// [SECTION] Files
//
// Numbers are written by ui::format_number, the shortest decimal that reads back as the same
// float, so the JSON and the CSV of one run hold identical text for identical weights.
#include "output.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "errors.hpp"
#include "export.hpp"

namespace attn::cli {

namespace {

void append_row(std::string& out, const float* row, std::size_t n, const char* sep) {
    for (std::size_t c = 0; c < n; ++c) {
        if (c) out += sep;
        out += ui::format_number(row[c]);
    }
}

// =====================================================================================
// [SECTION] JSON
// =====================================================================================

// A matrix as a JSON array with one row per line, each line indented by `indent` spaces.
void append_json_matrix(std::string& out, const Matrix& m, std::size_t indent) {
    const std::string pad(indent, ' ');
    out += "[\n";
    for (std::size_t i = 0; i < m.rows(); ++i) {
        out += pad + "  [";
        append_row(out, m.row(i), m.cols(), ", ");
        out += i + 1 < m.rows() ? "],\n" : "]\n";
    }
    out += pad + "]";
}

}  // namespace

std::string result_json(const ComputeResult& r) {
    std::string out = "{\n";
    if (r.kind == SpecKind::single_head) {
        out += "  \"scores\": ";
        append_json_matrix(out, r.scores, 2);
        out += ",\n  \"weights\": ";
        append_json_matrix(out, r.weights.at(0), 2);
        out += ",\n  \"output\": ";
        append_json_matrix(out, r.output, 2);
    } else {
        out += "  \"output\": ";
        append_json_matrix(out, r.output, 2);
        out += ",\n  \"weights\": [\n";
        for (std::size_t h = 0; h < r.weights.size(); ++h) {
            out += "    ";
            append_json_matrix(out, r.weights[h], 4);
            out += h + 1 < r.weights.size() ? ",\n" : "\n";
        }
        out += "  ]";
    }
    out += "\n}\n";
    return out;
}

// =====================================================================================
// [SECTION] CSV and PNG (through ui/logic's export module)
// =====================================================================================

namespace {
std::vector<ConstMatrixView> views_of(const std::vector<Matrix>& heads) { return {heads.begin(), heads.end()}; }
}  // namespace

std::string weights_csv(const ComputeResult& r) {
    if (r.kind == SpecKind::single_head) return ui::matrix_csv(r.weights.at(0));
    return ui::heads_csv(views_of(r.weights));
}

std::string weights_png(const ComputeResult& r) {
    const std::vector<ConstMatrixView> heads = views_of(r.weights);
    try {
        return ui::heatmap_png(heads, ui::Colormap::viridis, ui::range_from_zero(heads));
    } catch (const ui::ExportError& e) {
        const ui::HeatmapLayout l =
            ui::heatmap_layout(heads.size(), heads.empty() ? 0 : heads[0].rows, heads.empty() ? 0 : heads[0].cols);
        const bool too_large = l.width != 0 && l.height != 0;
        throw InputError("--png",
                         std::string(e.what()) + (too_large ? "; use --csv or -o for weights this large" : ""));
    }
}

// =====================================================================================
// [SECTION] Text table
// =====================================================================================

namespace {
// Terminal columns of a UTF-8 string (every code point counted as one column).
std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char ch : s)
        if ((ch & 0xC0) != 0x80) ++n;
    return n;
}

std::string pad_left(const std::string& s, std::size_t width) {
    const std::size_t w = display_width(s);
    return w >= width ? s : std::string(width - w, ' ') + s;
}

std::string pad_right(const std::string& s, std::size_t width) {
    const std::size_t w = display_width(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}
}  // namespace

std::string weights_table(const Matrix& weights, const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& col_labels, const Mask& mask, int decimals) {
    auto label = [](const std::vector<std::string>& labels, std::size_t i) {
        return i < labels.size() ? labels[i] : std::to_string(i);
    };
    std::size_t row_w = 0, col_w = static_cast<std::size_t>(decimals) + 2;  // "0.123"
    for (std::size_t i = 0; i < weights.rows(); ++i) row_w = std::max(row_w, display_width(label(row_labels, i)));
    for (std::size_t c = 0; c < weights.cols(); ++c) col_w = std::max(col_w, display_width(label(col_labels, c)));

    std::string out = std::string(row_w, ' ');
    for (std::size_t c = 0; c < weights.cols(); ++c) out += "  " + pad_left(label(col_labels, c), col_w);
    out += '\n';
    char buf[64];
    for (std::size_t i = 0; i < weights.rows(); ++i) {
        out += pad_right(label(row_labels, i), row_w);
        for (std::size_t c = 0; c < weights.cols(); ++c) {
            std::string cell = "·";
            if (mask.allows(i, c)) {
                std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(weights(i, c)));
                cell = buf;
            }
            out += "  " + pad_left(cell, col_w);
        }
        out += '\n';
    }
    return out;
}

// =====================================================================================
// [SECTION] Files
// =====================================================================================

namespace {
std::string cannot_write(const OutputFile& f, int err) {
    return f.option + ": cannot write " + f.path + ": " + std::strerror(err);
}

void remove_all(const std::vector<std::string>& paths) {
    for (const std::string& p : paths) std::remove(p.c_str());
}
}  // namespace

void write_files(const std::vector<OutputFile>& files) {
    // A directory in the way would only fail at rename time, after other files were moved.
    for (const OutputFile& f : files) {
        struct stat st;
        if (::stat(f.path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw OutputError(cannot_write(f, EISDIR));
    }
    std::vector<std::string> temps;
    const std::string suffix = ".attnlab-tmp-" + std::to_string(::getpid());
    for (const OutputFile& f : files) {
        const std::string tmp = f.path + suffix;
        std::FILE* fp = std::fopen(tmp.c_str(), "wb");
        if (!fp) {
            const int err = errno;
            remove_all(temps);
            throw OutputError(cannot_write(f, err));
        }
        temps.push_back(tmp);
        const bool ok = std::fwrite(f.bytes.data(), 1, f.bytes.size(), fp) == f.bytes.size();
        const int err = errno;
        if (std::fclose(fp) != 0 || !ok) {
            const int close_err = errno;
            remove_all(temps);
            throw OutputError(cannot_write(f, ok ? close_err : err));
        }
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (std::rename(temps[i].c_str(), files[i].path.c_str()) != 0) {
            const int err = errno;
            remove_all(std::vector<std::string>(temps.begin() + static_cast<std::ptrdiff_t>(i), temps.end()));
            throw OutputError(cannot_write(files[i], err));
        }
    }
}

void write_stdout(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

}  // namespace attn::cli
