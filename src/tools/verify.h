// verify: runs model-zoo test data in ONNX Runtime and compares its outputs with the expected ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pt2onnx {

struct VerifyOptions {
  std::string model;  // .onnx file
  std::string dir;    // holds test_data_set_0, test_data_set_1, ...
  double rtol = 1e-3;
  double atol = 1e-4;
};

// One output of one test data set. Floats pass when |got - want| <= atol + rtol * |want| for every
// element (NaN matches NaN, equal infinities match); other types must be equal.
struct OutputCheck {
  size_t set = 0;
  std::string name;
  std::string dtype;
  std::vector<int64_t> dims;
  double max_abs_error = 0;
  double mean_abs_error = 0;
  size_t out_of_tolerance = 0;  // elements
  bool exact = false;           // integer and bool outputs are compared exactly
  std::string problem;          // dtype, shape or name mismatch; empty when the values were compared
  bool ok() const { return problem.empty() && out_of_tolerance == 0; }
};

struct VerifyReport {
  std::string runtime;  // which ONNX Runtime ran the model
  size_t sets = 0;
  std::vector<OutputCheck> outputs;
  bool ok() const;
};

// Throws Error: kUsage for bad test data, kNoRuntime when ONNX Runtime is missing, kVerifyMismatch
// when it cannot load or run the model.
VerifyReport verify(const VerifyOptions& options);

// Finds ONNX Runtime as verify would and returns its description (for --verify, before converting).
// Throws Error(kNoRuntime).
std::string probeOrtRuntime();

// One line per output, then a verdict line.
std::string formatReport(const VerifyReport& report, const VerifyOptions& options);

}  // namespace pt2onnx
