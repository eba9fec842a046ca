// The optimize stage: simplifies the converted ONNX graph before it is written.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
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

}  // namespace pt2onnx
