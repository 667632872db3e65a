// output.hpp: everything attnlab writes: result JSON, weights CSV, weights PNG heatmap,
// the example's text table, and the all-or-nothing file writer.
//
// The renderers return bytes in memory and never touch the file system, so a failure in
// any of them (e.g. an image too large) happens before the first file is opened.
#pragma once

#include <string>
#include <vector>

#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "spec.hpp"

namespace attn::cli {

// {"scores", "weights", "output"} (single head) or {"output", "weights"} (multi-head),
// one matrix row per line, numbers as ui::format_number writes them.
std::string result_json(const ComputeResult& r);

// Single head: L lines of S values (ui::matrix_csv). Multi-head: "head,row,col,value" long
// format (ui::heads_csv).
std::string weights_csv(const ComputeResult& r);

// PNG bytes from ui::heatmap_png (its sizing rule, in export.hpp): heads side by side with a
// gap, viridis from 0 to the largest weight. Throws InputError("--png", ...) when too large.
std::string weights_png(const ComputeResult& r);

// An aligned text table of weights with row and column labels; masked cells show "·".
std::string weights_table(const Matrix& weights, const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& col_labels, const Mask& mask, int decimals = 3);

struct OutputFile {
    std::string option;  // "-o", "--csv", "--png": names the file in messages
    std::string path;
    std::string bytes;
};

// Writes every file to a temporary name next to its target, and only when all were written
// completely renames them into place; on a failure removes the temporaries and throws
// OutputError. So a full disk or a missing directory leaves no file behind (only a failing
// rename, after others succeeded, could leave a subset).
void write_files(const std::vector<OutputFile>& files);

// Writes s to stdout and flushes.
void write_stdout(const std::string& s);

}  // namespace attn::cli
