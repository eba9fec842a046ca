// The optimize stage: simplifies the converted ONNX graph before it is written.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pt2onnx {

class Weights;

struct OptimizeReport {
  size_t nodes_before = 0;
  size_t nodes_after = 0;
  std::vector<std::pair<std::string, size_t>> removed;  // nodes removed per pass, in pass order
};

// Folds constant subgraphs (shapes of static dims included; a dynamic dim is never made a
// constant), removes identities, dead nodes and repeated computations, and merges duplicate small
// initializers, to a fixed point. Graph inputs and outputs keep their names. The weights held by
// `weights` are only read by name, never copied; unused ones are dropped from it. Uses the
// model's value_info when it has some (after checkModel()) and clears it at the end.
OptimizeReport optimizeModel(onnx::ModelProto& model, Weights& weights);

struct Int32Report {
  size_t values_retyped = 0;          // INT64 values written as INT32 (initializers included)
  size_t initializers_converted = 0;  // of those, initializers given an INT32 copy
  size_t casts_to_int32 = 0;          // after INT64-only producers (Shape, NonZero, graph inputs, ...)
  size_t casts_to_int64 = 0;          // before INT64-only readers (Reshape's shape, graph outputs, ...)
  // INT64 values left, by why: the operator parameter (Op.param) the spec types as INT64 only, or
  // the reason a group of values could not change.
  std::map<std::string, size_t> stay_int64;
};

// --int32: retypes INT64 values to INT32 wherever every writer and reader allows it at the
// model's opset, with Casts around INT64-only parameters; graph inputs and outputs keep their
// types. Constants are converted only when their values fit. Clears value_info at the end.
Int32Report retypeToInt32(onnx::ModelProto& model, Weights& weights);

struct HalfWeightsReport {
  size_t float16 = 0;       // initializers stored as FLOAT16 behind a Cast
  size_t bfloat16 = 0;      // as BFLOAT16 (opset 13 and later)
  size_t kept_float32 = 0;  // large float32 initializers with a value 16 bits cannot hold
  uint64_t bytes_saved = 0;
};

// For a model whose float16/bfloat16 weights were widened for conversion: each float32 initializer
// held by `weights` whose values all fit float16 (else bfloat16) exactly is stored in that type,
// with a Cast to FLOAT at the top of the graph under the original name. Values are unchanged.
HalfWeightsReport storeHalfWeights(onnx::ModelProto& model, Weights& weights);

}  // namespace pt2onnx
