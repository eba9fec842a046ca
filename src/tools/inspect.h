// inspect: what a TorchScript archive or an ONNX model holds, as text, JSON or a Graphviz graph.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

struct OnnxSummary {
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain ("" is ONNX's) -> version
  std::string producer;
  std::vector<TensorInfo> inputs, outputs;
  std::map<std::string, size_t> operators;
  size_t nodes = 0, initializers = 0;
  uint64_t parameters = 0, parameter_bytes = 0;
};

struct UnsupportedOperator {
  std::string kind;
  size_t count = 0;
  std::string location;
  int lowest_opset = 0;  // 0: no opset has a converter
};

struct InspectReport {
  std::string file;
  bool torchscript = false;  // a .pt archive (else an ONNX model)
  // TorchScript archives: the method's arguments (name, type, and dims when example shapes are
  // known) and return type, operators of the prepared graph, parameters and buffers.
  std::string method;
  std::vector<TensorInfo> arguments;  // dtype holds the TorchScript type
  std::string returns;
  std::map<std::string, size_t> torch_operators;
  uint64_t parameters = 0, parameter_bytes = 0;
  size_t parameter_tensors = 0;
  int opset = 0;                                 // the opset the support check used
  std::vector<UnsupportedOperator> unsupported;  // at `opset`
  bool unsupported_after_folding = false;        // checked on the graph folded with example inputs
  std::string conversion_error;                  // why the converted ONNX part is missing
  bool converted = false;                        // `onnx` below is the converted model
  // ONNX models, and archives converted with example inputs.
  bool has_onnx = false;
  OnnxSummary onnx;
  onnx::ModelProto model;  // for --dot
};

// Reads FILE: an ONNX model (by content) or a TorchScript archive. For an archive, `options`
// gives the method, the opset and, when inputs are given (or stored in the archive), the example
// inputs used to convert it. Throws Error for files that are neither.
InspectReport inspect(const std::string& file, const Options& options);

std::string formatInspectText(const InspectReport& report);
std::string formatInspectJson(const InspectReport& report);

class JsonWriter;
// An array of {name, dtype, dims} objects; numeric dims as numbers, dim_params as strings.
void writeTensorsJson(JsonWriter& json, const std::vector<TensorInfo>& tensors);

// The graph in Graphviz DOT: inputs and outputs as ellipses, a box per node (initializers listed
// inside it), edges labelled with the tensor shapes shape inference recorded.
std::string toDot(const onnx::GraphProto& graph);

}  // namespace pt2onnx
