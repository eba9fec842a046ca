// Helpers for op tests: convert TorchScript IR text and inspect the ONNX result.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace pt2onnx::test {

// Parses `ir` (a TorchScript graph whose inputs are tensors), runs it on example inputs given as
// --input specs ("x:2x3", "m:4:bool") and converts it at `opset`; extra dynamic axes use
// --dynamic-axes syntax. The ONNX checker and strict shape inference run on the result.
onnx::ModelProto convertIR(const std::string& ir, const std::vector<std::string>& inputs, int opset,
                           const std::vector<std::string>& dynamic_axes = {});

// op_type of every node in the main graph, in order.
std::vector<std::string> opTypes(const onnx::ModelProto& model);
int countOps(const onnx::ModelProto& model, const std::string& op_type);

// The first node of the main graph with this op_type; throws when there is none.
const onnx::NodeProto& firstNode(const onnx::ModelProto& model, const std::string& op_type);

// The node's attribute of that name, or nullptr.
const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name);

// convertIR's error message, or "" when the IR converts.
std::string conversionError(const std::string& ir, const std::vector<std::string>& inputs, int opset,
                            const std::vector<std::string>& dynamic_axes = {});

// Element type of graph output i.
int32_t outputType(const onnx::ModelProto& model, int i = 0);

// Dims of graph output i: dim_value, or -1 for a dim_param.
std::vector<int64_t> outputDims(const onnx::ModelProto& model, int i = 0);

}  // namespace pt2onnx::test
