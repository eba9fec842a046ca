// The optimize stage: runs the simplification passes over the converted graph to a fixed point.
#include "optimize/optimize.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <spdlog/spdlog.h>

#include <map>

#include "onnx/weights.h"
#include "onnx/writer.h"
#include "optimize/graph_state.h"

namespace pt2onnx {
namespace {

constexpr int kMaxRounds = 8;  // each round is linear in the graph; real models settle in 2-3

struct Pass {
  const char* name;
  size_t (*run)(GraphState&);
};

// Dead nodes go last, after the passes that leave nodes unread.
constexpr Pass kPasses[] = {
    {"constant folding", foldConstants},
    {"identities", removeIdentities},
    {"Conv/Gemm+BatchNormalization", foldBatchNorms},
    {"duplicate initializers", mergeDuplicateInitializers},
    {"common subexpressions", mergeCommonSubexpressions},
    {"dead nodes", removeDeadNodes},
};

}  // namespace

OptimizeReport optimizeModel(onnx::ModelProto& model, Weights& weights) {
  OptimizeReport report;
  report.nodes_before = model.graph().node_size();
  inferValueTypes(model);
  std::map<std::string, size_t> totals;
  for (int round = 0; round < kMaxRounds; ++round) {
    size_t changed = 0;
    for (const auto& pass : kPasses) {
      GraphState state(model, weights);
      const size_t n = pass.run(state);
      state.commit();
      totals[pass.name] += n;
      changed += n;
    }
    pruneUnusedInitializers(*model.mutable_graph());
    if (changed == 0) break;
  }
  weights.retainOnly(model.graph());
  model.mutable_graph()->clear_value_info();
  report.nodes_after = model.graph().node_size();
  for (const auto& pass : kPasses) report.removed.emplace_back(pass.name, totals[pass.name]);
  return report;
}

}  // namespace pt2onnx
