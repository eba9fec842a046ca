// The core stages of the pipeline that convert() and convertGraph() call in order.
#pragma once

#include <onnx/onnx_pb.h>
#include <torch/csrc/jit/ir/ir.h>

#include <map>
#include <string>
#include <vector>

#include "core/context.h"
#include "frontend/frontend.h"
#include "frontend/inputs.h"
#include "io/test_data.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

// Every operator with no converter at the opset, listed at once (src/core/support.cpp), except
// those the fallback emitter takes (namespaces given to --fallback). Throws Error(kUnsupported).
void checkSupported(const torch::jit::Graph& graph, int opset, const std::vector<std::string>& fallback = {});

// A model with the opset import, IR version and producer set, and an empty graph.
onnx::ModelProto newModel(int opset);

// Declares the ONNX inputs and binds the graph's inputs to them (src/core/graph_io.cpp).
void declareInputs(Context& ctx, torch::jit::Graph& graph, const std::vector<ExampleInput>& inputs,
                   const std::vector<std::map<int64_t, std::string>>& labels, onnx::GraphProto& out);

// Flattens the graph's outputs (tuples, lists, dicts) into named ONNX outputs with dtypes and
// dim_params. `output_axes` holds the --dynamic-axes left after the inputs took theirs.
struct OutputContext {
  const Options& options;
  const std::vector<ExampleInput>& inputs;
  const std::vector<DynamicInputAxis>& input_axes;
  const ExampleRuns& runs;
  std::map<std::string, std::map<int64_t, std::string>> output_axes;
};
void declareOutputs(Context& ctx, const torch::jit::Graph& graph, OutputContext oc, onnx::GraphProto& out);

// The inputs and outputs of every example run, named after the ONNX graph's inputs and outputs
// (src/core/test_data.cpp).
std::vector<TestDataSet> testDataSets(const ExampleRuns& runs, const std::vector<ExampleInput>& inputs,
                                      const onnx::GraphProto& graph);

// Operators with no converter at the opset: kind -> count, first source location and the lowest
// opset that has one (src/core/support.cpp).
struct MissingOperator {
  std::string kind;
  size_t count = 0;
  std::string location;
  int lowest_opset = 0;  // 0: no opset has a converter
};
std::vector<MissingOperator> missingOperators(const torch::jit::Graph& graph, int opset,
                                              const std::vector<std::string>& fallback = {});

// Below opset 12: respells Equal on floats, Max/Min on integers and negative axes the way opsets
// 9-11 take them, and refuses at once every node that needs a later opset (src/core/old_opsets.cpp).
// `bound` gives the ranks ONNX's shape inference cannot find at these opsets.
void adaptToOldOpset(onnx::ModelProto& model, int opset, const std::vector<Context::BoundValue>& bound);

// Names the ONNX inputs that no node reads (they stay, so callers that feed by name still work).
std::vector<std::string> unusedInputs(const onnx::GraphProto& graph);

}  // namespace pt2onnx
