// inspect: loads an ONNX model or a TorchScript archive and summarizes its interface and contents.
#include "tools/inspect.h"

#include <torch/script.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "core/convert.h"
#include "core/diagnostics.h"
#include "core/stages.h"
#include "frontend/frontend.h"
#include "onnx/describe.h"
#include "onnx/weights.h"
#include "onnx/writer.h"
#include "optimize/optimize.h"

namespace pt2onnx {
namespace {

OnnxSummary summarize(const onnx::ModelProto& model) {
  OnnxSummary s;
  s.ir_version = model.ir_version();
  for (const auto& op : model.opset_import()) s.opsets[op.domain() == "ai.onnx" ? "" : op.domain()] = op.version();
  s.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  std::set<std::string> initializers;
  for (const auto& init : model.graph().initializer()) initializers.insert(init.name());
  // Models of IR version < 4 list initializers among the inputs as well.
  for (const auto& in : model.graph().input())
    if (!initializers.count(in.name())) s.inputs.push_back(tensorInfo(in));
  for (const auto& out : model.graph().output()) s.outputs.push_back(tensorInfo(out));
  const GraphStats stats = graphStats(model.graph());
  s.operators = stats.operators;
  s.nodes = stats.nodes;
  s.initializers = stats.initializers;
  s.parameters = stats.parameters;
  s.parameter_bytes = stats.parameter_bytes;
  return s;
}

bool looksLikeZip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string(magic, 4) == std::string("PK\x03\x04", 4);
}

void inspectOnnx(const std::string& path, InspectReport& r) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ExitCode::kModelInput, "'" + path + "' cannot be read (check that it exists and its permissions)");
  if (!r.model.ParseFromIstream(&in) || r.model.graph().node_size() == 0 && r.model.opset_import_size() == 0)
    throw Error(ExitCode::kModelInput,
                "'" + path + "' is neither a TorchScript archive (.pt) nor an ONNX model (.onnx)");
  r.has_onnx = true;
  r.onnx = summarize(r.model);
}

void countTorchOperators(const torch::jit::Block* block, std::map<std::string, size_t>& out) {
  for (const auto* node : block->nodes()) {
    for (const auto* sub : node->blocks()) countTorchOperators(sub, out);
    if (node->kind() != c10::prim::Constant) ++out[node->kind().toQualString()];
  }
}

void addUnsupported(const torch::jit::Graph& graph, int opset, InspectReport& r) {
  for (const auto& m : missingOperators(graph, opset))
    r.unsupported.push_back({m.kind, m.count, m.location, m.lowest_opset});
}

void inspectTorchScript(const std::string& path, const Options& options, InspectReport& r) {
  r.torchscript = true;
  r.method = options.method;
  r.opset = options.opset;
  if (options.opset < kMinOpset || options.opset > maxOpset())
    throw Error(ExitCode::kUsage, opsetRangeError(options.opset));
  torch::jit::Module module = loadModule(path, options.method);
  for (const auto& p : module.named_parameters(true)) {
    ++r.parameter_tensors;
    r.parameters += p.value.numel();
    r.parameter_bytes += p.value.nbytes();
  }
  for (const auto& b : module.named_buffers(true)) {
    ++r.parameter_tensors;
    r.parameters += b.value.numel();
    r.parameter_bytes += b.value.nbytes();
  }
  Options resolved = options;
  if (resolved.inputs.empty() && resolved.input_data.empty()) resolved.inputs = storedInputSpecs(module, path);
  const c10::FunctionSchema schema = module.get_method(options.method).function().getSchema();
  // Example dims shown beside each argument: the --input naming it, else the one in its position.
  std::set<std::string> names;
  for (const auto& arg : schema.arguments()) names.insert(arg.name());
  for (size_t i = 1; i < schema.arguments().size(); ++i) {  // 0 is self
    const auto& arg = schema.arguments()[i];
    TensorInfo info{arg.name(), arg.type()->annotation_str(), {}};
    const InputSpec* spec = nullptr;
    for (const auto& s : resolved.inputs)
      if (s.path == arg.name()) spec = &s;
    if (!spec && i - 1 < resolved.inputs.size() && !names.count(resolved.inputs[i - 1].path))
      spec = &resolved.inputs[i - 1];
    if (spec && spec->has_dims) {
      for (auto d : spec->dims) info.dims.push_back(std::to_string(d));
      if (spec->dims.empty()) info.dims.push_back("scalar");
    }
    r.arguments.push_back(info);
  }
  for (const auto& ret : schema.returns()) r.returns += (r.returns.empty() ? "" : ", ") + ret.type()->annotation_str();
  resolved.widened_float16 = widenHalfModel(module);
  auto graph = prepareGraph(module, options.method);
  countTorchOperators(graph->block(), r.torch_operators);
  if (resolved.inputs.empty() && resolved.input_data.empty()) {
    addUnsupported(*graph, options.opset, r);
    r.conversion_error = "no example input shapes: add --input NAME:DIMS to convert it and see the ONNX graph";
    return;
  }
  try {
    // The graph as `pt2onnx FILE.pt` writes it: optimized (and retyped with --int32) unless told not to.
    Weights weights;
    r.model = convertGraph(graph, module._ivalue(), resolved, &schema, nullptr, &weights);
    if (options.optimize) optimizeModel(r.model, weights);
    if (options.int32) retypeToInt32(r.model, weights);
    if ((options.optimize || options.int32) && options.check) checkModel(r.model);
    weights.embed(*r.model.mutable_graph());
    r.model.mutable_graph()->set_name(std::filesystem::path(path).stem().string());
    r.converted = r.has_onnx = true;
    r.onnx = summarize(r.model);
    r.unsupported_after_folding = true;
  } catch (const Error& e) {
    if (e.code() == ExitCode::kUnsupported) {
      // convertGraph folded `graph` in place before its support check: this is the exact list.
      addUnsupported(*graph, options.opset, r);
      r.unsupported_after_folding = true;
      r.conversion_error = "operators with no converter at opset " + std::to_string(options.opset);
      return;
    }
    if (e.code() == ExitCode::kInternal) throw;
    addUnsupported(*graph, options.opset, r);
    r.conversion_error = firstLine(e.what());
  }
}

}  // namespace

InspectReport inspect(const std::string& file, const Options& options) {
  InspectReport r;
  r.file = file;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw Error(ExitCode::kModelInput, "'" + file + "' does not exist");
  if (std::filesystem::is_directory(file, ec))
    throw Error(ExitCode::kModelInput, "'" + file + "' is a directory; give a .pt or .onnx file");
  if (looksLikeZip(file))
    inspectTorchScript(file, options, r);
  else
    inspectOnnx(file, r);
  return r;
}

}  // namespace pt2onnx
