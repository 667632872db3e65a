// json_text.hpp: JSON text → nlohmann::json, with problems reported where they occur (the
// top-level field, then [row][column] or .key below it) rather than as a byte offset.
//
// Also refuses what nlohmann would accept silently or fail on later: a NUL byte (its parser
// stops there as if the text ended), duplicate keys (the last one would win), nesting deeper
// than kMaxJsonDepth (deep nesting only costs stack), numbers too large for a double (1e999).
//
// Private to the core's sources (safetensors headers, model configs) and to in-tree programs
// that link the core (the CLI's specs and batch files, through the attn_core_json target): it
// needs nlohmann-json, which the core's public headers do not.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace attn::json_text {

inline constexpr std::size_t kMaxJsonDepth = 32;

// source names the input in messages ("spec.json", "stdin"). Throws attn::Error whose field()
// is the top-level key the problem is under (or source when there is none; syntax errors are
// reported against source, with nlohmann's line and column).
nlohmann::json read(const std::string& text, const std::string& source);

// "a string", "an array", "null", ... for messages.
std::string type_phrase(const nlohmann::json& j);

// s cut to at most max bytes, never inside a UTF-8 sequence, with "..." appended when cut (a
// cut inside one made nlohmann's dump throw: found by fuzz_batch).
std::string clip(const std::string& s, std::size_t max = 40);

// s clipped and written as a JSON string literal for a message ("\"abc...\""); bytes that are
// not UTF-8 become U+FFFD. Never throws.
std::string quote(const std::string& s, std::size_t max = 40);

}  // namespace attn::json_text
