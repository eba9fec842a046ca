// Public API of pt2onnx: conversion options, the convert() entry point, exit codes and spec parsing.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pt2onnx {

// Process exit codes; each class of failure has its own, documented in the README.
enum class ExitCode : int {
  kOk = 0,
  kInternal = 1,         // a bug in pt2onnx (checker rejected our output, unexpected exception)
  kUsage = 2,            // bad flags or specs, inputs that do not fit forward(), opset out of range
  kModelInput = 3,       // the model file is missing, unreadable or not a TorchScript archive
  kOutputWrite = 4,      // the output file cannot be written
  kUnsupported = 5,      // operators with no converter at the chosen opset
  kConversion = 6,       // converters reported problems (every one is listed)
  kModelRun = 7,         // the model failed when run on the example inputs
  kModelFormat = 8,      // the model file is another kind of file (ONNX, a torch.save pickle, TorchScript mobile)
  kMissingOps = 9,       // the archive calls operators this build does not have (a library to load, a newer LibTorch)
  kVerifyMismatch = 10,  // verify: ONNX Runtime's outputs differ from the test data, or it cannot run the model
  kNoRuntime = 11,       // verify: neither onnxruntime-node nor the onnxruntime Python package was found
  kLibrary = 12,         // a --load-library file is missing or cannot be loaded
};

// An error that ends the run with a one-line message and a given exit code.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// Element types accepted on the command line, by their spelling there.
enum class InputDType { kFloat32, kFloat16, kFloat64, kInt64, kInt32, kInt8, kUInt8, kBool };

// One --input: `PATH[=NAME][:DIMS[:DTYPE]]`. PATH is the name for a plain argument, or an
// argument name and the element inside it (`xs.0`, `feats.image`, `pair.1.0`) for a list, tuple
// or dict argument; NAME renames the ONNX input.
struct InputSpec {
  std::string name;           // ONNX input name (empty: derived from the path when the argument is bound)
  std::string path;           // as written before '=' or ':'
  std::vector<int64_t> dims;  // empty for a 0-d ("scalar") input
  InputDType dtype = InputDType::kFloat32;
  bool has_dims = true;   // false: `--input NAME` alone, dims come from --input-data
  bool has_dtype = true;  // false: no DTYPE given (float32 unless --input-data says otherwise)
  bool renamed = false;   // NAME given after '='; else list elements get PATH_0-style names, dict entries their key
};

// --input-data NAME=FILE: example values for an input (NAME is its ONNX name or its PATH).
struct InputData {
  std::string name;
  std::string file;
};

// --const NAME=VALUE: a forward() argument baked into the model (int, float, bool, None, a
// comma-separated int list, or a string).
struct ConstArg {
  std::string name;
  std::string value;
};

struct DynamicAxis {
  int64_t axis = 0;
  std::string label;  // dim_param written to the ONNX model
};

struct DynamicAxesSpec {
  std::string tensor;  // input or output name
  std::vector<DynamicAxis> axes;
};

// Told about the pipeline as it runs: --json's phase timings and the progress display.
class Observer {
 public:
  virtual ~Observer() = default;
  // A phase of the pipeline ended (load, freeze and clean-up passes, example runs, ..., write).
  virtual void phaseDone(const std::string& /*phase*/, double /*seconds*/) {}
  // During the write phase: bytes of the model (and its external data file) written so far, of
  // `total`; from (0, total) to (total, total), every few megabytes.
  virtual void written(uint64_t /*bytes*/, uint64_t /*total*/) {}
};

// The opset converted to without --opset: the one most runtimes take.
constexpr int kDefaultOpset = 17;

struct Options {
  std::string model_path;
  std::string output_path;  // empty: model path with the .onnx extension
  std::vector<InputSpec> inputs;
  std::vector<InputData> input_data;
  std::vector<ConstArg> consts;
  std::string method = "forward";
  std::vector<std::string> output_names;
  std::vector<DynamicAxesSpec> dynamic_axes;
  int opset = kDefaultOpset;
  bool check = true;             // run the ONNX checker and strict shape inference on the result
  bool optimize = true;          // simplify the ONNX graph before writing it (--no-optimize: off)
  bool int32 = false;            // --int32: INT64 index and shape values become INT32 where the spec allows
  bool float32_weights = false;  // --float32-weights: a float16 model's weights stay widened in the file
  // --default-dtype float64: torch.set_default_dtype(torch.float64) for the run, as the model was
  // made (true division of integer tensors, factories without a dtype, tensors of Python floats).
  bool default_float64 = false;
  std::vector<std::string> libraries;  // --load-library: operator libraries loaded before the archive
  std::vector<std::string> fallback;   // --fallback: namespaces whose unconverted operators become custom-domain nodes
  // Set by the pipeline, not a flag: the archive's float16 weights were widened to float32
  // (widenHalfModel), so float16 inputs are cast to float32 on entry.
  bool widened_float16 = false;
  // --test-data DIR: the example inputs and LibTorch's outputs as TensorProto files in the model
  // zoo's layout (DIR/test_data_set_N/input_K.pb, output_K.pb); empty: none.
  std::string test_data_dir;
  Observer* observer = nullptr;  // not owned; may be null
};

// An ONNX input or output: dims are numbers, dim_params, or "?" for a dim with neither.
struct TensorInfo {
  std::string name;
  std::string dtype;  // float32, int64, ... ("?" when the model does not say)
  std::vector<std::string> dims;
};

// What --int32 changed, and the INT64 values left by why (an operator parameter typed INT64 only
// by the spec, as Op.param, or the reason a group of values could not change).
struct Int32Summary {
  size_t values_retyped = 0;
  size_t casts_to_int32 = 0;
  size_t casts_to_int64 = 0;
  std::vector<std::pair<std::string, size_t>> stay_int64;
};

struct Summary {
  std::string output_path;
  int opset = 0;
  size_t nodes = 0;
  size_t nodes_before_optimize = 0;  // as converted, before the optimize stage (equal to nodes without it)
  size_t initializers = 0;
  uint64_t weight_bytes = 0;
  double seconds = 0;
  std::vector<TensorInfo> inputs, outputs;
  size_t test_data_sets = 0;  // test_data_set_N directories written under options.test_data_dir
  Int32Summary int32;         // all zero without --int32
};

constexpr int kMinOpset = 9;
// The highest --opset this build accepts: the ONNX library's last opset, up to 22 (17 when built
// against ONNX 1.12, Debian 12; 22 against ONNX 1.17, Debian 13).
int maxOpset();
// Why an opset above maxOpset() is refused: names the range and, when a newer ONNX would take
// it, which build accepts it.
std::string opsetRangeError(int opset);

// Parsers for the command-line specs; each throws Error(kUsage) naming the flag on bad text.
InputSpec parseInputSpec(const std::string& text);
InputData parseInputData(const std::string& text);
ConstArg parseConstArg(const std::string& text);
DynamicAxesSpec parseDynamicAxesSpec(const std::string& text);
std::vector<std::string> parseNameList(const std::string& text);
std::string parseFallbackNamespace(const std::string& text);  // an identifier, or "all"
std::string inputDTypeName(InputDType dtype);

// Makes SIGINT, SIGTERM and SIGHUP remove the temporary output file of a run in progress and end
// the process with 128 + the signal number (130, 143, 129). Signals the parent ignored stay ignored.
// SIGXFSZ is ignored, so a file size limit is a write error like a full disk. SIGBUS (the model
// file, whose weights are read from a mapping of it, cut short during the run) removes them too
// and ends the run with ExitCode::kModelInput and one line saying so.
void installSignalCleanup();

// Runs the whole pipeline. Throws Error on every failure; writes nothing unless it succeeds.
Summary convert(const Options& options);

// One row per registered converter: operator kind and the lowest opset it supports.
struct OperatorEntry {
  std::string kind;
  int since_opset;
};
std::vector<OperatorEntry> supportedOperators();

}  // namespace pt2onnx
