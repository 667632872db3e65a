// weights_file.cpp: a --weights file through the core's safetensors reader, and the
// parameters of one nn.MultiheadAttention found in it by their state_dict names.
//
// [SECTION] Messages and parsing
// [SECTION] Multi-head parameters by state_dict name
#include "weights_file.hpp"

#include <cstring>
#include <set>

namespace attn::cli {

// =====================================================================================
// [SECTION] Messages and parsing
// =====================================================================================

InputError weights_error(const std::string& source, const std::string& problem) {
    return InputError("--weights", source + ": " + problem);
}

InputError tensor_error(const std::string& source, const std::string& tensor, const std::string& problem) {
    return InputError("--weights: " + tensor, problem + " (in " + source + ")");
}

WeightsFile parse_weights(const std::string& bytes, const std::string& source) {
    WeightsFile out;
    out.source = source;
    try {
        static_cast<safetensors::File&>(out) = safetensors::parse(bytes);
    } catch (const safetensors::FormatError& e) {
        if (e.about_tensor()) throw tensor_error(source, e.field(), e.problem());
        throw weights_error(source, e.problem());
    }
    return out;
}

// =====================================================================================
// [SECTION] Multi-head parameters by state_dict name
// =====================================================================================

namespace {

std::string str(std::uint64_t n) { return std::to_string(n); }

// nn.MultiheadAttention's parameters in its state_dict (packed input projection; the output
// projection is a Linear submodule, hence the dots).
constexpr const char* kInProjWeight = "in_proj_weight";
constexpr const char* kInProjBias = "in_proj_bias";
constexpr const char* kOutProjWeight = "out_proj.weight";
constexpr const char* kOutProjBias = "out_proj.bias";
constexpr const char* kStateDictNames[] = {kInProjWeight, kInProjBias, kOutProjWeight, kOutProjBias};

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string quoted_list(const std::vector<std::string>& items, std::size_t max_items) {
    std::string s;
    for (std::size_t i = 0; i < items.size() && i < max_items; ++i) s += (i ? ", \"" : "\"") + items[i] + "\"";
    if (items.size() > max_items) s += " and " + str(items.size() - max_items) + " more";
    return s;
}

std::string choose_prefix(const WeightsFile& file) {
    for (const char* n : kStateDictNames)
        if (file.find(n)) return "";
    std::set<std::string> prefixes;
    for (const Tensor& t : file.tensors)
        for (const char* n : kStateDictNames)
            if (ends_with(t.name, n)) prefixes.insert(t.name.substr(0, t.name.size() - std::strlen(n)));
    if (prefixes.size() > 1)
        throw weights_error(file.source, "holds several attention layers' parameters (prefixes " +
                                             quoted_list({prefixes.begin(), prefixes.end()}, 6) +
                                             "); choose one with --weights-prefix");
    return prefixes.empty() ? "" : *prefixes.begin();
}

ExternalTensor lookup(const WeightsFile& file, const std::string& name) {
    ExternalTensor x;
    x.name = name;
    const Tensor* t = file.find(name);
    if (!t) return x;
    if (!t->converted) throw tensor_error(file.source, name, "has dtype " + t->dtype + "; " + safetensors::kReadDtypes);
    x.found = true;
    x.shape = t->shape;
    x.values = t->values;
    return x;
}

}  // namespace

ExternalParams multihead_params(const WeightsFile& file, const std::optional<std::string>& prefix) {
    const std::string p = prefix ? *prefix : choose_prefix(file);
    ExternalParams params;
    params.file = file.source;
    std::vector<std::string> names;
    for (const Tensor& t : file.tensors) names.push_back(t.name);
    params.listing = names.empty() ? "the file has no tensors" : "its tensors: " + quoted_list(names, 8);
    params.in_proj_weight = lookup(file, p + kInProjWeight);
    params.in_proj_bias = lookup(file, p + kInProjBias);
    params.out_proj_weight = lookup(file, p + kOutProjWeight);
    params.out_proj_bias = lookup(file, p + kOutProjBias);
    return params;
}

}  // namespace attn::cli
