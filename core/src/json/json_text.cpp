// json_text.cpp: a SAX handler that builds the DOM while tracking where it is
// (field, then [i][j] below it), so every parse problem can be reported as
//   <field>: <where> <problem>
// instead of "parse error at byte 1234". See json_text.hpp.
#include "json_text.hpp"

#include <vector>

#include "attn/matrix.hpp"

namespace attn::json_text {

using nlohmann::json;

namespace {

// Removes nlohmann's "[json.exception.parse_error.101] " prefix from a message.
std::string without_exception_tag(const std::string& what) {
    if (!what.empty() && what[0] == '[') {
        const auto close = what.find("] ");
        if (close != std::string::npos) return what.substr(close + 2);
    }
    return what;
}

class TrackingBuilder final : public nlohmann::json_sax<json> {
public:
    explicit TrackingBuilder(std::string source) : source_(std::move(source)) {}

    json& root() { return root_; }
    bool failed() const { return failed_; }
    const std::string& error_field() const { return error_field_; }
    const std::string& error_problem() const { return error_problem_; }

    bool null() override { return add(json(nullptr)); }
    bool boolean(bool b) override { return add(json(b)); }
    bool number_integer(number_integer_t x) override { return add(json(x)); }
    bool number_unsigned(number_unsigned_t x) override { return add(json(x)); }
    bool number_float(number_float_t x, const string_t&) override { return add(json(x)); }
    bool string(string_t& s) override { return add(json(std::move(s))); }
    bool binary(binary_t& b) override { return add(json::binary(std::move(b))); }

    bool start_object(std::size_t) override { return open(json::object()); }
    bool start_array(std::size_t) override { return open(json::array()); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }

    bool key(string_t& k) override {
        Frame& f = stack_.back();
        if (f.node->contains(k)) {
            f.key = k;
            return fail("appears twice");
        }
        f.key = std::move(k);
        return true;
    }

    bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& ex) override {
        if (ex.id == 406)  // out_of_range.406: the number does not fit a double
            return fail("is " + token + ", which is not a finite number (too large)");
        // Syntax errors: the position in the text is what helps, so report against the source.
        failed_ = true;
        error_field_ = source_;
        error_problem_ = "invalid JSON: " + without_exception_tag(ex.what());
        return false;
    }

private:
    struct Frame {
        json* node;
        std::string key;  // objects: the key whose value is being read
    };

    // Where the value being read sits: top-level field, then the rest ("[1][2]", ".window").
    void where(std::string& field, std::string& rest) const {
        field.clear();
        rest.clear();
        for (std::size_t i = 0; i < stack_.size(); ++i) {
            const Frame& f = stack_[i];
            // An open array below the top already holds the element being read (its last one);
            // the top array has not received it yet.
            const bool top = i + 1 == stack_.size();
            const std::size_t index = f.node->is_array() ? f.node->size() - (top ? 0 : 1) : 0;
            std::string part = f.node->is_array() ? "[" + std::to_string(index) + "]" : f.key;
            if (i == 0 && f.node->is_object()) {
                field = part;
            } else {
                if (f.node->is_object() && !rest.empty()) rest += ".";
                rest += part;
            }
        }
        if (field.empty()) field = source_;
    }

    bool fail(const std::string& problem) {
        std::string field, rest;
        where(field, rest);
        failed_ = true;
        error_field_ = field;
        error_problem_ = rest.empty() ? problem : rest + " " + problem;
        return false;
    }

    // Places v in the current container; returns it (a stable address until the container grows,
    // which cannot happen while v is the open container on top of the stack).
    json* place(json&& v) {
        if (stack_.empty()) {
            root_ = std::move(v);
            return &root_;
        }
        json& parent = *stack_.back().node;
        if (parent.is_array()) {
            parent.push_back(std::move(v));
            return &parent.back();
        }
        json& slot = parent[stack_.back().key];
        slot = std::move(v);
        return &slot;
    }

    bool add(json&& v) {
        place(std::move(v));
        return true;
    }

    bool open(json&& container) {
        if (stack_.size() >= kMaxJsonDepth)
            return fail("is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
        stack_.push_back({place(std::move(container)), {}});
        return true;
    }

    bool close() {
        stack_.pop_back();
        return true;
    }

    std::string source_;
    json root_;
    std::vector<Frame> stack_;
    bool failed_ = false;
    std::string error_field_, error_problem_;
};

}  // namespace

json read(const std::string& text, const std::string& source) {
    // nlohmann's parser stops at a NUL byte as if the text ended there, which would accept
    // "{...}\0anything": JSON is UTF-8 text, so a NUL anywhere is refused.
    if (const auto nul = text.find('\0'); nul != std::string::npos)
        throw Error(source,
                    "contains a NUL byte at offset " + std::to_string(nul) + " (JSON is UTF-8 text, which has none)");
    TrackingBuilder builder(source);
    const bool ok = json::sax_parse(text, &builder);
    if (!ok || builder.failed()) {
        if (builder.failed()) throw Error(builder.error_field(), builder.error_problem());
        throw Error(source, "invalid JSON");
    }
    return std::move(builder.root());
}

std::string type_phrase(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return "null";
        case json::value_t::object: return "an object";
        case json::value_t::array: return "an array";
        case json::value_t::string: return "a string";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::binary: return "binary data";
        case json::value_t::discarded: return "nothing";
        default: return "a number";
    }
}

std::string clip(const std::string& s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // s[n]: a continuation byte
    return s.substr(0, n) + "...";
}

std::string quote(const std::string& s, std::size_t max) {
    return json(clip(s, max)).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace attn::json_text
