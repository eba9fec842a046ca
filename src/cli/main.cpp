// pt2onnx command line: flags (CLI11), logging (spdlog) and exit codes.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "pt2onnx/pt2onnx.h"

namespace {

int fail(pt2onnx::ExitCode code, const std::string& message) {
  std::fprintf(stderr, "pt2onnx: error: %s\n", message.c_str());
  return static_cast<int>(code);
}

void printOperatorTable() {
  std::printf("| TorchScript operator | ONNX opsets |\n|---|---|\n");
  for (const auto& row : pt2onnx::supportedOperators())
    std::printf("| `%s` | %d-%d |\n", row.kind.c_str(), std::max(row.since_opset, pt2onnx::kMinOpset),
                pt2onnx::kMaxOpset);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pt2onnx: convert a TorchScript module (.pt) to a standard ONNX model", "pt2onnx"};
  pt2onnx::Options options;
  std::vector<std::string> input_specs, axes_specs, data_specs, const_specs, fallback;
  std::string output_names;
  bool verbose = false, quiet = false, list_ops = false, no_check = false;

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
  app.add_option("--opset", options.opset, "target ONNX opset (11 to 17)")->capture_default_str();
  app.add_option("--load-library", options.libraries,
                 "PATH: a shared library that registers custom TorchScript operators, loaded before the model "
                 "(as torch.ops.load_library); repeatable");
  app.add_option("--fallback", fallback,
                 "NAMESPACE: operators of this namespace (aten, my_ops, ...; 'all' for every one) that have no "
                 "converter become nodes in the custom ONNX domain NAMESPACE, constant arguments as attributes; "
                 "repeatable. Off by default");
  app.add_flag("-v,--verbose", verbose, "more logging");
  app.add_flag("-q,--quiet", quiet, "errors only");
  app.add_flag("--list-ops", list_ops, "print the supported operators as a Markdown table and exit");
  app.add_flag("--no-check", no_check, "skip the ONNX checker and shape inference");
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
    return fail(pt2onnx::ExitCode::kUsage, std::string(e.what()) + " (run pt2onnx --help)");
  }

  auto logger = spdlog::stderr_logger_st("pt2onnx");
  logger->set_pattern("%n: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(quiet ? spdlog::level::err : verbose ? spdlog::level::debug : spdlog::level::info);

  if (list_ops) {
    printOperatorTable();
    return 0;
  }
  if (options.model_path.empty()) return fail(pt2onnx::ExitCode::kUsage, "no MODEL given (run pt2onnx --help)");
  pt2onnx::installSignalCleanup();
  options.check = !no_check;
  try {
    for (const auto& s : input_specs) options.inputs.push_back(pt2onnx::parseInputSpec(s));
    for (const auto& s : data_specs) options.input_data.push_back(pt2onnx::parseInputData(s));
    for (const auto& s : const_specs) options.consts.push_back(pt2onnx::parseConstArg(s));
    for (const auto& s : axes_specs) options.dynamic_axes.push_back(pt2onnx::parseDynamicAxesSpec(s));
    if (!output_names.empty()) options.output_names = pt2onnx::parseNameList(output_names);
    for (const auto& ns : fallback) options.fallback.push_back(pt2onnx::parseFallbackNamespace(ns));
    auto summary = pt2onnx::convert(options);
    spdlog::info("wrote {} (opset {}, {} nodes, {} initializers, {:.1f} MB of weights) in {:.2f} s",
                 summary.output_path, summary.opset, summary.nodes, summary.initializers, summary.weight_bytes / 1e6,
                 summary.seconds);
    return 0;
  } catch (const pt2onnx::Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::exception& e) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    return fail(pt2onnx::ExitCode::kInternal, "internal error, a bug in pt2onnx: " + what);
  }
}
