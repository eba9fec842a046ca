// Test data in the ONNX model zoo's layout: DIR/test_data_set_N/input_K.pb and output_K.pb, one
// serialized TensorProto each, named after the ONNX input or output.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace pt2onnx {

struct NamedTensor {
  std::string name;
  at::Tensor tensor;
};

// One run of the model: the values it was given and what it returned, in ONNX input/output order.
struct TestDataSet {
  std::vector<NamedTensor> inputs, outputs;
};

// A serialized TensorProto holding the tensor (raw_data). Throws TensorFileError for element
// types ONNX cannot hold.
std::string tensorProtoBytes(const at::Tensor& tensor, const std::string& name);

// Before converting: DIR must not be an existing file. Throws Error(kOutputWrite).
void checkTestDataDir(const std::string& dir);

// Writes DIR/test_data_set_N for each set, creating DIR; files of an earlier run are replaced, and
// test_data_set_N directories beyond the new sets are removed, so DIR holds exactly these sets.
// Throws Error(kOutputWrite) naming the path that cannot be written.
void writeTestData(const std::string& dir, const std::vector<TestDataSet>& sets);

// Reads every DIR/test_data_set_N (N = 0, 1, ... in order) with its input_K.pb and output_K.pb
// files. Throws Error(kUsage) naming the file that is missing or malformed.
std::vector<TestDataSet> readTestData(const std::string& dir);

}  // namespace pt2onnx
