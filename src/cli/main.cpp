// pt2onnx command line: flags (CLI11), logging (spdlog) and exit codes.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "pt2onnx/pt2onnx.h"

namespace {

int fail(pt2onnx::ExitCode code, const std::string& message) {
  std::fprintf(stderr, "pt2onnx: error: %s\n", message.c_str());
  return static_cast<int>(code);
}

// The operators converted at opset `upto` or lower, each with its opset range up to `upto`.
void printOperatorTable(int upto) {
  std::printf("| TorchScript operator | ONNX opsets |\n|---|---|\n");
  for (const auto& row : pt2onnx::supportedOperators())
    if (row.since_opset <= upto)
      std::printf("| `%s` | %d-%d |\n", row.kind.c_str(), std::max(row.since_opset, pt2onnx::kMinOpset), upto);
}

}  // namespace

static int run(int argc, char** argv) {
  CLI::App app{"pt2onnx: convert a TorchScript module (.pt) to a standard ONNX model", "pt2onnx"};
  pt2onnx::Options options;
  std::vector<std::string> input_specs, axes_specs, data_specs, const_specs, fallback;
  std::string output_names;
  bool verbose = false, quiet = false, list_ops = false, no_check = false, no_optimize = false;
  bool int32 = false;
  bool float32_weights = false;
  pt2onnx::cli::RunFlags run_flags;
  std::string inspect_file, dot_file, verify_model, verify_dir;

  app.add_option("MODEL", options.model_path, "TorchScript archive made by torch.jit.trace/script and saved");
  app.add_option("-o,--output", options.output_path, "ONNX file to write (default: MODEL with .onnx extension)");
  app.add_option("-i,--input", input_specs,
                 "NAME[:DIMS[:DTYPE]], one per input of forward(), in order (a later argument's name skips "
                 "optional ones); DIMS like 1x3x224x224, 0 allowed, or 'scalar'; DTYPE float32 (default), float16, "
                 "float64, int64, int32, int8, uint8, bool. List/tuple elements NAME.0, NAME.1 (ONNX inputs NAME_0, "
                 "NAME_1), dict entries NAME.KEY (ONNX input KEY); PATH=ONNXNAME renames. Python int/float/bool "
                 "arguments: NAME:scalar[:DTYPE]");
  app.add_option("--input-data", data_specs,
                 "NAME=FILE: example values for an input, a NumPy .npy or ONNX TensorProto .pb file (DIMS and "
                 "DTYPE then come from it). Inputs without data get made-up values: floats N(0,1), uint8 0-255, "
                 "bool 0/1, other integers 0-9, Python ints 1-9");
  app.add_option("--const", const_specs,
                 "NAME=VALUE: bake a forward() argument (int, float, true/false, None, a,b,c int list, string)");
  app.add_option("--method", options.method, "the module method to convert")->capture_default_str();
  app.add_option("--output-names", output_names, "A,B,...: ONNX output names, in the order of the flattened outputs");
  app.add_option("--dynamic-axes", axes_specs,
                 "NAME:AXIS=LABEL[,AXIS=LABEL...] for an input or output; repeatable; a bare AXIS gets a generated "
                 "label");
  const std::string opset_help = "target ONNX opset (" + std::to_string(pt2onnx::kMinOpset) + " to " +
                                 std::to_string(pt2onnx::maxOpset()) + " in this build)";
  auto* opset_flag = app.add_option("--opset", options.opset, opset_help)->capture_default_str();
  app.add_option("--load-library", options.libraries,
                 "PATH: a shared library that registers custom TorchScript operators, loaded before the model "
                 "(as torch.ops.load_library); repeatable");
  app.add_option("--fallback", fallback,
                 "NAMESPACE: operators of this namespace (aten, my_ops, ...; 'all' for every one) that have no "
                 "converter become nodes in the custom ONNX domain NAMESPACE, constant arguments as attributes; "
                 "repeatable. Off by default");
  app.add_flag("-v,--verbose", verbose, "more logging");
  app.add_flag("-q,--quiet", quiet, "errors only");
  app.add_flag("--list-ops", list_ops,
               "print the supported operators as a Markdown table and exit (with --opset N: those converted at N "
               "or lower, ranges up to N)");
  app.add_flag("--no-check", no_check, "skip the ONNX checker and shape inference");
  app.add_flag("--no-optimize", no_optimize,
               "write the graph as converted, without folding constants and removing identities, dead and "
               "repeated nodes");
  app.add_flag("--int32", int32,
               "for TensorRT: INT64 index and shape values become INT32 wherever the ONNX operators allow it, with a "
               "Cast around parameters the spec types INT64 only (Shape, Reshape's shape, ...); the model's inputs "
               "and outputs keep their types");
  app.add_flag("--float32-weights", float32_weights,
               "a model saved with float16/bfloat16 weights is converted in float32; keep its weights float32 in the "
               "file too (by default each weight that float16 or bfloat16 holds exactly is stored so, behind a Cast)");
  std::string default_dtype = "float32";
  app.add_option("--default-dtype", default_dtype,
                 "float32|float64: the dtype torch.set_default_dtype gave when the model was made, which its code "
                 "follows wherever it names none (x / y of integer tensors, torch.zeros(n), torch.tensor(0.5)); "
                 "torch.jit.load runs a model with float32")
      ->check(CLI::IsMember({"float32", "float64"}))
      ->capture_default_str();
  app.add_option("--test-data", options.test_data_dir,
                 "DIR: write the example inputs and LibTorch's outputs as ONNX TensorProto files, "
                 "DIR/test_data_set_N/input_K.pb and output_K.pb (set 0 at the example dims, then the resized runs)");
  app.add_flag("--verify", run_flags.verify,
               "after writing, run the test data in ONNX Runtime and compare with LibTorch (exit 10 when outside "
               "the tolerance)");
  app.add_option("--rtol", run_flags.rtol, "verify: relative tolerance")->capture_default_str();
  app.add_option("--atol", run_flags.atol, "verify: absolute tolerance")->capture_default_str();
  app.add_flag("--json", run_flags.json, "print a machine-readable summary on stdout (conversion, inspect, verify)");
  // Subcommands take their positionals; every other flag falls through to the ones above.
  auto* inspect = app.add_subcommand("inspect", "inputs, outputs, operators and parameters of a .pt or .onnx file");
  inspect->fallthrough();
  inspect->add_option("FILE", inspect_file, "a TorchScript archive or an ONNX model")->required();
  inspect->add_option("--dot", dot_file, "write the (converted) ONNX graph to this file for Graphviz");
  auto* verify_cmd = app.add_subcommand("verify", "run test data (from --test-data) in ONNX Runtime and compare");
  verify_cmd->fallthrough();
  verify_cmd->add_option("MODEL", verify_model, "the ONNX model")->required();
  verify_cmd->add_option("DIR", verify_dir, "the directory holding test_data_set_0, test_data_set_1, ...")->required();
  app.set_version_flag("--version", std::string("pt2onnx ") + PT2ONNX_VERSION);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << "pt2onnx " << PT2ONNX_VERSION << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    // --json anywhere on the command line still asks for the summary, even when parsing stopped
    // before reaching it.
    const pt2onnx::Error error(pt2onnx::ExitCode::kUsage, std::string(e.what()) + " (run pt2onnx --help)");
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]) == "--json") {
        pt2onnx::cli::printJsonFailure(options, error);
        break;
      }
    return fail(error.code(), error.what());
  }

  auto logger = spdlog::stderr_logger_st("pt2onnx");
  logger->set_pattern("%n: %l: %v");
  const auto level = quiet ? spdlog::level::err : verbose ? spdlog::level::debug : spdlog::level::info;
  logger->sinks().front()->set_level(level);  // stderr
  // --json lists warnings even with -q; the progress line is cleared before each log line.
  auto run_log = std::make_shared<pt2onnx::cli::RunLog>();
  run_log->progress = !quiet && !verbose && isatty(STDERR_FILENO);
  logger->sinks().insert(logger->sinks().begin(), run_log);
  spdlog::set_default_logger(logger);
  spdlog::set_level(std::min(level, spdlog::level::warn));

  if (list_ops) {
    if (opset_flag->count() == 0) options.opset = pt2onnx::maxOpset();
    if (options.opset < pt2onnx::kMinOpset || options.opset > pt2onnx::maxOpset())
      return fail(pt2onnx::ExitCode::kUsage, pt2onnx::opsetRangeError(options.opset));
    printOperatorTable(options.opset);
    return 0;
  }
  if (verify_cmd->parsed()) return pt2onnx::cli::verifyCommand(verify_model, verify_dir, run_flags);
  if (!inspect->parsed() && options.model_path.empty()) {
    const pt2onnx::Error error(pt2onnx::ExitCode::kUsage, "no MODEL given (run pt2onnx --help)");
    if (run_flags.json) pt2onnx::cli::printJsonFailure(options, error);
    return fail(error.code(), error.what());
  }
  pt2onnx::installSignalCleanup();
  options.check = !no_check;
  options.optimize = !no_optimize;
  options.int32 = int32;
  options.float32_weights = float32_weights;
  options.default_float64 = default_dtype == "float64";
  try {
    for (const auto& s : input_specs) options.inputs.push_back(pt2onnx::parseInputSpec(s));
    for (const auto& s : data_specs) options.input_data.push_back(pt2onnx::parseInputData(s));
    for (const auto& s : const_specs) options.consts.push_back(pt2onnx::parseConstArg(s));
    for (const auto& s : axes_specs) options.dynamic_axes.push_back(pt2onnx::parseDynamicAxesSpec(s));
    if (!output_names.empty()) options.output_names = pt2onnx::parseNameList(output_names);
    for (const auto& ns : fallback) options.fallback.push_back(pt2onnx::parseFallbackNamespace(ns));
  } catch (const pt2onnx::Error& e) {
    if (run_flags.json) pt2onnx::cli::printJsonFailure(options, e);
    return fail(e.code(), e.what());
  }
  if (inspect->parsed()) return pt2onnx::cli::inspectCommand(inspect_file, options, run_flags.json, dot_file);
  return pt2onnx::cli::convertCommand(options, run_flags, *run_log);
}

// The process ends without running static destructors: taking LibTorch's operator registry and the
// libraries' globals apart costs about 50 ms, and nothing is left to do by then (every file this run
// writes is closed and renamed when run() returns; stdio is flushed here). Sanitizer builds return
// normally, so that their leak check runs.
int main(int argc, char** argv) {
  const int code = run(argc, argv);
#ifndef PT2ONNX_SANITIZED
  std::fflush(nullptr);
  std::_Exit(code);
#endif
  return code;
}
