// tokens.cpp: splitting, joining and validating tokens.
#include "tokens.hpp"

#include <cstdint>

namespace attn::ui {

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::string w;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!w.empty()) words.push_back(std::move(w));
            w.clear();
        } else {
            w += c;
        }
    }
    if (!w.empty()) words.push_back(std::move(w));
    return words;
}

std::string join_words(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
    return s;
}

std::size_t utf8_error_at(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0, min = 0;
        if (b < 0x80)
            len = 1, cp = b;
        else if ((b & 0xE0) == 0xC0)
            len = 2, cp = b & 0x1Fu, min = 0x80;
        else if ((b & 0xF0) == 0xE0)
            len = 3, cp = b & 0x0Fu, min = 0x800;
        else if ((b & 0xF8) == 0xF0)
            len = 4, cp = b & 0x07u, min = 0x10000;
        else
            return i;
        if (i + len > s.size()) return i;
        for (std::size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return i + k;
            cp = (cp << 6) | (c & 0x3Fu);
        }
        if (len > 1 && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) return i;
        i += len;
    }
    return std::string::npos;
}

std::string check_tokens(const std::vector<std::string>& t) {
    if (t.empty()) return "tokens is empty: give at least 1 token";
    if (t.size() > kMaxSentenceTokens)
        return "tokens has " + std::to_string(t.size()) + " entries, at most " + std::to_string(kMaxSentenceTokens);
    for (std::size_t i = 0; i < t.size(); ++i) {
        const std::string at = "tokens[" + std::to_string(i) + "]";
        if (t[i].empty()) return at + " is empty";
        if (t[i].size() > kMaxTokenBytes)
            return at + " is " + std::to_string(t[i].size()) + " bytes long, at most " + std::to_string(kMaxTokenBytes);
        const std::size_t bad = utf8_error_at(t[i]);
        if (bad != std::string::npos) return at + " is not valid UTF-8 (byte " + std::to_string(bad) + ")";
        for (std::size_t k = 0; k < t[i].size(); ++k) {
            const auto c = static_cast<unsigned char>(t[i][k]);
            if (c < 0x20 || c == 0x7F) return at + " contains a control character (byte " + std::to_string(k) + ")";
        }
    }
    return "";
}

std::string parse_sentence(const std::string& text, std::vector<std::string>& out) {
    std::vector<std::string> words = split_words(text);
    std::string err = check_tokens(words);
    if (err.empty()) out = std::move(words);
    return err;
}

std::string a_json_type(const nlohmann::json& j) {
    const std::string t = j.type_name();
    return j.is_null() ? t : (t[0] == 'a' || t[0] == 'o' ? "an " : "a ") + t;
}

std::string tokens_from_json(const nlohmann::json& j, std::vector<std::string>& out) {
    if (!j.is_array()) return "tokens must be an array of strings, got " + a_json_type(j);
    if (j.size() > kMaxSentenceTokens)
        return "tokens has " + std::to_string(j.size()) + " entries, at most " + std::to_string(kMaxSentenceTokens);
    std::vector<std::string> t;
    for (std::size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_string())
            return "tokens[" + std::to_string(i) + "] is " + a_json_type(j[i]) + ", expected a string";
        t.push_back(j[i].get<std::string>());
    }
    std::string err = check_tokens(t);
    if (err.empty()) out = std::move(t);
    return err;
}

}  // namespace attn::ui
