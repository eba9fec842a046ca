// ONNX Runtime linked into pt2onnx, where its C++ API is installed at build time (Debian 13's
// libonnxruntime-dev): verify runs the model in the same process, with no Node.js or Python.
#pragma once

#include <string>
#include <vector>

#include "io/test_data.h"

namespace pt2onnx {

// ONNX Runtime's version ("1.21.0") when this build links it; empty when it does not.
std::string inProcessOrtVersion();

// Runs the model on each set's inputs (fed by name) and returns each set's outputs, named, in the
// model's output order. Throws Error(kVerifyMismatch) when ONNX Runtime cannot load or run it.
std::vector<std::vector<NamedTensor>> runInProcess(const std::string& model, const std::vector<TestDataSet>& sets);

}  // namespace pt2onnx
