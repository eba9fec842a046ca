// ONNX Runtime found at run time for verify: onnxruntime-node under Node.js, or the onnxruntime
// Python package, driven by a runner script that ships inside the binary.
#pragma once

#include <string>
#include <vector>

namespace pt2onnx {

extern const char* const kNodeRunner;    // src/tools/ort_runner.js
extern const char* const kPythonRunner;  // src/tools/ort_runner.py

struct OrtRuntime {
  std::string description;           // "onnxruntime-node 1.20.1 (node /usr/bin/node)"
  std::vector<std::string> command;  // interpreter and runner script; append MODEL DIR
  std::vector<std::string> env;      // NAME=VALUE set for the runner (NODE_PATH)
};

// Writes the runner scripts into `work_dir` and returns the first runtime that loads: Node.js
// (PT2ONNX_NODE or `node` on PATH, with onnxruntime-node from PT2ONNX_ORT_DIR, NODE_PATH or the
// global module directories), then Python (PT2ONNX_PYTHON or `python3` on PATH, and
// /usr/bin/python3). PT2ONNX_ORT_RUNTIME=node or python tries only that one. Throws
// Error(kNoRuntime) saying what was tried and how to install one.
OrtRuntime findOrtRuntime(const std::string& work_dir);

struct ProcessResult {
  int exit_code = -1;  // -1: could not start or killed by a signal
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (looked up on PATH) with the extra environment entries; waits for it.
ProcessResult runProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& work_dir);

}  // namespace pt2onnx
