// output.cpp: result JSON, weights CSV, weights PNG, text tables, all-or-nothing file writes.
//
// [SECTION] Numbers
// [SECTION] JSON
// [SECTION] CSV
// [SECTION] PNG heatmap (viridis)
// [SECTION] Text table
// [SECTION] Files
//
// Numbers are written as the shortest decimal that reads back as the same float, so the
// JSON and the CSV of one run hold identical text for identical weights.
#include "output.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <stb/stb_image_write.h>

#include "errors.hpp"

namespace attn::cli {

// =====================================================================================
// [SECTION] Numbers
// =====================================================================================

std::string format_float(float x) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, x);  // shortest round-trip form
    return std::string(buf, res.ptr);
}

namespace {

void append_row(std::string& out, const float* row, std::size_t n, const char* sep) {
    for (std::size_t c = 0; c < n; ++c) {
        if (c) out += sep;
        out += format_float(row[c]);
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
// [SECTION] CSV
// =====================================================================================

std::string weights_csv(const ComputeResult& r) {
    std::string out;
    if (r.kind == SpecKind::single_head) {
        const Matrix& w = r.weights.at(0);
        for (std::size_t i = 0; i < w.rows(); ++i) {
            append_row(out, w.row(i), w.cols(), ",");
            out += '\n';
        }
        return out;
    }
    out = "head,row,col,value\n";
    for (std::size_t h = 0; h < r.weights.size(); ++h) {
        const Matrix& w = r.weights[h];
        for (std::size_t i = 0; i < w.rows(); ++i)
            for (std::size_t c = 0; c < w.cols(); ++c)
                out += std::to_string(h) + ',' + std::to_string(i) + ',' + std::to_string(c) + ',' + format_float(w(i, c)) + '\n';
    }
    return out;
}

// =====================================================================================
// [SECTION] PNG heatmap (viridis)
// =====================================================================================

namespace {
// matplotlib's viridis sampled at 9 evenly spaced points; linear interpolation between them
// stays within a few ΔE of the full 256-entry table, and keeps lightness monotonic.
constexpr unsigned char kViridis[9][3] = {
    {0x44, 0x01, 0x54}, {0x47, 0x2d, 0x7b}, {0x3b, 0x52, 0x8b}, {0x2c, 0x72, 0x8e}, {0x21, 0x91, 0x8c},
    {0x28, 0xae, 0x80}, {0x5e, 0xc9, 0x62}, {0xad, 0xdc, 0x30}, {0xfd, 0xe7, 0x25},
};

// Small matrices are scaled up until the image is at least this wide and each head at least
// half that...
constexpr std::size_t kMinImageWidth = 256;
constexpr std::size_t kMinHeadWidth = 128;
// ...with cells no larger than this, and no taller than this image height (long sequences).
constexpr std::size_t kMaxCell = 64;
constexpr std::size_t kMaxScaledHeight = 2048;
// The largest image we encode: 2^26 pixels = 192 MiB of RGB, one full-size weight matrix at 1 px per cell.
constexpr std::size_t kMaxPixels = std::size_t{1} << 26;
constexpr unsigned char kGapGrey = 255;  // white between heads: distinct from every viridis colour

void append_bytes(void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}
}  // namespace

void viridis(float t, unsigned char rgb[3]) {
    if (!(t > 0.0f)) t = 0.0f;  // also maps NaN to 0
    if (t > 1.0f) t = 1.0f;
    const float x = t * 8.0f;
    const int i = std::min(7, static_cast<int>(x));
    const float f = x - static_cast<float>(i);
    for (int c = 0; c < 3; ++c)
        rgb[c] = static_cast<unsigned char>(std::lround(kViridis[i][c] + f * (kViridis[i + 1][c] - kViridis[i][c])));
}

HeatmapLayout heatmap_layout(std::size_t heads, std::size_t rows, std::size_t cols) {
    HeatmapLayout l;
    const std::size_t cells_across = std::max<std::size_t>(1, heads * cols);
    const std::size_t head_cols = std::max<std::size_t>(1, cols);
    l.cell = std::max((kMinImageWidth + cells_across - 1) / cells_across, (kMinHeadWidth + head_cols - 1) / head_cols);
    l.cell = std::clamp<std::size_t>(l.cell, 1, kMaxCell);
    l.cell = std::min(l.cell, std::max<std::size_t>(1, kMaxScaledHeight / std::max<std::size_t>(1, rows)));
    l.gap = heads > 1 ? std::max<std::size_t>(2, l.cell / 4) : 0;
    l.width = heads * cols * l.cell + (heads > 0 ? heads - 1 : 0) * l.gap;
    l.height = rows * l.cell;
    return l;
}

std::string weights_png(const ComputeResult& r) {
    const std::size_t heads = r.weights.size();
    const std::size_t rows = heads ? r.weights[0].rows() : 0, cols = heads ? r.weights[0].cols() : 0;
    const HeatmapLayout l = heatmap_layout(heads, rows, cols);
    if (l.width == 0 || l.height == 0) throw InputError("--png", "there are no weights to draw");
    if (l.width > kMaxPixels / l.height)
        throw InputError("--png", "the image would be " + std::to_string(l.width) + "×" + std::to_string(l.height) +
                                      " pixels, more than the limit of 2^26 pixels; use --csv or -o for weights this large");

    float top = 0.0f;  // colour scale: 0 .. the largest weight of any head
    for (const Matrix& w : r.weights)
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t c = 0; c < cols; ++c) top = std::max(top, w(i, c));
    if (!(top > 0.0f)) top = 1.0f;  // every row fully masked: all zeros

    const std::size_t stride = l.width * 3;
    std::vector<unsigned char> pixels(stride * l.height, kGapGrey);
    for (std::size_t h = 0; h < heads; ++h) {
        const std::size_t x0 = h * (cols * l.cell + l.gap);
        for (std::size_t i = 0; i < rows; ++i) {
            unsigned char* line = pixels.data() + i * l.cell * stride;
            for (std::size_t c = 0; c < cols; ++c) {
                unsigned char rgb[3];
                viridis(r.weights[h](i, c) / top, rgb);
                unsigned char* px = line + (x0 + c * l.cell) * 3;
                for (std::size_t k = 0; k < l.cell; ++k, px += 3) std::memcpy(px, rgb, 3);
            }
            for (std::size_t k = 1; k < l.cell; ++k)  // the cell's other pixel rows repeat the first
                std::memcpy(line + k * stride, line, stride);
        }
    }
    std::string png;
    if (!stbi_write_png_to_func(append_bytes, &png, static_cast<int>(l.width), static_cast<int>(l.height), 3,
                                pixels.data(), static_cast<int>(stride)))
        throw OutputError("--png: could not encode the image");
    return png;
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

}  // namespace attn::cli
