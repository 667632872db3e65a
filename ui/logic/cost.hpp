// cost.hpp: what one attention pass costs, in multiply-adds and bytes, and how the lessons
// print such numbers. Shared by the self-attention lesson (its counters and the cost plot)
// and the tiled lesson (its memory lines), so both say the same thing the same way.
//
// The memory counts are float32 (4 bytes a number) and count only the arrays the formulas
// name; allocator overhead and the trace are not included.
#pragma once

#include <cstddef>
#include <string>

namespace attn::ui {

// Self-attention of n tokens of width d, with d×d projections:
struct AttentionCost {
    double projections = 0;   // 3·n·d²      multiply-adds for Q, K, V
    double scores = 0;        // n²·d        Q·Kᵀ
    double output = 0;        // n²·d        α·V
    double total = 0;         // 3·n·d² + 2·n²·d
    double exponentials = 0;  // n²          the softmax
    double matrix_bytes = 0;  // 4·n²        one n×n matrix
    double io_bytes = 0;      // 16·n·d      Q, K, V and O
    double plain_bytes = 0;   // 16·n·d + 8·n²             the plain path keeps S and α
    double tiled_bytes = 0;   // 16·n·d + tiled_extra_bytes  the tiled path
};
AttentionCost attention_cost(double n, double d, std::size_t block_q, std::size_t block_k);

// The tiled path's memory beyond its inputs and output: m and l (n numbers each) and one
// block_q × block_k tile of scores, 4·(2·n + block_q·block_k) bytes.
double tiled_extra_bytes(double n, double block_q, double block_k);

// Bytes in binary units: "1023 B", "1.0 KiB", "1.5 MiB", "129 KiB", "2.0 GiB" (one decimal
// below 100, none from 100 on; the unit changes where the number would reach 1024).
std::string bytes_text(double bytes);
// Counts with three significant digits: "512", "1.54 k", "4.2 M", "1 G".
std::string count_text(double count);

}  // namespace attn::ui
