// link.cpp: deep-link encoding. Everything from a URL is untrusted: sizes are bounded and
// nothing is interpreted beyond key/value text.
#include "link.hpp"

#include <algorithm>
#include <cctype>

namespace attn::ui {

namespace {

// Large enough for any link encode_link makes from 64 parameters of the sizes below (each byte
// may take 3 characters escaped), small enough to bound the work.
constexpr std::size_t kMaxQuery = 65536;
constexpr std::size_t kMaxValue = 256;
constexpr std::size_t kMaxParams = 64;

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool url_decode(const std::string& in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] == '%') {
            if (i + 2 >= in.size()) return false;  // needs two hex digits after '%'
            const int a = hex(in[i + 1]), b = hex(in[i + 2]);
            if (a < 0 || b < 0) return false;
            out += static_cast<char>(a * 16 + b);
            i += 2;
        } else {
            out += in[i];
        }
    }
    return true;
}

}  // namespace

std::string url_encode(const std::string& s) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

std::string encode_link(const Link& link) {
    std::string q = "lesson=" + url_encode(link.lesson);
    if (link.step >= 0) q += "&step=" + std::to_string(link.step);
    for (const auto& [k, v] : link.params) q += "&" + url_encode(k) + "=" + url_encode(v);
    if (link.embed) q += "&embed=1";
    if (!link.hide.empty()) {
        q += "&hide=";
        for (std::size_t i = 0; i < link.hide.size(); ++i) q += (i ? "," : "") + url_encode(link.hide[i]);
    }
    return q;
}

Link decode_link(const std::string& query, std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    Link link;
    std::string q = query;
    if (!q.empty() && (q[0] == '?' || q[0] == '#')) q.erase(0, 1);
    if (q.size() > kMaxQuery) {
        warn("link ignored: longer than " + std::to_string(kMaxQuery) + " characters");
        return link;
    }
    std::size_t start = 0;
    while (start <= q.size()) {
        std::size_t end = q.find('&', start);
        if (end == std::string::npos) end = q.size();
        const std::string piece = q.substr(start, end - start);
        start = end + 1;
        if (piece.empty()) {
            if (end == q.size()) break;
            continue;
        }
        const std::size_t eq = piece.find('=');
        std::string key, value;
        if (!url_decode(piece.substr(0, eq), key) ||
            !url_decode(eq == std::string::npos ? "" : piece.substr(eq + 1), value)) {
            warn("link: skipped a malformed piece (bad % escape)");
            continue;
        }
        if (key.size() > 64 || value.size() > kMaxValue) {
            warn("link: skipped an over-long parameter");
            continue;
        }
        if (key == "lesson") {
            link.lesson = value;
        } else if (key == "step") {
            bool digits = !value.empty() && value.size() <= 9;
            for (char c : value) digits = digits && std::isdigit(static_cast<unsigned char>(c));
            if (digits)
                link.step = std::stol(value);
            else
                warn("link: step must be a whole number below 10^9, got '" + value.substr(0, 32) + "'");
        } else if (key == "embed") {
            if (value == "1" || value.empty())
                link.embed = true;
            else if (value == "0")
                link.embed = false;
            else
                warn("link: embed must be 0 or 1, got '" + value.substr(0, 32) + "'");
        } else if (key == "hide") {
            link.hide.clear();
            std::size_t from = 0;
            while (from <= value.size() && link.hide.size() < kMaxParams) {
                std::size_t comma = value.find(',', from);
                if (comma == std::string::npos) comma = value.size();
                if (comma > from) link.hide.push_back(value.substr(from, comma - from));
                from = comma + 1;
            }
        } else if (link.params.size() < kMaxParams) {
            link.params.emplace_back(key, value);
        } else {
            warn("link: more than " + std::to_string(kMaxParams) + " parameters; the rest are ignored");
            break;
        }
        if (end == q.size()) break;
    }
    return link;
}

EmbedOptions embed_options(const Link& link, const std::vector<std::string>& param_names,
                           std::vector<std::string>* problems) {
    EmbedOptions e;
    e.embed = link.embed;
    for (const std::string& name : link.hide) {
        const bool part = name == "controls" || name == "explain" || name == "player" || name == "export";
        const bool param = std::find(param_names.begin(), param_names.end(), name) != param_names.end();
        if (part || param) e.known.push_back(name);
        if (name == "controls") {
            e.controls = true;
        } else if (name == "explain") {
            e.explain = true;
        } else if (name == "player") {
            e.player = true;
        } else if (name == "export") {
            e.exports = true;
        } else if (param) {
            e.params.push_back(name);
        } else if (problems) {
            std::string known;
            for (const std::string& p : param_names) known += ", " + p;
            problems->push_back(
                "hide: unknown part '" + name.substr(0, 32) + "' (parts: " + kHideParts +
                (known.empty() ? std::string() : ", or a parameter of this lesson: " + known.substr(2)) + ")");
        }
    }
    return e;
}

}  // namespace attn::ui
