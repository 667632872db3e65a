// params.hpp: a lesson's user-settable parameters, bound to its own fields.
//
// One table serves every way a parameter can be set: the controls, the URL (deep links),
// the JS API's set(name, value), and scenario files. Every value is validated against its
// bounds; a bad value is refused with a message and the old value kept.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace attn::ui {

struct Param {
    enum class Type { integer, real, boolean, choice };
    std::string name;  // URL / API name, e.g. "dk"
    Type type = Type::integer;
    double min = 0, max = 0;           // integer, real (inclusive)
    std::vector<std::string> choices;  // choice: the value is an index into this
    std::function<double()> get;
    std::function<void(double)> set;
};

class ParamSet {
public:
    void add_int(const std::string& name, int* p, int min, int max);
    void add_float(const std::string& name, float* p, float min, float max);
    void add_bool(const std::string& name, bool* p);
    void add_choice(const std::string& name, int* p, std::vector<std::string> choices);

    const std::vector<Param>& all() const { return params_; }
    const Param* find(const std::string& name) const;
    // Value as text: integers as digits, reals shortest round-trip, booleans 0/1, choices by name.
    std::string get(const std::string& name) const;
    // Parses and validates; on failure returns a message naming the parameter and the accepted
    // range, and leaves the value unchanged. Returns an empty string on success.
    std::string set(const std::string& name, const std::string& value);

private:
    std::vector<Param> params_;
};

}  // namespace attn::ui
