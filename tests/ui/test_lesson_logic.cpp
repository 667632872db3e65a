// The lessons' domain code that lives in ui/logic: attention cost counts and their text, token
// and sentence handling, and the convolutional lesson's pictures, filters and hand-set weights.
// Expected values are closed forms or exact strings. Runs natively and compiled to wasm.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "cost.hpp"
#include "tokens.hpp"

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

TEST_CASE("sentences: words split at white space only, punctuation stays with its word", "[ui][tokens]") {
    CHECK(split_words("the cat sat") == std::vector<std::string>{"the", "cat", "sat"});
    CHECK(split_words("  the\tcat,\n\nit was tired.  ") ==
          std::vector<std::string>{"the", "cat,", "it", "was", "tired."});
    CHECK(split_words("it was tired .") == std::vector<std::string>{"it", "was", "tired", "."});
    CHECK(split_words(" \t\r\n").empty());
    CHECK(split_words("élan vital") == std::vector<std::string>{"élan", "vital"});
    CHECK(join_words({"the", "cat,", "sat"}) == "the cat, sat");
    CHECK(join_words(split_words("  a   b ")) == "a b");
    CHECK(join_words({}).empty());
}

TEST_CASE("sentences: bad tokens are refused with the first problem named, the old tokens kept", "[ui][tokens]") {
    std::vector<std::string> t = {"keep"};
    CHECK(parse_sentence("le chat", t).empty());
    CHECK(t == std::vector<std::string>{"le", "chat"});
    CHECK(parse_sentence("   ", t) == "tokens is empty: give at least 1 token");
    CHECK(parse_sentence("ok " + std::string(33, 'x'), t) == "tokens[1] is 33 bytes long, at most 32");
    CHECK(parse_sentence("ok " + std::string(32, 'x'), t).empty());  // the limit itself is allowed
    CHECK(t[1].size() == 32);
    t = {"keep"};
    CHECK(parse_sentence("a b\x01", t) == "tokens[1] contains a control character (byte 1)");
    CHECK(parse_sentence("a\x7f", t) == "tokens[0] contains a control character (byte 1)");
    CHECK(parse_sentence("ab \xc3\x28", t) == "tokens[1] is not valid UTF-8 (byte 1)");
    std::string many;
    for (int i = 0; i < 65; ++i) many += "w ";
    CHECK(parse_sentence(many, t) == "tokens has 65 entries, at most 64");
    CHECK(t == std::vector<std::string>{"keep"});
}

TEST_CASE("UTF-8: the first bad byte is found, overlong forms and surrogates included", "[ui][tokens]") {
    CHECK(utf8_error_at("plain") == std::string::npos);
    CHECK(utf8_error_at("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x90\x88") == std::string::npos);  // é → 🐈
    CHECK(utf8_error_at("ab\xff") == 2);
    CHECK(utf8_error_at("a\xc3") == 1);                   // cut short
    CHECK(utf8_error_at("a\xc3\x41") == 2);               // not a continuation byte
    CHECK(utf8_error_at("\xc0\xaf") == 0);                // overlong "/"
    CHECK(utf8_error_at("x\xed\xa0\x80") == 1);           // U+D800, a surrogate
    CHECK(utf8_error_at("\xf4\x90\x80\x80") == 0);        // U+110000
}

TEST_CASE("tokens from JSON: an array of strings, each checked", "[ui][tokens]") {
    std::vector<std::string> t = {"keep"};
    CHECK(tokens_from_json(nlohmann::json::array({"the", "cat"}), t).empty());
    CHECK(t == std::vector<std::string>{"the", "cat"});
    t = {"keep"};
    CHECK(tokens_from_json(nlohmann::json("the cat"), t) == "tokens must be an array of strings, got a string");
    CHECK(tokens_from_json(nlohmann::json::object(), t) == "tokens must be an array of strings, got an object");
    CHECK(tokens_from_json(nlohmann::json::array({"a", 3}), t) == "tokens[1] is a number, expected a string");
    CHECK(tokens_from_json(nlohmann::json::array({"a", nullptr}), t) == "tokens[1] is null, expected a string");
    CHECK(tokens_from_json(nlohmann::json::array({"a", ""}), t) == "tokens[1] is empty");
    CHECK(t == std::vector<std::string>{"keep"});
}
