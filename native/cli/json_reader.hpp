// json_reader.hpp: parse a JSON document into nlohmann::json, reporting problems with the
// place they occur (field and [row][column]) rather than only a byte offset.
//
// Also rejects what nlohmann would accept silently or fail on later: duplicate keys (the
// last one would win), nesting deeper than kMaxJsonDepth (no spec needs more than 3 levels;
// deep nesting only costs stack), numbers too large for a double (1e999 → inf).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace attn::cli {

inline constexpr std::size_t kMaxJsonDepth = 32;

// source names the input in messages ("spec.json", "stdin"). Throws InputError whose field is
// the top-level key the problem is under (or source when there is none).
nlohmann::json read_json(const std::string& text, const std::string& source);

// "a string", "an array", "null", ... for messages.
std::string json_type_phrase(const nlohmann::json& j);

}  // namespace attn::cli
