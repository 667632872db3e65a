// tokens.hpp: a sentence typed by the user, or tokens from a scenario file, made into a token
// list a lesson can show. Words are split at ASCII white space only: punctuation stays part
// of its word ("tired." is one token); type "tired ." to make the full stop a token.
//
// Every token must be printable UTF-8 of at most kMaxTokenBytes bytes, and there are at most
// kMaxSentenceTokens of them; a message names the first token that is not.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace attn::ui {

constexpr std::size_t kMaxSentenceTokens = 64;
constexpr std::size_t kMaxTokenBytes = 32;

// Words split on spaces, tabs and line breaks; runs of them count as one.
std::vector<std::string> split_words(const std::string& text);
// The words with one space between them.
std::string join_words(const std::vector<std::string>& words);

// Index of the first byte that breaks UTF-8 (overlong forms, surrogates and code points past
// U+10FFFF included), or npos when the text is valid.
std::size_t utf8_error_at(const std::string& s);

// "" when the tokens can be shown, else a message naming the first problem, e.g.
// "tokens[2] is 40 bytes long, at most 32".
std::string check_tokens(const std::vector<std::string>& tokens);
// The sentence split into words and checked; `out` is set only when the message is "".
std::string parse_sentence(const std::string& text, std::vector<std::string>& out);
// Tokens from JSON (an array of strings), checked; `out` is set only when the message is "".
std::string tokens_from_json(const nlohmann::json& j, std::vector<std::string>& out);

// "a string", "an array", "null": a JSON value's type for messages.
std::string a_json_type(const nlohmann::json& j);

}  // namespace attn::ui
