// The ONNX graph's interface: inputs declared from the bound arguments, outputs flattened from
// forward()'s result with names, dtypes and dim_params, and inputs that nothing reads.
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>

#include <functional>
#include <set>
#include <unordered_map>

#include "core/context.h"
#include "core/context_impl.h"
#include "core/stages.h"
#include "onnx/dtype.h"
#include "onnx/writer.h"

namespace pt2onnx {
namespace {

// A rank of -1 declares no shape.
void setValueInfo(onnx::ValueInfoProto* vi, const std::string& name, DType dtype, const std::vector<int64_t>& dims,
                  const std::map<int64_t, std::string>& labels, int64_t rank = 0) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(toOnnx(dtype));
  if (rank < 0) return;
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

// Output names as the user asked, by dict key, or output / output_K.
std::string outputName(const OutputContext& oc, const std::vector<std::string>& dict_keys, size_t i, size_t count) {
  if (!oc.options.output_names.empty()) return oc.options.output_names[i];
  if (dict_keys.size() == count) return dict_keys[i];
  return count == 1 ? std::string("output") : "output_" + std::to_string(i);
}

// The tensor that stands for an optional result's element when it is not None (a run may record
// the result itself as None or not at all): the paths that give it a tensor, if they agree on the
// rank. Null when none does.
const torch::jit::Value* optionalElement(Context& ctx, const torch::jit::Value* v, int depth = 0) {
  if (ctx.rank(v) >= 0 || depth > 8) return ctx.rank(v) >= 0 ? v : nullptr;
  const torch::jit::Node* p = v->node();
  std::vector<const torch::jit::Value*> sources;
  if (p->kind() == c10::prim::If) {
    for (const auto* b : p->blocks()) sources.push_back(b->outputs()[v->offset()]);
  } else if (p->kind() == c10::prim::Loop) {
    sources = {p->input(2 + v->offset()), p->blocks()[0]->outputs()[1 + v->offset()]};
  } else if (p->kind() == c10::prim::unchecked_cast) {
    sources = {p->input(0)};
  }
  const torch::jit::Value* found = nullptr;
  for (const auto* s : sources) {
    if (s->type()->kind() == c10::TypeKind::NoneType) continue;
    const torch::jit::Value* e = optionalElement(ctx, s, depth + 1);
    if (!e) continue;
    if (found && ctx.rank(found) != ctx.rank(e)) return nullptr;
    if (!found) found = e;
  }
  return found;
}

}  // namespace

onnx::ModelProto newModel(int opset) {
  onnx::ModelProto model;
  model.set_ir_version(irVersionForOpset(opset));
  model.set_producer_name("pt2onnx");
  model.set_producer_version(PT2ONNX_VERSION);
  auto* opset_import = model.add_opset_import();
  opset_import->set_domain("");
  opset_import->set_version(opset);
  model.mutable_graph()->set_name("main");
  return model;
}

void declareInputs(Context& ctx, torch::jit::Graph& graph, const std::vector<ExampleInput>& inputs,
                   const std::vector<std::map<int64_t, std::string>>& labels, onnx::GraphProto& out) {
  auto values = forwardInputs(graph);
  if (values.size() != inputs.size()) throw InternalError("bound inputs and graph inputs differ in number");
  for (const auto& in : inputs) ctx.impl().used_names.insert(in.name);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const DType dtype = fromInput(inputs[i].dtype);
    setValueInfo(out.add_input(), inputs[i].name, dtype, inputs[i].dims, labels[i]);
    // A Python number is an int64/float32/bool scalar to the converters, whatever the input's type.
    const DType inside = inputs[i].graph_dtype;
    if (inside != DType::kUndefined && inside != dtype)
      ctx.bind(values[i], ctx.cast(inputs[i].name, dtype, inside));
    else
      ctx.bind(values[i], inputs[i].name);
  }
}

void declareOutputs(Context& ctx, const torch::jit::Graph& graph, OutputContext oc, onnx::GraphProto& out) {
  auto& impl = ctx.impl();
  const auto& meta = oc.runs.meta;
  std::vector<std::pair<std::string, const torch::jit::Value*>> outputs;  // internal name, value (if 1:1)
  std::vector<std::string> dict_keys;  // default output names when the model returns one dict
  // Tuples, lists and dicts flatten depth-first into one ONNX output per tensor.
  size_t none_outputs = 0;            // None elements (unused Optional results): ONNX has no value for them
  std::set<size_t> optional_outputs;  // None on some paths: ONNX optionals
  size_t empty_outputs = 0;           // constant empty dicts and lists (a scripted detector's losses in eval)
  auto isEmpty = [](const torch::jit::Value* v) {
    if (v->node()->kind() != c10::prim::Constant) return false;
    auto value = torch::jit::toIValue(v);
    return value && ((value->isGenericDict() && value->toGenericDict().empty()) ||
                     (value->isList() && value->toListRef().empty()));
  };
  size_t results = 0;  // graph outputs with a tensor in them: dict keys name the outputs when one
  for (const auto* v : graph.outputs()) results += !ctx.isNone(v) && !isEmpty(v);
  std::function<void(const torch::jit::Value*)> flatten = [&](const torch::jit::Value* v) {
    const torch::jit::Node* p = v->node();
    if (ctx.isNone(v)) {
      ++none_outputs;
      return;
    }
    if (isEmpty(v)) {
      ++empty_outputs;
      return;
    }
    if (p->kind() == c10::prim::TupleConstruct || p->kind() == c10::prim::ListConstruct) {
      for (const auto* element : p->inputs()) flatten(element);
      return;
    }
    if (p->kind() == c10::prim::DictConstruct) {
      for (size_t k = 0; k + 1 < p->inputs().size(); k += 2) {
        auto key = torch::jit::toIValue(p->input(k));
        if (results == 1 && key && key->isString()) dict_keys.push_back(key->toStringRef());
        flatten(p->input(k + 1));
      }
      return;
    }
    if (ctx.isList(v) || v->type()->kind() == c10::TypeKind::TupleType) {
      for (const auto& n : ctx.tensorList(v)) outputs.emplace_back(n, nullptr);
      return;
    }
    if (ctx.isOptional(v)) optional_outputs.insert(outputs.size());
    outputs.emplace_back(ctx.isOptional(v) ? ctx.optional(v, ctx.optionalDType(v)) : ctx.tensor(v), v);
  };
  if (impl.diagnostics.empty()) {
    for (const auto* v : graph.outputs()) {
      try {
        flatten(v);
      } catch (const std::exception& e) {
        impl.diagnostics.push_back({"graph output", "", firstLine(e.what()), ""});
      }
    }
  }
  if (empty_outputs)
    spdlog::warn(
        "{} of the model's results {} always empty (a dict or list with nothing in it) and not written as graph "
        "outputs",
        empty_outputs, empty_outputs == 1 ? "is" : "are");
  if (none_outputs)
    spdlog::warn("{} of the model's results {} always None and not written as graph outputs", none_outputs,
                 none_outputs == 1 ? "is" : "are");
  if (!impl.diagnostics.empty()) {
    size_t n = impl.diagnostics.size();
    throw Error(ExitCode::kConversion, std::to_string(n) + " operator" + (n == 1 ? "" : "s") +
                                           " could not be converted; nothing was written:\n" +
                                           formatDiagnostics(impl.diagnostics));
  }
  if (outputs.empty())
    throw Error(ExitCode::kConversion, "the model returns no tensor (only None), so there is no graph output to write");
  const auto& names_given = oc.options.output_names;
  if (!names_given.empty() && names_given.size() != outputs.size())
    throw Error(ExitCode::kUsage, "--output-names gives " + std::to_string(names_given.size()) +
                                      " names but the model has " + std::to_string(outputs.size()) + " outputs");
  std::set<std::string> names;
  for (const auto& in : oc.inputs) names.insert(in.name);
  for (const auto& n : names_given)
    if (names.count(n)) throw Error(ExitCode::kUsage, "--output-names '" + n + "' is also an input name");
  std::set<std::string> produced_here;
  for (const auto& node : out.node())
    for (const auto& o : node.output()) produced_here.insert(o);
  std::set<std::string> renamed;
  std::unordered_map<std::string, std::string> renames;  // applied in one walk after the loop
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string name = outputName(oc, dict_keys, i, outputs.size());
    if (names_given.empty() && (names.count(name) || impl.used_names.count(name) && !renamed.count(name)))
      name = impl.freshName(name);
    names.insert(name);
    impl.used_names.insert(name);  // a later output with the same dict key gets a suffix
    const std::string& internal = outputs[i].first;
    if (produced_here.count(internal) && !renamed.count(internal)) {
      renames[internal] = name;
      renamed.insert(internal);
    } else {
      auto* n = out.add_node();
      n->set_op_type("Identity");
      n->set_name("Identity_output_" + std::to_string(i));
      n->add_input(internal);
      n->add_output(name);
    }
    std::map<int64_t, std::string> labels;
    if (auto it = oc.output_axes.find(name); it != oc.output_axes.end()) {
      labels = it->second;
      oc.output_axes.erase(it);
    }
    const torch::jit::Value* v = outputs[i].second;
    DType dtype = v ? ctx.dtype(v) : DType::kUndefined;
    std::vector<int64_t> dims;
    // An optional's dims are its element's, so its dim labels apply there.
    const torch::jit::Value* shaped = v && optional_outputs.count(i) ? optionalElement(ctx, v) : v;
    const int64_t rank = shaped ? ctx.rank(shaped) : -1;
    if (rank >= 0) dims = ctx.shape(shaped);
    if (dtype == DType::kUndefined && shaped) dtype = ctx.dtype(shaped);
    auto m = shaped ? meta.find(shaped->unique()) : meta.end();
    for (size_t k = 0; k < dims.size(); ++k) {
      if (labels.count(k)) {
        if (dims[k] >= 0 && !oc.runs.resized_runs.empty())
          spdlog::warn(
              "output '{}' axis {} is declared dynamic but stays {} when the input sizes change: the model "
              "(or its trace) fixes it",
              name, k, dims[k]);
        continue;
      }
      if (dims[k] >= 0 || m == meta.end()) continue;
      // An output dim that took the same size as an input's dynamic axis in every run shares its label.
      std::string label = name + "_dim" + std::to_string(k);
      for (const auto& axis : oc.input_axes) {
        bool same = m->second.sizes[k] == oc.inputs[axis.input].dims[axis.axis];
        for (size_t r = 0; r < oc.runs.resized_dims.size() && same; ++r) {
          const auto& sizes = m->second.resized_sizes[r];
          same = k < sizes.size() && sizes[k] == oc.runs.resized_dims[r][axis.input][axis.axis];
        }
        if (same) {
          label = axis.label;
          break;
        }
      }
      labels[k] = label;
    }
    if (dtype == DType::kUndefined) {
      out.add_output()->set_name(name);
    } else if (optional_outputs.count(i)) {
      onnx::ValueInfoProto element;
      setValueInfo(&element, name, dtype, dims, labels, rank);
      auto* vi = out.add_output();
      vi->set_name(name);
      *vi->mutable_type()->mutable_optional_type()->mutable_elem_type() = element.type();
    } else {
      setValueInfo(out.add_output(), name, dtype, dims, labels);
    }
  }
  renameValues(out, renames);
  for (const auto& [tensor, labels] : oc.output_axes)
    throw Error(ExitCode::kUsage,
                "--dynamic-axes names '" + tensor + "', which is neither an input nor an output name");
}

std::vector<std::string> unusedInputs(const onnx::GraphProto& graph) {
  std::set<std::string> read;
  std::function<void(const onnx::GraphProto&)> walk = [&](const onnx::GraphProto& g) {
    for (const auto& node : g.node()) {
      for (const auto& in : node.input()) read.insert(in);
      for (const auto& attr : node.attribute()) {
        if (attr.has_g()) walk(attr.g());
        for (const auto& sub : attr.graphs()) walk(sub);
      }
    }
    for (const auto& o : g.output()) read.insert(o.name());
  };
  walk(graph);
  std::vector<std::string> unused;
  for (const auto& in : graph.input())
    if (!read.count(in.name())) unused.push_back(in.name());
  return unused;
}

}  // namespace pt2onnx
