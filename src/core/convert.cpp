// The conversion pipeline: load, prepare, record, fold, check operators, convert, write.
#include "core/convert.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/shape_analysis.h>
#include <torch/script.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/context.h"
#include "core/context_impl.h"
#include "core/diagnostics.h"
#include "core/registry.h"
#include "frontend/frontend.h"
#include "onnx/dtype.h"
#include "onnx/writer.h"

namespace pt2onnx {
namespace {

std::string defaultOutputPath(const std::string& model_path) {
  std::filesystem::path p(model_path);
  p.replace_extension(".onnx");
  return p.string();
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
    throw Error(ExitCode::kOutputWrite,
                "cannot write '" + path + "': directory '" + dir.string() + "' is not writable");
}

// Every operator kind in every block with no converter at the opset, with count and first location.
void checkSupported(const torch::jit::Graph& graph, int opset) {
  struct Missing {
    size_t count = 0;
    std::string location;
    std::optional<int> lowest;
  };
  std::map<std::string, Missing> missing;
  std::function<void(const torch::jit::Block*)> walk = [&](const torch::jit::Block* block) {
    for (const auto* node : block->nodes()) {
      for (const auto* sub : node->blocks()) walk(sub);
      if (node->kind() == c10::prim::Constant) continue;
      std::string kind = node->kind().toQualString();
      if (registry().find(kind, opset)) continue;
      auto& m = missing[kind];
      if (m.count++ == 0) {
        m.location = sourceLocation(*node);
        m.lowest = registry().lowestOpset(kind);
      }
    }
  };
  walk(graph.block());
  if (missing.empty()) return;
  std::ostringstream msg;
  msg << missing.size() << " operator" << (missing.size() == 1 ? " has" : "s have") << " no converter at opset "
      << opset << "; nothing was written:";
  for (const auto& [kind, m] : missing) {
    msg << "\n  " << kind << " (" << m.count << "x";
    if (!m.location.empty()) msg << ", first at " << m.location;
    msg << ")";
    if (m.lowest) msg << ": needs opset " << *m.lowest << " or later; try --opset " << *m.lowest;
  }
  throw Error(ExitCode::kUnsupported, msg.str());
}

void setValueInfo(onnx::ValueInfoProto* vi, const std::string& name, DType dtype, const std::vector<int64_t>& dims,
                  const std::map<int64_t, std::string>& labels) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(toOnnx(dtype));
  auto* shape = tt->mutable_shape();
  for (size_t k = 0; k < dims.size(); ++k) {
    auto* dim = shape->add_dim();
    auto it = labels.find(static_cast<int64_t>(k));
    if (it != labels.end())
      dim->set_dim_param(it->second);
    else if (dims[k] >= 0)
      dim->set_dim_value(dims[k]);
  }
}

// Logs the time since the previous phase (with -v).
class PhaseTimer {
 public:
  void done(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    spdlog::debug("{}: {:.2f} s", phase, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Branches the example runs did not take have no recorded dtypes; LibTorch's type propagation from
// the input types fills in what it can (recorded values still take precedence).
void inferUnrecordedTypes(const std::shared_ptr<torch::jit::Graph>& graph,
                          const std::vector<torch::jit::Value*>& inputs, const std::vector<InputSpec>& specs) {
  bool has_blocks = false;
  for (const auto* node : graph->nodes()) has_blocks = has_blocks || !node->blocks().empty();
  if (!has_blocks) return;
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i]->setType(c10::TensorType::create(toTorch(fromInput(specs[i].dtype)), c10::kCPU,
                                               c10::SymbolicShape(specs[i].dims), c10::VaryingShape<c10::Stride>(),
                                               false));
  try {
    torch::jit::PropagateInputShapes(graph);
  } catch (const std::exception& e) {
    spdlog::debug("type propagation stopped: {}", firstLine(e.what()));
  }
}

}  // namespace

void Context::convertBlock(const torch::jit::Block* block) {
  for (const auto* node : block->nodes()) {
    if (node->kind() == c10::prim::Constant) continue;
    const std::string kind = node->kind().toQualString();
    const ConvertFn* fn = registry().find(kind, opset());
    if (!fn) throw InternalError("no converter for " + kind + " after the support check");
    const Node* saved = impl_->current;
    impl_->current = node;
    size_t before = impl_->diagnostics.size();
    const size_t depth = impl_->graphs.size();
    Status status;
    try {
      status = (*fn)(*this, *node);
    } catch (const PoisonedValue&) {
      status = Status::Fail("");
      before = impl_->diagnostics.size();  // a cascade of an earlier failure: not reported again
    } catch (const ConvertError& e) {
      status = fail(*node, e.what());
    } catch (const c10::Error& e) {
      status = fail(*node, firstLine(e.what_without_backtrace()));
    }
    impl_->current = saved;
    // A converter that failed inside a subgraph it opened leaves it open: close it.
    while (impl_->graphs.size() > depth) endSubgraph();
    if (status.ok) continue;
    if (impl_->diagnostics.size() == before && !status.message.empty()) fail(*node, status.message);
    for (const auto* out : node->outputs()) impl_->poisoned.insert(out);
  }
}

Summary convert(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.opset < kMinOpset || options.opset > kMaxOpset)
    throw Error(ExitCode::kUsage, "--opset " + std::to_string(options.opset) + " is not supported; use " +
                                      std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset));
  const std::string out_path =
      options.output_path.empty() ? defaultOutputPath(options.model_path) : options.output_path;
  checkOutputWritable(out_path);

  PhaseTimer timer;
  torch::jit::Module module = loadModule(options.model_path);
  timer.done("load");
  std::vector<InputSpec> specs = options.inputs;
  if (specs.empty()) specs = storedInputSpecs(module, options.model_path);
  auto graph = prepareGraph(module);
  timer.done("freeze and clean-up passes");
  Options resolved = options;
  resolved.inputs = specs;
  onnx::ModelProto model = convertGraph(graph, module._ivalue(), resolved);
  model.mutable_graph()->set_name(std::filesystem::path(options.model_path).stem().string());

  Summary summary;
  summary.output_path = out_path;
  summary.opset = options.opset;
  summary.nodes = model.graph().node_size();
  summary.initializers = model.graph().initializer_size();
  for (const auto& init : model.graph().initializer()) summary.weight_bytes += init.raw_data().size();
  writeModel(model, out_path);
  timer.done("write");
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

onnx::ModelProto convertGraph(std::shared_ptr<torch::jit::Graph> graph, const c10::IValue& self,
                              const Options& options) {
  const std::vector<InputSpec>& specs = options.inputs;
  PhaseTimer timer;
  auto inputs = forwardInputs(*graph);
  std::string arg_names;
  for (size_t i = 0; i < inputs.size(); ++i) arg_names += (i ? ", " : "") + inputs[i]->debugName();
  for (auto* v : inputs)
    if (v->type()->kind() != c10::TypeKind::TensorType)
      throw Error(ExitCode::kUsage, "forward() argument '" + v->debugName() + "' has type " + v->type()->str() +
                                        "; only tensor inputs can become ONNX inputs");
  if (specs.empty())
    throw Error(ExitCode::kUsage,
                "the model stores no example input shapes; add one --input NAME:DIMS[:DTYPE] "
                "per tensor input of forward() (" +
                    arg_names + "), e.g. --input input:1x3x224x224");
  if (specs.size() != inputs.size())
    throw Error(ExitCode::kUsage, "forward() takes " + std::to_string(inputs.size()) + " tensor input" +
                                      (inputs.size() == 1 ? "" : "s") + " (" + arg_names + ") but " +
                                      std::to_string(specs.size()) + " --input " +
                                      (specs.size() == 1 ? "was" : "were") + " given");

  // ---- names and dynamic axes ----
  std::set<std::string> names;
  for (const auto& s : specs)
    if (!names.insert(s.name).second) throw Error(ExitCode::kUsage, "--input name '" + s.name + "' is used twice");
  for (const auto& n : options.output_names)
    if (names.count(n)) throw Error(ExitCode::kUsage, "--output-names '" + n + "' is also an input name");
  std::map<std::string, std::map<int64_t, std::string>> axes_by_tensor;
  for (const auto& spec : options.dynamic_axes) {
    auto& labels = axes_by_tensor[spec.tensor];
    for (const auto& a : spec.axes) labels[a.axis] = a.label;
  }
  std::vector<std::map<int64_t, std::string>> input_labels(specs.size());
  std::vector<DynamicInputAxis> input_axes;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto it = axes_by_tensor.find(specs[i].name);
    if (it == axes_by_tensor.end()) continue;
    for (const auto& [axis, label] : it->second) {
      if (axis >= static_cast<int64_t>(specs[i].dims.size()))
        throw Error(ExitCode::kUsage, "--dynamic-axes " + specs[i].name + ":" + std::to_string(axis) + ": input '" +
                                          specs[i].name + "' has rank " + std::to_string(specs[i].dims.size()));
      input_axes.push_back({label, i, axis});
    }
    input_labels[i] = it->second;
    axes_by_tensor.erase(it);
  }

  // ---- run the model: dtypes, shapes, and which sizes follow the dynamic axes ----
  ExampleRuns runs = runExamples(graph, self, specs, input_axes);
  timer.done("example runs");
  const ValueMetaMap& meta = runs.meta;
  const auto& obs1 = runs.example;
  const auto& resized_obs = runs.resized;
  const auto& resized_dims = runs.resized_dims;
  auto dim_static = [&](const torch::jit::Value* v, int64_t dim) {
    auto it = meta.find(v->unique());
    if (it == meta.end()) return false;
    const auto& shape = it->second.shape;
    const auto rank = static_cast<int64_t>(shape.size());
    if (dim == kAllDims) return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
    if (dim < 0) dim += rank;
    return dim >= 0 && dim < rank && shape[dim] >= 0;
  };
  size_t folded = 0;
  // Each round can make more `is` checks decidable (branches fold, values merge).
  for (size_t round = 0, n = 1; round < 8 && n; ++round) folded += n = foldEnvironmentQueries(graph, obs1);
  folded += foldStaticValues(graph, staticValues(*graph, dim_static), obs1, resized_obs);
  if (size_t raises = removeExceptionPaths(graph))
    spdlog::debug("removed {} raise statements: the converted model assumes its input checks pass", raises);
  timer.done("static folding");
  spdlog::debug("folded {} values that depend only on fixed sizes", folded);
  spdlog::debug("prepared graph:\n{}", graph->toString(false));

  checkSupported(*graph, options.opset);
  inferUnrecordedTypes(graph, inputs, specs);

  // ---- convert ----
  onnx::ModelProto model;
  model.set_ir_version(irVersionForOpset(options.opset));
  model.set_producer_name("pt2onnx");
  model.set_producer_version(PT2ONNX_VERSION);
  auto* opset_import = model.add_opset_import();
  opset_import->set_domain("");
  opset_import->set_version(options.opset);
  onnx::GraphProto* out_graph = model.mutable_graph();
  out_graph->set_name("main");

  Context ctx(options.opset, graph, meta, out_graph);
  auto& impl = ctx.impl();
  for (const auto& s : specs) impl.used_names.insert(s.name);
  for (const auto& n : options.output_names) impl.used_names.insert(n);
  for (size_t i = 0; i < specs.size(); ++i) {
    setValueInfo(out_graph->add_input(), specs[i].name, fromInput(specs[i].dtype), specs[i].dims, input_labels[i]);
    ctx.bind(inputs[i], specs[i].name);
  }
  ctx.convertBlock(graph->block());
  timer.done("conversion");

  // ---- outputs ----
  std::vector<std::pair<std::string, const torch::jit::Value*>> outputs;  // internal name, value (if 1:1)
  std::vector<std::string> dict_keys;  // default output names when the model returns one dict
  // Tuples, lists and dicts flatten depth-first into one ONNX output per tensor.
  std::function<void(const torch::jit::Value*)> flatten = [&](const torch::jit::Value* v) {
    const torch::jit::Node* p = v->node();
    if (p->kind() == c10::prim::TupleConstruct || p->kind() == c10::prim::ListConstruct) {
      for (const auto* element : p->inputs()) flatten(element);
      return;
    }
    if (p->kind() == c10::prim::DictConstruct) {
      for (size_t k = 0; k + 1 < p->inputs().size(); k += 2) {
        auto key = torch::jit::toIValue(p->input(k));
        if (graph->outputs().size() == 1 && key && key->isString()) dict_keys.push_back(key->toStringRef());
        flatten(p->input(k + 1));
      }
      return;
    }
    if (ctx.isList(v) || v->type()->kind() == c10::TypeKind::TupleType) {
      for (const auto& n : ctx.tensorList(v)) outputs.emplace_back(n, nullptr);
      return;
    }
    outputs.emplace_back(ctx.tensor(v), v);
  };
  if (impl.diagnostics.empty()) {
    for (const auto* v : graph->outputs()) {
      try {
        flatten(v);
      } catch (const std::exception& e) {
        impl.diagnostics.push_back({"graph output", "", firstLine(e.what()), ""});
      }
    }
  }
  if (!impl.diagnostics.empty()) {
    size_t n = impl.diagnostics.size();
    throw Error(ExitCode::kConversion, std::to_string(n) + " operator" + (n == 1 ? "" : "s") +
                                           " could not be converted; nothing was written:\n" +
                                           formatDiagnostics(impl.diagnostics));
  }
  if (!options.output_names.empty() && options.output_names.size() != outputs.size())
    throw Error(ExitCode::kUsage, "--output-names gives " + std::to_string(options.output_names.size()) +
                                      " names but the model has " + std::to_string(outputs.size()) + " outputs");
  std::set<std::string> produced_here;
  for (const auto& node : out_graph->node())
    for (const auto& o : node.output()) produced_here.insert(o);
  std::set<std::string> renamed;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string name = !options.output_names.empty()        ? options.output_names[i]
                       : dict_keys.size() == outputs.size() ? dict_keys[i]
                       : outputs.size() == 1                ? std::string("output")
                                                            : "output_" + std::to_string(i);
    if (options.output_names.empty() && (names.count(name) || impl.used_names.count(name) && !renamed.count(name)))
      name = impl.freshName(name);
    names.insert(name);
    const std::string& internal = outputs[i].first;
    if (produced_here.count(internal) && !renamed.count(internal)) {
      renameValue(*out_graph, internal, name);
      renamed.insert(internal);
    } else {
      out_graph->add_node()->CopyFrom([&] {
        onnx::NodeProto n;
        n.set_op_type("Identity");
        n.set_name("Identity_output_" + std::to_string(i));
        n.add_input(internal);
        n.add_output(name);
        return n;
      }());
    }
    auto labels_it = axes_by_tensor.find(name);
    std::map<int64_t, std::string> labels;
    if (labels_it != axes_by_tensor.end()) {
      labels = labels_it->second;
      axes_by_tensor.erase(labels_it);
    }
    const torch::jit::Value* v = outputs[i].second;
    DType dtype = v ? ctx.dtype(v) : DType::kUndefined;
    std::vector<int64_t> dims;
    if (v && ctx.rank(v) >= 0) dims = ctx.shape(v);
    auto m = v ? meta.find(v->unique()) : meta.end();
    for (size_t k = 0; k < dims.size(); ++k) {
      auto given = labels.find(k);
      if (given != labels.end()) {
        if (dims[k] >= 0 && !runs.resized_runs.empty())
          spdlog::warn(
              "output '{}' axis {} is declared dynamic but stays {} when the input sizes change: the model "
              "(or its trace) fixes it",
              name, k, dims[k]);
        continue;
      }
      if (dims[k] >= 0 || m == meta.end()) continue;
      // An output dim that took the same size as an input's dynamic axis in every run shares its label.
      std::string label = name + "_dim" + std::to_string(k);
      for (const auto& axis : input_axes) {
        bool same = m->second.sizes[k] == specs[axis.input].dims[axis.axis];
        for (size_t r = 0; r < resized_dims.size() && same; ++r) {
          const auto& sizes = m->second.resized_sizes[r];
          same = k < sizes.size() && sizes[k] == resized_dims[r][axis.input][axis.axis];
        }
        if (same) {
          label = axis.label;
          break;
        }
      }
      labels[k] = label;
    }
    if (dtype == DType::kUndefined) {
      out_graph->add_output()->set_name(name);
    } else {
      setValueInfo(out_graph->add_output(), name, dtype, dims, labels);
    }
  }
  for (const auto& [tensor, labels] : axes_by_tensor)
    throw Error(ExitCode::kUsage,
                "--dynamic-axes names '" + tensor + "', which is neither an input nor an output name");

  if (size_t pruned = pruneUnusedInitializers(*out_graph)) spdlog::debug("dropped {} unused constants", pruned);
  if (options.check) checkModel(model);
  timer.done("checker and shape inference");
  return model;
}

}  // namespace pt2onnx
