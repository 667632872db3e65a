// parameters.hpp: named, contiguous float storage for a model's parameters and their gradients.
//
// Every tensor has its PyTorch name and shape ("layers.0.linear1.weight", {d_ff, d_model}) and
// lives at an offset in one flat buffer; the gradients use a second buffer with the same
// offsets, so optimizers and gradient clipping run over two flat arrays, and a file writer can
// walk the tensors in order (names, shapes, row-major data) as a PyTorch state_dict has them.
// A 2-D tensor is viewed as a matrix (rows = shape[0], stride = shape[1], no padding); a 1-D
// tensor as a single row.
// Deliberately not here: autograd, dtype other than float32, file formats (a later layer).
// Adding a tensor may move the buffers: take pointers and views after the last add().
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "attn/matrix.hpp"

namespace attn {

struct ParameterInfo {
    std::string name;
    std::vector<std::size_t> shape;  // 1-D or 2-D
    std::size_t offset = 0;          // first float in values() / grads()
    std::size_t count = 0;           // number of floats
};

class Parameters {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // Appends a zero tensor; throws attn::Error on a duplicate name, an empty name or shape,
    // a zero dimension or more than 2 dimensions. Returns its index.
    std::size_t add(const std::string& name, std::vector<std::size_t> shape);

    std::size_t size() const { return infos_.size(); }    // number of tensors
    std::size_t total() const { return values_.size(); }  // number of floats
    const ParameterInfo& info(std::size_t i) const { return infos_.at(i); }
    const std::vector<ParameterInfo>& infos() const { return infos_; }
    // Index of a tensor, npos when absent / throwing attn::Error naming it.
    std::size_t find(const std::string& name) const;
    std::size_t index(const std::string& name) const;

    float* values() { return values_.data(); }
    const float* values() const { return values_.data(); }
    float* grads() { return grads_.data(); }
    const float* grads() const { return grads_.data(); }
    float* value(std::size_t i) { return values_.data() + infos_[i].offset; }
    const float* value(std::size_t i) const { return values_.data() + infos_[i].offset; }
    float* grad(std::size_t i) { return grads_.data() + infos_[i].offset; }
    const float* grad(std::size_t i) const { return grads_.data() + infos_[i].offset; }
    // The tensor as a matrix: (shape[0], shape[1]) for 2-D, (1, shape[0]) for 1-D.
    MatrixView value_matrix(std::size_t i);
    ConstMatrixView value_matrix(std::size_t i) const;
    MatrixView grad_matrix(std::size_t i);
    ConstMatrixView grad_matrix(std::size_t i) const;

    void zero_grads();
    // Throws attn::Error naming the first non-finite value: "layers.0.linear1.weight[3][2] is nan".
    void require_finite_values() const;
    void require_finite_grads() const;
    // "layers.0.linear1.weight[3][2]" for the flat index of a float (for messages and tests).
    std::string describe_element(std::size_t flat) const;

private:
    std::vector<ParameterInfo> infos_;
    std::vector<float> values_, grads_;
};

}  // namespace attn
