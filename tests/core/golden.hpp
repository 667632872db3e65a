// golden.hpp: reading the committed golden files (JSON made by scripts/make_*golden.py).
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace golden {

// Json: nlohmann::json, or nlohmann::ordered_json to keep the file's key order.
template <class Json = nlohmann::json>
Json read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open golden file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return Json::parse(ss.str());
}

}  // namespace golden
