// The lessons' domain code that lives in ui/logic: attention cost counts and their text, token
// and sentence handling, and the convolutional lesson's pictures, filters and hand-set weights.
// Expected values are closed forms or exact strings. Runs natively and compiled to wasm.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "cost.hpp"

using namespace attn::ui;

TEST_CASE("bytes text: binary units, one decimal below 100, the unit changes before 1024", "[ui][cost]") {
    CHECK(bytes_text(0) == "0 B");
    CHECK(bytes_text(192) == "192 B");
    CHECK(bytes_text(1023) == "1023 B");
    CHECK(bytes_text(1024) == "1.0 KiB");
    CHECK(bytes_text(1536) == "1.5 KiB");
    CHECK(bytes_text(17472) == "17.1 KiB");
    CHECK(bytes_text(132160) == "129 KiB");  // 129.06 KiB: no decimal from 100 on
    CHECK(bytes_text(1.5 * 1024 * 1024) == "1.5 MiB");
    CHECK(bytes_text(16.0 * 1024 * 1024) == "16.0 MiB");
    CHECK(bytes_text(1023.7 * 1024) == "1.0 MiB");  // not "1024 KiB"
    CHECK(bytes_text(2.0 * 1024 * 1024 * 1024) == "2.0 GiB");
    CHECK(bytes_text(NAN) == "?");
}

TEST_CASE("count text: three significant digits with k, M, G", "[ui][cost]") {
    CHECK(count_text(0) == "0");
    CHECK(count_text(512) == "512");
    CHECK(count_text(999) == "999");
    CHECK(count_text(1000) == "1 k");
    CHECK(count_text(1536) == "1.54 k");
    CHECK(count_text(1234567) == "1.23 M");
    CHECK(count_text(4.2e6) == "4.2 M");
    CHECK(count_text(999999) == "1 M");  // not "1e+03 k"
    CHECK(count_text(3e9) == "3 G");
    CHECK(count_text(INFINITY) == "?");
}

TEST_CASE("attention cost: the closed forms at n = 8, d = 8 and n = 2048, d = 64", "[ui][cost]") {
    const AttentionCost c = attention_cost(8, 8, 64, 512);
    CHECK(c.projections == 3 * 8 * 64);  // 3·n·d²
    CHECK(c.scores == 512);              // n²·d
    CHECK(c.output == 512);
    CHECK(c.total == 1536 + 1024);
    CHECK(c.exponentials == 64);
    CHECK(c.matrix_bytes == 256);             // 4·n²
    CHECK(c.io_bytes == 1024);                // 16·n·d
    CHECK(c.plain_bytes == 1024 + 512);       // + 8·n²
    CHECK(c.tiled_bytes == 1024 + 64 + 4 * 64 * 512);  // + 8·n + 4·tile
    const AttentionCost big = attention_cost(2048, 64, 64, 512);
    CHECK(bytes_text(big.matrix_bytes) == "16.0 MiB");
    CHECK(big.plain_bytes - big.io_bytes == 2 * big.matrix_bytes);
    CHECK(count_text(big.total) == "562 M");  // 3·2048·64² + 2·2048²·64 = 562 036 736
    CHECK(tiled_extra_bytes(16, 4, 4) == 4 * (32 + 16));
    CHECK(bytes_text(tiled_extra_bytes(16, 4, 4)) == "192 B");
}
