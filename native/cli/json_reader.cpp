// json_reader.cpp: the core's JSON reader with the CLI's error type.
#include "json_reader.hpp"

#include "attn/matrix.hpp"
#include "errors.hpp"

namespace attn::cli {

nlohmann::json read_json(const std::string& text, const std::string& source) {
    try {
        return json_text::read(text, source);
    } catch (const attn::Error& e) {
        throw InputError(e.field(), e.problem());
    }
}

}  // namespace attn::cli
