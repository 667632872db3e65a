// train_parameters.cpp: the named flat parameter store; see attn/train/parameters.hpp.
#include "attn/train/parameters.hpp"

#include <algorithm>
#include <cmath>

namespace attn {
namespace {

MatrixView view_of(float* base, const ParameterInfo& p) {
    if (p.shape.size() == 2) return {base + p.offset, p.shape[0], p.shape[1], p.shape[1]};
    return {base + p.offset, 1, p.shape[0], p.shape[0]};
}

}  // namespace

std::size_t Parameters::add(const std::string& name, std::vector<std::size_t> shape) {
    if (name.empty()) throw Error("a parameter needs a name");
    if (find(name) != npos) throw Error("parameter '" + name + "' is defined twice");
    if (shape.empty() || shape.size() > 2)
        throw Error("parameter '" + name + "' has " + std::to_string(shape.size()) + " dimensions (1 or 2 supported)");
    std::size_t count = 1;
    for (std::size_t s : shape) {
        if (s == 0) throw Error("parameter '" + name + "' has a zero dimension");
        count *= s;
    }
    require_size(shape[0], shape.size() == 2 ? shape[1] : 1, name.c_str());
    ParameterInfo p;
    p.name = name;
    p.shape = std::move(shape);
    p.offset = values_.size();
    p.count = count;
    if (p.offset + count > kMaxElements)
        throw Error("parameters would hold more than " + std::to_string(kMaxElements) + " floats");
    values_.resize(p.offset + count, 0.0f);
    grads_.resize(p.offset + count, 0.0f);
    infos_.push_back(std::move(p));
    return infos_.size() - 1;
}

std::size_t Parameters::find(const std::string& name) const {
    for (std::size_t i = 0; i < infos_.size(); ++i)
        if (infos_[i].name == name) return i;
    return npos;
}

std::size_t Parameters::index(const std::string& name) const {
    const std::size_t i = find(name);
    if (i == npos) throw Error("no parameter named '" + name + "'");
    return i;
}

MatrixView Parameters::value_matrix(std::size_t i) { return view_of(values_.data(), infos_.at(i)); }
ConstMatrixView Parameters::value_matrix(std::size_t i) const {
    return view_of(const_cast<float*>(values_.data()), infos_.at(i));
}
MatrixView Parameters::grad_matrix(std::size_t i) { return view_of(grads_.data(), infos_.at(i)); }
ConstMatrixView Parameters::grad_matrix(std::size_t i) const {
    return view_of(const_cast<float*>(grads_.data()), infos_.at(i));
}

void Parameters::zero_grads() { std::fill(grads_.begin(), grads_.end(), 0.0f); }

std::string Parameters::describe_element(std::size_t flat) const {
    for (const ParameterInfo& p : infos_) {
        if (flat < p.offset || flat >= p.offset + p.count) continue;
        const std::size_t k = flat - p.offset;
        if (p.shape.size() == 2)
            return p.name + "[" + std::to_string(k / p.shape[1]) + "][" + std::to_string(k % p.shape[1]) + "]";
        return p.name + "[" + std::to_string(k) + "]";
    }
    return "element " + std::to_string(flat) + " (outside the parameters)";
}

namespace {

void require_finite_flat(const Parameters& ps, const std::vector<float>& v, const char* what) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
            throw Error(std::string(what) + ps.describe_element(i) + " is " + (std::isnan(v[i]) ? "nan" : "infinite"));
}

}  // namespace

void Parameters::require_finite_values() const { require_finite_flat(*this, values_, "parameter "); }
void Parameters::require_finite_grads() const { require_finite_flat(*this, grads_, "gradient of "); }

}  // namespace attn
