// Queries on in-place writes and views, shared by the passes that make writes functional.
#pragma once

#include <torch/csrc/jit/ir/ir.h>

namespace pt2onnx {

// A view operator whose write-back is known (slice, select, view, transpose, ...).
bool isView(const torch::jit::Node* node);

// An in-place operator: `aten::name_` with a Tensor(a!) self that it returns.
bool isInPlace(const torch::jit::Node* node);

// The value a chain of views starts from (the value itself when it is no view), across blocks.
torch::jit::Value* aliasRoot(torch::jit::Value* v);

// Whether `src` is `type_as(op(self, ...), self)`, what keepInPlaceDtypes writes back into self:
// already in self's dtype and shape.
bool isTypedResultOf(const torch::jit::Value* src, const torch::jit::Value* self);

}  // namespace pt2onnx
