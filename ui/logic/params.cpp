// params.cpp: parsing and validation of lesson parameters.
#include "params.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attn::ui {

namespace {

// Shortest decimal text that reads back as the same float (params are floats or ints).
std::string number(double x) {
    char buf[32];
    for (int digits = 6; digits <= 9; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, x);
        if (std::strtof(buf, nullptr) == static_cast<float>(x)) break;
    }
    return buf;
}

// Strict parse: the whole string must be a finite number.
bool parse_number(const std::string& s, double& out) {
    if (s.empty() || s.size() > 64) return false;
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
    out = v;
    return true;
}

}  // namespace

void ParamSet::add_int(const std::string& name, int* p, int min, int max) {
    params_.push_back({name, Param::Type::integer, double(min), double(max), {}, [p] { return double(*p); },
                       [p](double v) { *p = static_cast<int>(v); }});
}

void ParamSet::add_float(const std::string& name, float* p, float min, float max) {
    params_.push_back({name, Param::Type::real, min, max, {}, [p] { return double(*p); },
                       [p](double v) { *p = static_cast<float>(v); }});
}

void ParamSet::add_bool(const std::string& name, bool* p) {
    params_.push_back({name, Param::Type::boolean, 0, 1, {}, [p] { return *p ? 1.0 : 0.0; },
                       [p](double v) { *p = v != 0; }});
}

void ParamSet::add_choice(const std::string& name, int* p, std::vector<std::string> choices) {
    const double max = double(choices.size()) - 1;
    params_.push_back({name, Param::Type::choice, 0, max, std::move(choices), [p] { return double(*p); },
                       [p](double v) { *p = static_cast<int>(v); }});
}

const Param* ParamSet::find(const std::string& name) const {
    for (const Param& p : params_)
        if (p.name == name) return &p;
    return nullptr;
}

std::string ParamSet::get(const std::string& name) const {
    const Param* p = find(name);
    if (!p) return "";
    const double v = p->get();
    switch (p->type) {
        case Param::Type::integer: return std::to_string(static_cast<long long>(v));
        case Param::Type::real: return number(v);
        case Param::Type::boolean: return v != 0 ? "1" : "0";
        case Param::Type::choice: {
            const auto i = static_cast<std::size_t>(v);
            return i < p->choices.size() ? p->choices[i] : "";
        }
    }
    return "";
}

std::string ParamSet::set(const std::string& name, const std::string& value) {
    const Param* p = find(name);
    if (!p) return "unknown parameter '" + name + "'";
    double v = 0;
    switch (p->type) {
        case Param::Type::choice: {
            for (std::size_t i = 0; i < p->choices.size(); ++i)
                if (p->choices[i] == value) {
                    p->set(double(i));
                    return "";
                }
            std::string list;
            for (const auto& c : p->choices) list += (list.empty() ? "" : ", ") + c;
            return name + ": '" + value + "' is not one of " + list;
        }
        case Param::Type::boolean:
            if (value == "1" || value == "true" || value == "on") v = 1;
            else if (value == "0" || value == "false" || value == "off") v = 0;
            else return name + ": expected 0 or 1, got '" + value + "'";
            p->set(v);
            return "";
        case Param::Type::integer:
            if (!parse_number(value, v) || v != std::floor(v))
                return name + ": expected a whole number, got '" + value + "'";
            break;
        case Param::Type::real:
            if (!parse_number(value, v)) return name + ": expected a number, got '" + value + "'";
            break;
    }
    // Real parameters are floats: compare as floats, so "0.1" is inside a 0.1f lower bound.
    const bool real = p->type == Param::Type::real;
    const double cmp = real ? static_cast<float>(v) : v;
    if (cmp < (real ? static_cast<float>(p->min) : p->min) || cmp > (real ? static_cast<float>(p->max) : p->max))
        return name + ": " + value + " is outside " + number(p->min) + ".." + number(p->max);
    p->set(v);
    return "";
}

}  // namespace attn::ui
