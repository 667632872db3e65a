// json_reader.hpp: JSON documents the CLI reads (specs, batch files), through the core's
// tracking reader (core/src/json_text.hpp), with its problems as the CLI's InputError.
//
// Problems are reported with the place they occur (field and [row][column]) rather than only a
// byte offset; NUL bytes, duplicate keys, nesting deeper than kMaxJsonDepth and numbers too
// large for a double (1e999 → inf) are refused.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace attn::cli {

using json_text::kMaxJsonDepth;

// source names the input in messages ("spec.json", "stdin"). Throws InputError whose field is
// the top-level key the problem is under (or source when there is none).
nlohmann::json read_json(const std::string& text, const std::string& source);

// "a string", "an array", "null", ... for messages.
inline std::string json_type_phrase(const nlohmann::json& j) { return json_text::type_phrase(j); }

}  // namespace attn::cli
