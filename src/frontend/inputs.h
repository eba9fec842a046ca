// Input stage: forward()'s arguments bound to --input, --input-data and --const; the ONNX inputs.
#pragma once

#include <ATen/core/Tensor.h>
#include <ATen/core/function_schema.h>
#include <torch/csrc/jit/ir/ir.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

// One ONNX input: a tensor argument, a tensor inside a list/tuple/dict argument, or a Python
// int/float/bool argument that stays computed in the graph (a 0-d tensor).
struct ExampleInput {
  std::string name;  // ONNX name
  std::vector<int64_t> dims;
  InputDType dtype = InputDType::kFloat32;
  std::optional<at::Tensor> data;                  // the user's example values (--input-data)
  c10::TypeKind kind = c10::TypeKind::TensorType;  // IntType/FloatType/BoolType for Python numbers
  DType graph_dtype = DType::kUndefined;           // what converters see for a Python number
};

// The arguments of one method, bound. The graph is rewritten so that its inputs (after self) are
// exactly `inputs`, in order: containers are rebuilt from their elements, constants, None and
// defaults are substituted, and LibTorch's passes fold what that decides.
struct BoundInputs {
  std::vector<ExampleInput> inputs;
  std::vector<std::string> notes;  // how arguments were bound, for -v
};

// `schema` gives argument names and defaults (null for graphs without one: every argument is a
// tensor named by its debug name). Throws Error(kUsage) naming what to fix.
BoundInputs bindInputs(std::shared_ptr<torch::jit::Graph>& graph, const c10::FunctionSchema* schema,
                       const Options& options);

// The example value of an input at `dims`: the user's data (repeated along axes that grew, zeros
// where it has none to repeat), otherwise made up (see README: floats N(0,1), uint8 0-255, bool
// fair, other integers 0-9, Python ints 1-9).
c10::IValue exampleValue(const ExampleInput& input, const std::vector<int64_t>& dims);

// Declared dynamic axes, by ONNX input; the axes that name no input are left for the outputs.
struct InputAxes {
  std::vector<std::map<int64_t, std::string>> labels;  // per input: axis -> dim_param
  std::map<std::string, std::map<int64_t, std::string>> rest;
};
InputAxes dynamicInputAxes(const std::vector<ExampleInput>& inputs, const std::vector<DynamicAxesSpec>& specs);

}  // namespace pt2onnx
