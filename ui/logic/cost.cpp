// cost.cpp: operation and memory counts of attention, and their text.
#include "cost.hpp"

#include <cmath>
#include <cstdio>

namespace attn::ui {

AttentionCost attention_cost(double n, double d, std::size_t block_q, std::size_t block_k) {
    AttentionCost c;
    c.projections = 3 * n * d * d;
    c.scores = n * n * d;
    c.output = n * n * d;
    c.total = c.projections + c.scores + c.output;
    c.exponentials = n * n;
    c.matrix_bytes = 4 * n * n;
    c.io_bytes = 4 * 4 * n * d;
    c.plain_bytes = c.io_bytes + 2 * c.matrix_bytes;
    c.tiled_bytes = c.io_bytes + tiled_extra_bytes(n, static_cast<double>(block_q), static_cast<double>(block_k));
    return c;
}

double tiled_extra_bytes(double n, double block_q, double block_k) { return 4 * (2 * n + block_q * block_k); }

std::string bytes_text(double x) {
    if (!std::isfinite(x)) return "?";
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    // 1023.5 B would print as "1024 B": such a number is shown in the next unit.
    while (std::fabs(x) >= 1023.5 && u < 4) x /= 1024.0, ++u;
    char buf[32];
    if (u == 0 || std::fabs(x) >= 99.95)
        std::snprintf(buf, sizeof buf, "%.0f %s", x, units[u]);
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", x, units[u]);
    return buf;
}

std::string count_text(double x) {
    if (!std::isfinite(x)) return "?";
    const char* units[] = {"", " k", " M", " G", " T"};
    int u = 0;
    // Three significant digits round 999.5 up to 1000: shown as 1 of the next unit.
    while (std::fabs(x) >= 999.5 && u < 4) x /= 1000.0, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.3g%s" : "%.0f%s", x, units[u]);
    return buf;
}

}  // namespace attn::ui
