// What an ONNX model declares and holds: interface, operator counts, parameters (inspect, --json).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>

#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

// An element type's name as the command line spells it (float32, int64, ...), or ONNX's own name
// in lower case for the types pt2onnx does not use.
std::string onnxTypeName(int32_t type);

// A graph input or output with its dtype and dims (numbers, dim_params, "?").
TensorInfo tensorInfo(const onnx::ValueInfoProto& value);

struct GraphStats {
  std::map<std::string, size_t> operators;  // "Conv", or "domain::Op" outside the default domain; with subgraphs
  size_t nodes = 0;                         // every node, with those in subgraphs
  uint64_t parameters = 0;                  // elements of the initializers
  uint64_t parameter_bytes = 0;             // their bytes (stored inline or in an external file)
  size_t initializers = 0;
};
GraphStats graphStats(const onnx::GraphProto& graph);

}  // namespace pt2onnx
