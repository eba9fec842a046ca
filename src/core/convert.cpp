// The conversion pipeline, one call per stage: resolve inputs, load and prepare, record, fold,
// check operators, convert, declare outputs, check, optimize, write.
#include "core/convert.h"

#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>

#include "core/context.h"
#include "core/context_impl.h"
#include "core/diagnostics.h"
#include "core/registry.h"
#include "core/stages.h"
#include "frontend/frontend.h"
#include "frontend/inputs.h"
#include "io/atomic_file.h"
#include "onnx/describe.h"
#include "onnx/weights.h"
#include "onnx/writer.h"
#include "optimize/optimize.h"

namespace pt2onnx {
namespace {

std::string defaultOutputPath(const std::string& model_path) {
  std::filesystem::path p(model_path);
  p.replace_extension(".onnx");
  return p.string();
}

// Refuses an output path that would replace a file the run reads: the model or an --input-data
// file, by its own name or through a symbolic or hard link (same device and inode).
void checkNotAnInput(const std::string& out_path, const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& written : {out_path, out_path + ".data"}) {
    if (fs::equivalent(written, options.model_path, ec))
      throw Error(ExitCode::kOutputWrite, "output path '" + written + "' is the model file '" + options.model_path +
                                              "' itself" + (written == options.model_path ? "" : " (through a link)") +
                                              "; writing it would destroy the model: choose another -o");
    for (const auto& data : options.input_data)
      if (fs::equivalent(written, data.file, ec))
        throw Error(ExitCode::kOutputWrite, "output path '" + written + "' is the --input-data file '" + data.file +
                                                "'; writing it would destroy the file: choose another -o");
  }
}

void checkOutputWritable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  if (fs::is_directory(p, ec))
    throw Error(ExitCode::kOutputWrite, "output path '" + path + "' is a directory; give a file name with -o");
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw Error(ExitCode::kOutputWrite, "cannot write '" + path + "': directory '" + dir.string() + "' does not exist");
  if (access(dir.c_str(), W_OK) != 0)
    throw Error(ExitCode::kOutputWrite, "cannot write '" + path + "': directory '" + dir.string() +
                                            "' is not writable (" + describeWriteError(errno) + ")");
}

// Logs the time since the previous phase (with -v) and tells the observer.
class PhaseTimer {
 public:
  explicit PhaseTimer(Observer* observer) : observer_(observer) {}
  void done(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last_).count();
    spdlog::debug("{}: {:.2f} s", phase, seconds);
    if (observer_) observer_->phaseDone(phase, seconds);
    last_ = now;
  }
  // Starts the next phase now (after stages that time their own phases).
  void restart() { last_ = std::chrono::steady_clock::now(); }

 private:
  Observer* observer_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Each custom domain the fallback emitter used gets an opset_import entry (version 1), and stderr
// says how many nodes of which operators went there.
void declareFallbackDomains(const std::map<std::string, size_t>& counts, onnx::ModelProto& model) {
  if (counts.empty()) return;
  std::set<std::string> domains;
  size_t total = 0;
  std::string list;
  for (const auto& [kind, n] : counts) {
    domains.insert(kind.substr(0, kind.find("::")));
    total += n;
    list += (list.empty() ? "" : ", ") + kind + " (" + std::to_string(n) + "x)";
  }
  for (const auto& domain : domains) {
    auto* entry = model.add_opset_import();
    entry->set_domain(domain);
    entry->set_version(1);
  }
  std::string names;
  for (const auto& d : domains) names += (names.empty() ? "" : ", ") + d;
  spdlog::warn(
      "--fallback: {} node{} with no converter emitted in custom domain{} {} (the runtime needs a custom "
      "operator for each): {}",
      total, total == 1 ? "" : "s", domains.size() == 1 ? "" : "s", names, list);
}

// The optimize stage: simplification, --int32 and float16 storage, each as the options ask.
void optimizeStage(onnx::ModelProto& model, Weights& weights, const Options& options, bool narrow, Summary& summary) {
  if (options.optimize) {
    const OptimizeReport report = optimizeModel(model, weights);
    for (const auto& [pass, n] : report.removed) spdlog::debug("optimize: {}: {}", pass, n);
    spdlog::debug("optimize: {} nodes before, {} after", report.nodes_before, report.nodes_after);
  }
  if (options.int32) {
    const Int32Report report = retypeToInt32(model, weights);
    summary.int32 = {report.values_retyped,
                     report.casts_to_int32,
                     report.casts_to_int64,
                     {report.stay_int64.begin(), report.stay_int64.end()}};
    spdlog::debug("int32: {} values retyped ({} initializers), {} Casts to INT32, {} to INT64", report.values_retyped,
                  report.initializers_converted, report.casts_to_int32, report.casts_to_int64);
    for (const auto& [why, n] : report.stay_int64) spdlog::debug("int32: stays INT64: {}: {}", why, n);
  }
  if (narrow) {
    const HalfWeightsReport report = storeHalfWeights(model, weights);
    if (report.float16 + report.bfloat16)
      spdlog::info(
          "{} weights stored as the archive held them ({} float16, {} bfloat16; {} smaller), each behind "
          "a Cast to float32{}",
          report.float16 + report.bfloat16, report.float16, report.bfloat16,
          report.bytes_saved >= 1000000 ? fmt::format("{:.1f} MB", report.bytes_saved / 1e6)
                                        : fmt::format("{:.1f} kB", report.bytes_saved / 1e3),
          report.kept_float32 ? fmt::format("; {} computed in float32 stay float32", report.kept_float32)
                              : std::string());
  }
  if ((options.optimize || options.int32 || narrow) && options.check) checkModel(model);
}

// Load, convert, optimize and write, once the paths are checked. `weight_check` goes on while the
// output is written and is waited for before the output is put in place.
Summary convertChecked(const Options& options, const std::string& out_path, WeightCheck& weight_check) {
  PhaseTimer timer(options.observer);
  loadLibraries(options.libraries);
  torch::jit::Module module = loadCheckedModule(options.model_path, options.method);
  timer.done("load");
  Options resolved = options;
  if (resolved.inputs.empty() && resolved.input_data.empty())
    resolved.inputs = storedInputSpecs(module, options.model_path);
  resolved.widened_float16 = widenHalfModel(module);
  auto graph = prepareGraph(module, options.method);
  timer.done("freeze and clean-up passes");
  const c10::FunctionSchema schema = module.get_method(options.method).function().getSchema();
  std::vector<TestDataSet> test_data;
  Weights weights;
  onnx::ModelProto model = convertGraph(graph, module._ivalue(), resolved, &schema,
                                        options.test_data_dir.empty() ? nullptr : &test_data, &weights);
  model.mutable_graph()->set_name(std::filesystem::path(options.model_path).stem().string());
  // The initializers' tensors are all the model still needs from LibTorch.
  graph.reset();
  module = torch::jit::Module();
  timer.restart();

  Summary summary;
  summary.nodes_before_optimize = model.graph().node_size();
  const bool narrow = resolved.widened_float16 && !options.float32_weights;
  optimizeStage(model, weights, options, narrow, summary);
  if (options.optimize || options.int32 || narrow) timer.done("optimize");
  summary.output_path = out_path;
  summary.opset = options.opset;
  summary.nodes = model.graph().node_size();
  summary.initializers = model.graph().initializer_size();
  for (const auto& init : model.graph().initializer()) summary.weight_bytes += weights.bytes(init);
  for (const auto& in : model.graph().input()) summary.inputs.push_back(tensorInfo(in));
  for (const auto& out : model.graph().output()) summary.outputs.push_back(tensorInfo(out));
  WriteProgress progress;
  if (options.observer)
    progress = [&options](uint64_t bytes, uint64_t total) { options.observer->written(bytes, total); };
  writeModel(model, out_path, /*force_external_data=*/false, &weights, progress, [&] {
    const auto start = std::chrono::steady_clock::now();
    weight_check.wait();
    spdlog::debug("write: {:.2f} s of it waiting for the weight checksums",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  });
  timer.done("write");
  if (!options.test_data_dir.empty()) {
    writeTestData(options.test_data_dir, test_data);
    summary.test_data_sets = test_data.size();
    timer.done("test data");
  }
  return summary;
}

}  // namespace

Summary convert(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.opset < kMinOpset || options.opset > maxOpset())
    throw Error(ExitCode::kUsage, opsetRangeError(options.opset));
  const std::string out_path =
      options.output_path.empty() ? defaultOutputPath(options.model_path) : options.output_path;
  WeightCheck weight_check = startModelFileCheck(options.model_path);
  checkNotAnInput(out_path, options);
  checkOutputWritable(out_path);
  if (!options.test_data_dir.empty()) checkTestDataDir(options.test_data_dir);
  // torch.set_default_dtype as the model was made, for this conversion only.
  struct DefaultDtype {
    caffe2::TypeMeta before = at::get_default_dtype();
    explicit DefaultDtype(bool float64) {
      if (float64) c10::set_default_dtype(caffe2::TypeMeta::Make<double>());
    }
    ~DefaultDtype() { c10::set_default_dtype(before); }
  } default_dtype(options.default_float64);
  Summary summary;
  try {
    summary = convertChecked(options, out_path, weight_check);
  } catch (const Error&) {
    weight_check.wait();  // a damaged weight explains a failure better than what it caused
    throw;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

onnx::ModelProto convertGraph(std::shared_ptr<torch::jit::Graph> graph, const c10::IValue& self, const Options& options,
                              const c10::FunctionSchema* schema, std::vector<TestDataSet>* test_data,
                              Weights* weights) {
  PhaseTimer timer(options.observer);
  Weights own_weights;
  Weights& store = weights ? *weights : own_weights;
  if (options.inputs.empty() && options.input_data.empty() && !forwardInputs(*graph).empty()) {
    std::string names;
    for (const auto* v : forwardInputs(*graph)) names += (names.empty() ? "" : ", ") + v->debugName();
    throw Error(ExitCode::kUsage,
                "the model stores no example input shapes; add one --input NAME:DIMS[:DTYPE] per "
                "input of " +
                    options.method + "() (" + names + "), e.g. --input input:1x3x224x224");
  }
  BoundInputs bound = bindInputs(graph, schema, options);
  for (const auto& note : bound.notes) spdlog::debug("{}", note);
  InputAxes axes = dynamicInputAxes(bound.inputs, options.dynamic_axes);
  std::vector<DynamicInputAxis> input_axes;
  for (size_t i = 0; i < axes.labels.size(); ++i)
    for (const auto& [axis, label] : axes.labels[i]) input_axes.push_back({label, i, axis});

  // Test data holds what every run computed: then the runs compute in full.
  const bool on_meta = test_data == nullptr;
  ExampleRuns runs = runExamples(graph, self, bound.inputs, input_axes, on_meta);
  timer.done("example runs");
  foldGraph(graph, runs);
  // Folding inlines branches; list and view writes that were inside them can go now. Unrolling a
  // loop brings the sizes of the loops it held into reach of folding: up to three levels more.
  bool lists = unrollListLoops(graph);
  for (int level = 0; level < 3 && lists; ++level) {
    runs = runExamples(graph, self, bound.inputs, input_axes, on_meta);
    foldGraph(graph, runs);
    if (!unrollListLoops(graph)) {
      lists = false;
      break;
    }
  }
  const bool appends = carryListAppends(graph) > 0;  // in loops that were not unrolled
  const bool branch_lists = splitBranchLists(graph) > 0;
  const bool nested = padNestedTensors(graph) > 0;  // scripted encoders' fast path, now inlined
  if (lists | appends | branch_lists | nested | (functionalizeViewWrites(graph) > 0)) {  // new values: record again
    runs = runExamples(graph, self, bound.inputs, input_axes, on_meta);
    foldGraph(graph, runs);
  }
  timer.done("static folding");
  spdlog::debug("prepared graph:\n{}", graph->toString(false));

  checkSupported(*graph, options.opset, options.fallback);
  inferUnrecordedTypes(graph, bound.inputs, runs);

  onnx::ModelProto model = newModel(options.opset);
  onnx::GraphProto* out_graph = model.mutable_graph();
  Context ctx(options.opset, graph, runs.meta, out_graph, store);
  ctx.impl().fallback = options.fallback;
  for (const auto& n : options.output_names) ctx.impl().used_names.insert(n);
  declareInputs(ctx, *graph, bound.inputs, axes.labels, *out_graph);
  ctx.convertBlock(graph->block());
  timer.done("conversion");
  declareFallbackDomains(ctx.impl().fallback_counts, model);
  declareOutputs(ctx, *graph, {options, bound.inputs, input_axes, runs, axes.rest}, *out_graph);

  for (const auto& name : unusedInputs(*out_graph))
    spdlog::info("input '{}' does not reach any output; it stays an input of the ONNX model", name);
  if (size_t pruned = pruneUnusedInitializers(*out_graph)) {
    spdlog::debug("dropped {} unused constants", pruned);
    store.retainOnly(*out_graph);
  }
  adaptToOldOpset(model, options.opset, ctx.boundValues());
  fillOutputTypes(model);
  if (options.check) checkModel(model);
  timer.done("checker and shape inference");
  if (test_data) *test_data = testDataSets(runs, bound.inputs, model.graph());
  if (!weights) own_weights.embed(*out_graph);
  return model;
}

}  // namespace pt2onnx
