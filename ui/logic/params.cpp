// params.cpp: declaring lesson parameters, and parsing and validating their values.
#include "params.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

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

ParamDecl ParamSet::add(Param p) {
    if (find(p.name)) throw std::invalid_argument("parameter '" + p.name + "' is declared twice");
    if (p.type == Param::Type::choice && p.choices.empty())
        throw std::invalid_argument("parameter '" + p.name + "' has no choices");
    if (!(p.def >= p.min && p.def <= p.max))
        throw std::invalid_argument("parameter '" + p.name + "': default " + number(p.def) + " is outside " +
                                    number(p.min) + ".." + number(p.max));
    if (p.label.empty()) p.label = p.name;
    p.choice_labels = p.choices;
    p.set(p.def);
    params_.push_back(std::move(p));
    return ParamDecl(params_.back());
}

ParamDecl ParamSet::add_int(const std::string& name, int* p, int min, int max, int def) {
    Param q;
    q.name = name;
    q.type = Param::Type::integer;
    q.min = min, q.max = max, q.def = def;
    q.get = [p] { return double(*p); };
    q.set = [p](double v) { *p = static_cast<int>(v); };
    q.format = "%d";
    return add(std::move(q));
}

ParamDecl ParamSet::add_float(const std::string& name, float* p, float min, float max, float def) {
    Param q;
    q.name = name;
    q.type = Param::Type::real;
    q.min = min, q.max = max, q.def = def;
    q.get = [p] { return double(*p); };
    q.set = [p](double v) { *p = static_cast<float>(v); };
    q.format = "%.3f";
    return add(std::move(q));
}

ParamDecl ParamSet::add_text(const std::string& name, std::string* p, std::size_t max_length, std::string def) {
    Param q;
    q.name = name;
    q.type = Param::Type::text;
    q.max_length = max_length;
    *p = std::move(def);
    q.get = [] { return 0.0; };
    q.set = [](double) {};
    q.get_text = [p] { return *p; };
    q.set_text = [p](const std::string& v) { *p = v; };
    q.widget = Param::Widget::none;
    return add(std::move(q));
}

ParamDecl ParamSet::add_bool(const std::string& name, bool* p, bool def) {
    Param q;
    q.name = name;
    q.type = Param::Type::boolean;
    q.min = 0, q.max = 1, q.def = def ? 1 : 0;
    q.get = [p] { return *p ? 1.0 : 0.0; };
    q.set = [p](double v) { *p = v != 0; };
    q.widget = Param::Widget::checkbox;
    return add(std::move(q));
}

ParamDecl ParamSet::add_choice(const std::string& name, int* p, std::vector<std::string> choices, int def) {
    Param q;
    q.name = name;
    q.type = Param::Type::choice;
    q.min = 0, q.max = double(choices.size()) - 1, q.def = def;
    q.choices = std::move(choices);
    q.get = [p] { return double(*p); };
    q.set = [p](double v) { *p = static_cast<int>(v); };
    q.widget = Param::Widget::combo;
    return add(std::move(q));
}

ParamDecl ParamSet::add_seed(const std::string& name, int* p, int def) {
    ParamDecl d = add_int(name, p, 0, kMaxSeed, def);
    d.param().widget = Param::Widget::seed;
    return d;
}

ParamDecl& ParamDecl::label(std::string s) {
    p_.label = std::move(s);
    return *this;
}

ParamDecl& ParamDecl::choice_labels(std::vector<std::string> labels) {
    if (labels.size() != p_.choices.size())
        throw std::invalid_argument("parameter '" + p_.name + "' has " + std::to_string(p_.choices.size()) +
                                    " choices but " + std::to_string(labels.size()) + " labels");
    p_.choice_labels = std::move(labels);
    return *this;
}

ParamDecl& ParamDecl::log() {
    p_.log = true;
    return *this;
}

ParamDecl& ParamDecl::format(std::string f) {
    p_.format = std::move(f);
    return *this;
}

ParamDecl& ParamDecl::tooltip(std::string t) {
    p_.tooltip = std::move(t);
    return *this;
}

ParamDecl& ParamDecl::group(std::string g) {
    p_.group = std::move(g);
    return *this;
}

ParamDecl& ParamDecl::view_only() {
    p_.recompute = false;
    return *this;
}

ParamDecl& ParamDecl::separator() {
    p_.separator = true;
    return *this;
}

ParamDecl& ParamDecl::heading(std::string h) {
    p_.heading = std::move(h);
    return *this;
}

ParamDecl& ParamDecl::shown(std::function<bool()> f) {
    p_.shown = std::move(f);
    return *this;
}

ParamDecl& ParamDecl::slider_max(std::function<double()> f) {
    p_.slider_max = std::move(f);
    return *this;
}

ParamDecl& ParamDecl::note(std::function<std::string()> f, bool dim) {
    p_.note = std::move(f);
    p_.note_dim = dim;
    return *this;
}

ParamDecl& ParamDecl::live_max(double v) {
    p_.live_max = v;
    return *this;
}

ParamDecl& ParamDecl::hidden() {
    p_.widget = Param::Widget::none;
    return *this;
}

const Param* ParamSet::find(const std::string& name) const {
    for (const Param& p : params_)
        if (p.name == name) return &p;
    return nullptr;
}

std::string ParamSet::get(const std::string& name) const {
    const Param* p = find(name);
    if (!p) return "";
    if (p->type == Param::Type::text) return p->get_text();
    const double v = p->get();
    switch (p->type) {
        case Param::Type::integer: return std::to_string(static_cast<long long>(v));
        case Param::Type::real: return number(v);
        case Param::Type::boolean: return v != 0 ? "1" : "0";
        case Param::Type::choice: {
            const auto i = static_cast<std::size_t>(v);
            return i < p->choices.size() ? p->choices[i] : "";
        }
        case Param::Type::text: break;
    }
    return "";
}

std::string ParamSet::set(const std::string& name, const std::string& value) {
    const Param* p = find(name);
    if (!p) return "unknown parameter '" + name + "'";
    double v = 0;
    switch (p->type) {
        case Param::Type::text:
            if (value.size() > p->max_length)
                return name + ": " + std::to_string(value.size()) + " bytes, the limit is " +
                       std::to_string(p->max_length);
            p->set_text(value);
            return "";
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
            if (value == "1" || value == "true" || value == "on")
                v = 1;
            else if (value == "0" || value == "false" || value == "off")
                v = 0;
            else
                return name + ": expected 0 or 1, got '" + value + "'";
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
