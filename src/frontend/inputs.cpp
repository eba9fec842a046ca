// Input stage: binds the method's arguments to --input/--input-data/--const and rewrites the graph
// so that its inputs are one tensor (or Python number) per ONNX input.
//
// Arguments bind in order; an --input whose name is a later argument's skips the ones between
// (they must be optional or have defaults). Lists, tuples and dicts take the consecutive --input
// specs under one name (`xs.0`, `xs.1`; `feats.image`) and are rebuilt inside the graph from one
// input per element, so LibTorch's list, tuple and dict peepholes fold every access to them.
#include "frontend/inputs.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/loop_unrolling.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/peephole_dict_idioms.h>
#include <torch/csrc/jit/passes/peephole_list_idioms.h>
#include <torch/csrc/jit/passes/remove_mutation.h>

#include <set>
#include <sstream>

#include "io/tensor_file.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

using torch::jit::Value;

[[noreturn]] void usage(const std::string& message) { throw Error(ExitCode::kUsage, message); }

std::string describeDims(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "x" : "") + std::to_string(dims[i]);
  return out;
}

std::string rootOf(const std::string& path) { return path.substr(0, path.find('.')); }

c10::TypePtr unwrapOptional(const c10::TypePtr& type) {
  if (auto opt = type->cast<c10::OptionalType>()) return opt->getElementType();
  return type;
}

bool isNumberKind(c10::TypeKind kind) {
  return kind == c10::TypeKind::IntType || kind == c10::TypeKind::FloatType || kind == c10::TypeKind::BoolType;
}

bool isContainer(const c10::TypePtr& type) {
  auto kind = unwrapOptional(type)->kind();
  return kind == c10::TypeKind::ListType || kind == c10::TypeKind::TupleType || kind == c10::TypeKind::DictType;
}

std::optional<InputDType> inputDType(c10::ScalarType type) {
  static const std::pair<c10::ScalarType, InputDType> kTypes[] = {
      {c10::ScalarType::Float, InputDType::kFloat32},  {c10::ScalarType::Half, InputDType::kFloat16},
      {c10::ScalarType::Double, InputDType::kFloat64}, {c10::ScalarType::Long, InputDType::kInt64},
      {c10::ScalarType::Int, InputDType::kInt32},      {c10::ScalarType::Char, InputDType::kInt8},
      {c10::ScalarType::Byte, InputDType::kUInt8},     {c10::ScalarType::Bool, InputDType::kBool}};
  for (const auto& [t, d] : kTypes)
    if (t == type) return d;
  return std::nullopt;
}

struct Arg {
  std::string name;
  c10::TypePtr type;
  std::optional<c10::IValue> default_value;
  Value* value;
};

std::vector<Arg> methodArgs(torch::jit::Graph& graph, const c10::FunctionSchema* schema) {
  std::vector<Arg> args;
  const size_t first = !graph.inputs().empty() && graph.inputs()[0]->type()->kind() == c10::TypeKind::ClassType;
  for (size_t i = first; i < graph.inputs().size(); ++i) {
    Value* v = graph.inputs()[i];
    Arg arg{v->debugName(), v->type(), std::nullopt, v};
    if (schema && i < schema->arguments().size()) {
      const auto& a = schema->arguments()[i];
      arg.name = a.name();
      if (a.default_value()) arg.default_value = *a.default_value();  // (an absent c10::optional would convert to None)
    }
    args.push_back(arg);
  }
  return args;
}

// --const text as a value of the argument's type.
c10::IValue constValue(const Arg& arg, const std::string& text) {
  const std::string flag = "--const " + arg.name + "=" + text;
  const c10::TypePtr type = unwrapOptional(arg.type);
  if (text == "None") {
    if (arg.type->kind() == c10::TypeKind::OptionalType || arg.type->kind() == c10::TypeKind::NoneType)
      return c10::IValue();
    usage(flag + ": argument '" + arg.name + "' has type " + arg.type->annotation_str() + ", which cannot be None");
  }
  auto number = [&](bool integral) -> std::optional<double> {
    try {
      size_t used = 0;
      double v = integral ? static_cast<double>(std::stoll(text, &used)) : std::stod(text, &used);
      if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  };
  switch (type->kind()) {
    case c10::TypeKind::IntType:
      try {
        size_t used = 0;
        int64_t v = std::stoll(text, &used);
        if (used == text.size()) return v;
      } catch (const std::exception&) {
      }
      usage(flag + ": argument '" + arg.name + "' is an int: give a whole number");
    case c10::TypeKind::FloatType:
      if (auto v = number(false)) return *v;
      usage(flag + ": argument '" + arg.name + "' is a float: give a number");
    case c10::TypeKind::BoolType:
      if (text == "true" || text == "True" || text == "1") return true;
      if (text == "false" || text == "False" || text == "0") return false;
      usage(flag + ": argument '" + arg.name + "' is a bool: give true or false");
    case c10::TypeKind::StringType:
      return text;
    case c10::TypeKind::ListType: {
      const auto element = type->expectRef<c10::ListType>().getElementType();
      if (element->kind() != c10::TypeKind::IntType && element->kind() != c10::TypeKind::FloatType) break;
      // Each comma-separated item read as one element; the list of IValues becomes int[] or float[].
      c10::impl::GenericList values(element);
      std::stringstream in(text);
      for (std::string item; std::getline(in, item, ',');)
        values.push_back(constValue(Arg{arg.name, element, std::nullopt, nullptr}, item));
      if (element->kind() == c10::TypeKind::IntType) return c10::impl::toTypedList<int64_t>(values).vec();
      return c10::impl::toTypedList<double>(values).vec();
    }
    default:
      break;
  }
  usage(flag + ": argument '" + arg.name + "' has type " + arg.type->annotation_str() +
        ", which --const cannot give (ints, floats, bools, strings, int or float lists, None); use --input");
}

class Binder {
 public:
  Binder(std::shared_ptr<torch::jit::Graph>& graph, const Options& options) : graph_(graph), options_(options) {
    for (const auto& d : options.input_data) {
      if (data_.count(d.name)) usage("--input-data " + d.name + "=...: given twice");
      data_[d.name] = {d.file, false};
    }
  }

  BoundInputs bind(std::vector<Arg>& args, const std::vector<InputSpec>& specs) {
    top_ = graph_->block()->nodes().front();
    std::map<std::string, std::string> consts;
    for (const auto& c : options_.consts) {
      bool known = false;
      for (const auto& a : args) known = known || a.name == c.name;
      if (!known)
        usage("--const " + c.name + "=" + c.value + ": " + options_.method + "() has no argument '" + c.name +
              "' (it takes " + argNames(args) + ")");
      if (!consts.emplace(c.name, c.value).second) usage("--const " + c.name + " is given twice");
    }
    std::vector<std::string> missing;
    size_t cursor = 0;
    for (size_t i = 0; i < args.size(); ++i) {
      Arg& arg = args[i];
      if (auto c = consts.find(arg.name); c != consts.end()) {
        replace(arg, constValue(arg, c->second), "--const " + c->first + "=" + c->second);
        continue;
      }
      if (cursor < specs.size() && !skipsTo(args, i, consts, rootOf(specs[cursor].path))) {
        if (isContainer(arg.type)) {
          size_t end = cursor;
          const std::string root = rootOf(specs[cursor].path);
          while (end < specs.size() && rootOf(specs[end].path) == root) ++end;
          std::vector<const InputSpec*> group;
          for (size_t k = cursor; k < end; ++k) group.push_back(&specs[k]);
          cursor = end;
          bindContainer(arg, root, group);
        } else {
          bindLeafArgument(arg, specs[cursor++]);
        }
        continue;
      }
      if (arg.type->kind() == c10::TypeKind::OptionalType) {
        replace(arg, c10::IValue(), "not given: None");
      } else if (arg.default_value) {
        replace(arg, *arg.default_value, "not given: its default");
      } else {
        missing.push_back(suggestion(arg));
      }
    }
    if (cursor < specs.size())
      usage(options_.method + "() takes " + std::to_string(args.size()) + " argument" + (args.size() == 1 ? "" : "s") +
            " (" + argNames(args) + ") but --input '" + specs[cursor].path + "' and the ones after it bind to none");
    if (!missing.empty()) {
      std::string text = options_.method + "() argument" + (missing.size() == 1 ? " is" : "s are") + " not given:";
      for (const auto& m : missing) text += "\n  " + m;
      usage(text);
    }
    for (const auto& [name, entry] : data_)
      if (!entry.second)
        usage("--input-data " + name + "=" + entry.first + ": no --input names '" + name +
              "' (inputs: " + inputNames() + "); add --input " + name + " in its place among the --input flags");
    std::set<std::string> names;
    for (const auto& in : out_.inputs)
      if (!names.insert(in.name).second) usage("--input name '" + in.name + "' is used twice");
    simplify();
    return std::move(out_);
  }

 private:
  static std::string argNames(const std::vector<Arg>& args) {
    std::string text;
    for (const auto& a : args) text += (text.empty() ? "" : ", ") + a.name;
    return text.empty() ? "no arguments" : text;
  }

  std::string inputNames() const {
    std::string text;
    for (const auto& in : out_.inputs) text += (text.empty() ? "" : ", ") + in.name;
    return text.empty() ? "none" : text;
  }

  static std::string suggestion(const Arg& arg) {
    auto type = unwrapOptional(arg.type);
    std::string t = arg.type->annotation_str();
    switch (type->kind()) {
      case c10::TypeKind::TensorType:
        return "'" + arg.name + "' (Tensor): add --input " + arg.name + ":DIMS[:DTYPE]";
      case c10::TypeKind::IntType:
        return "'" + arg.name + "' (int): add --input " + arg.name +
               ":scalar:int64 (computed in the graph) or --const " + arg.name + "=VALUE";
      case c10::TypeKind::FloatType:
        return "'" + arg.name + "' (float): add --input " + arg.name +
               ":scalar:float32 (computed in the graph) or --const " + arg.name + "=VALUE";
      case c10::TypeKind::BoolType:
        return "'" + arg.name + "' (bool): add --const " + arg.name + "=true|false or --input " + arg.name +
               ":scalar:bool";
      case c10::TypeKind::ListType:
      case c10::TypeKind::TupleType:
        return "'" + arg.name + "' (" + t + "): add one --input per element, " + arg.name + ".0:DIMS " + arg.name +
               ".1:DIMS ...";
      case c10::TypeKind::DictType:
        return "'" + arg.name + "' (" + t + "): add one --input per key, " + arg.name + ".KEY:DIMS";
      default:
        return "'" + arg.name + "' (" + t + "): add --const " + arg.name + "=VALUE";
    }
  }

  // Whether the spec's name is a later argument that every argument from i to it may be left out for.
  static bool skipsTo(const std::vector<Arg>& args, size_t i, const std::map<std::string, std::string>& consts,
                      const std::string& root) {
    if (args[i].name == root) return false;
    for (size_t k = i + 1; k < args.size(); ++k) {
      if (args[k].name != root) continue;
      for (size_t j = i; j < k; ++j)
        if (!consts.count(args[j].name) && args[j].type->kind() != c10::TypeKind::OptionalType &&
            !args[j].default_value)
          return false;
      return true;
    }
    return false;
  }

  void replace(Arg& arg, const c10::IValue& value, const std::string& how) {
    torch::jit::WithInsertPoint guard(top_);
    Value* constant = graph_->insertConstant(value);
    arg.value->replaceAllUsesWith(constant);
    graph_->eraseInput(arg.value->offset());
    arg.value = nullptr;
    out_.notes.push_back("argument '" + arg.name + "': " + how);
    changed_ = true;
  }

  // The data file named by the input's ONNX name or its path, marked used.
  std::optional<at::Tensor> dataFor(const std::string& name, const std::string& path) {
    for (const std::string& key : {name, path}) {
      auto it = data_.find(key);
      if (it == data_.end()) continue;
      it->second.second = true;
      try {
        return readTensorFile(it->second.first);
      } catch (const TensorFileError& e) {
        usage("--input-data " + key + "=" + it->second.first + ": " + e.what());
      }
    }
    return std::nullopt;
  }

  ExampleInput leaf(const InputSpec& spec, const std::string& name, const c10::TypePtr& type) {
    ExampleInput in;
    in.name = name;
    in.kind = type->kind();
    const std::string flag = "--input " + spec.path;
    if (isNumberKind(in.kind)) {
      in.graph_dtype = in.kind == c10::TypeKind::IntType     ? DType::kInt64
                       : in.kind == c10::TypeKind::FloatType ? DType::kFloat
                                                             : DType::kBool;
      in.dtype = in.kind == c10::TypeKind::IntType     ? InputDType::kInt64
                 : in.kind == c10::TypeKind::FloatType ? InputDType::kFloat32
                                                       : InputDType::kBool;
    }
    if (spec.has_dtype) in.dtype = spec.dtype;
    in.dims = spec.dims;
    in.data = dataFor(name, spec.path);
    if (in.data) {
      auto dtype = inputDType(in.data->scalar_type());
      if (!dtype)
        usage("--input-data " + name + ": the file holds " + c10::toString(in.data->scalar_type()) +
              " values; inputs take float32, float16, float64, int64, int32, int8, uint8 or bool");
      const auto dims = in.data->sizes().vec();
      if (spec.has_dims && dims != spec.dims)
        usage(flag + " gives dims " + describeDims(spec.dims) + " but its --input-data file holds " +
              describeDims(dims));
      if (spec.has_dtype && *dtype != spec.dtype)
        usage(flag + " gives dtype " + inputDTypeName(spec.dtype) + " but its --input-data file holds " +
              inputDTypeName(*dtype));
      in.dims = dims;
      in.dtype = *dtype;
    } else if (!spec.has_dims && !isNumberKind(in.kind)) {
      usage(flag + " gives no DIMS: add them (" + spec.path + ":1x3x224x224[:DTYPE]) or pass --input-data " + name +
            "=FILE.npy");
    }
    // A model widened from float16 computes in float32: its float16 inputs are cast on entry.
    if (options_.widened_float16 && in.kind == c10::TypeKind::TensorType && in.dtype == InputDType::kFloat16)
      in.graph_dtype = DType::kFloat;
    if (isNumberKind(in.kind) && !in.dims.empty())
      usage(flag + ": the argument is a Python " + type->annotation_str() + ", so the input is 0-d: write " +
            spec.path + ":scalar");
    if (in.kind != c10::TypeKind::TensorType && !isNumberKind(in.kind))
      usage(flag + ": an argument of type " + type->annotation_str() + " cannot be an ONNX input; use --const");
    return in;
  }

  // A plain argument: the graph input stays and becomes one ONNX input.
  void bindLeafArgument(Arg& arg, const InputSpec& spec) {
    auto type = unwrapOptional(arg.type);
    if (arg.type->kind() == c10::TypeKind::OptionalType) {
      arg.value->setType(type);
      changed_ = true;
    }
    out_.inputs.push_back(leaf(spec, spec.name, type));
  }

  void bindContainer(Arg& arg, const std::string& root, const std::vector<const InputSpec*>& group) {
    if (group.size() == 1 && group[0]->path == root)
      usage("--input " + root + ": argument '" + arg.name + "' is a " + arg.type->annotation_str() +
            "; give its elements, e.g. --input " + root + ".0:DIMS --input " + root + ".1:DIMS (dicts: " + root +
            ".KEY:DIMS)");
    torch::jit::WithInsertPoint guard(top_);
    Value* built = element(arg, arg.type, root, root, "", group);
    arg.value->replaceAllUsesWith(built);
    graph_->eraseInput(arg.value->offset());
    arg.value = nullptr;
    changed_ = true;
    flattened_ = true;
  }

  // Builds the value at `path` (ONNX name prefix `name`, dict key `key`) from the specs under it.
  Value* element(Arg& arg, const c10::TypePtr& declared, const std::string& path, const std::string& name,
                 const std::string& key, const std::vector<const InputSpec*>& specs) {
    const c10::TypePtr type = unwrapOptional(declared);
    const bool optional = declared->kind() == c10::TypeKind::OptionalType;
    if (specs.empty()) {
      if (optional) return graph_->insertConstant(c10::IValue());
      usage("argument '" + arg.name + "' needs element '" + path + "' (" + type->annotation_str() + "): add --input " +
            path + ":DIMS");
    }
    const auto kind = type->kind();
    if (kind == c10::TypeKind::TensorType || isNumberKind(kind)) {
      if (specs.size() != 1 || specs[0]->path != path)
        usage("--input " + specs[0]->path + ": '" + path + "' is a " + type->annotation_str() + " inside argument '" +
              arg.name + "', not a container");
      const InputSpec& spec = *specs[0];
      std::string onnx_name = spec.renamed ? spec.name : !key.empty() ? key : name;
      Value* v = graph_->insertInput(arg.value->offset(), "");
      v->setType(type);
      out_.inputs.push_back(leaf(spec, onnx_name, type));
      return v;
    }
    // Group the specs by the next path component, in order of first appearance.
    std::vector<std::pair<std::string, std::vector<const InputSpec*>>> children;
    for (const auto* s : specs) {
      if (s->path.size() <= path.size() || s->path[path.size()] != '.')
        usage("--input " + s->path + ": '" + path + "' is a " + type->annotation_str() + " inside argument '" +
              arg.name + "'; give its elements as " + path + ".0, " + path + ".1, ...");
      std::string rest = s->path.substr(path.size() + 1);
      std::string part = rest.substr(0, rest.find('.'));
      auto it = std::find_if(children.begin(), children.end(), [&](const auto& c) { return c.first == part; });
      if (it == children.end()) {
        children.push_back({part, {}});
        it = children.end() - 1;
      }
      it->second.push_back(s);
    }
    auto indexed = [&](size_t count, bool fixed) {
      std::vector<const std::vector<const InputSpec*>*> slots(count, nullptr);
      for (const auto& [part, group] : children) {
        size_t index = 0;
        bool ok = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
        if (ok) index = std::stoul(part);
        if (!ok || (fixed && index >= count))
          usage("--input " + group[0]->path + ": '" + path + "' is a " + type->annotation_str() +
                "; its elements are " + path + ".0 to " + path + "." + std::to_string(count ? count - 1 : 0));
        if (index >= slots.size()) slots.resize(index + 1, nullptr);
        slots[index] = &group;
      }
      return slots;
    };
    static const std::vector<const InputSpec*> kNone;
    if (kind == c10::TypeKind::ListType) {
      auto slots = indexed(0, false);
      const auto element_type = type->expectRef<c10::ListType>().getElementType();
      std::vector<Value*> items;
      for (size_t k = 0; k < slots.size(); ++k) {
        if (!slots[k])
          usage("argument '" + arg.name + "': list element " + path + "." + std::to_string(k) +
                " is missing (elements must be numbered from 0 without gaps)");
        items.push_back(
            element(arg, element_type, path + "." + std::to_string(k), name + "_" + std::to_string(k), "", *slots[k]));
      }
      return graph_->insertNode(graph_->createList(element_type, items))->output();
    }
    if (kind == c10::TypeKind::TupleType) {
      const auto& elements = type->expectRef<c10::TupleType>().elements();
      auto slots = indexed(elements.size(), true);
      std::vector<Value*> items;
      for (size_t k = 0; k < elements.size(); ++k)
        items.push_back(element(arg, elements[k], path + "." + std::to_string(k), name + "_" + std::to_string(k), "",
                                slots[k] ? *slots[k] : kNone));
      return graph_->insertNode(graph_->createTuple(items))->output();
    }
    if (kind == c10::TypeKind::DictType) {
      const auto& dict = type->expectRef<c10::DictType>();
      if (dict.getKeyType()->kind() != c10::TypeKind::StringType)
        usage("argument '" + arg.name + "' is a " + type->annotation_str() +
              "; only dicts with str keys can be inputs");
      std::vector<Value*> keys, values;
      for (const auto& [part, group] : children) {
        keys.push_back(graph_->insertConstant(part));
        values.push_back(element(arg, dict.getValueType(), path + "." + part, part, part, group));
      }
      return graph_->insertNode(graph_->createDict(dict.getKeyType(), dict.getValueType(), keys, values))->output();
    }
    usage("argument '" + arg.name + "' has type " + type->annotation_str() + ", which cannot be an ONNX input");
  }

  // Folds what the bound arguments decide: `is None` branches, list/tuple/dict accesses, loops
  // over the elements of an input list.
  void simplify() {
    if (!changed_) return;
    auto& g = graph_;
    for (int round = 0; round < 4; ++round) {
      torch::jit::LowerSimpleTuples(g);
      torch::jit::PeepholeOptimizeListIdioms(g, /*refine_list_len=*/true);
      torch::jit::PeepholeOptimizeDictIdioms(g);
      torch::jit::RemoveListMutation(g);
      torch::jit::ConstantPropagation(g);
      bool unrolled = flattened_ && torch::jit::UnrollConstantLoops(g);
      torch::jit::EliminateDeadCode(g);
      if (!unrolled) break;
    }
  }

  std::shared_ptr<torch::jit::Graph>& graph_;
  const Options& options_;
  std::map<std::string, std::pair<std::string, bool>> data_;  // name -> (file, used)
  torch::jit::Node* top_ = nullptr;
  BoundInputs out_;
  bool changed_ = false;
  bool flattened_ = false;
};

}  // namespace

BoundInputs bindInputs(std::shared_ptr<torch::jit::Graph>& graph, const c10::FunctionSchema* schema,
                       const Options& options) {
  std::vector<Arg> args = methodArgs(*graph, schema);
  std::vector<InputSpec> specs = options.inputs;
  if (specs.empty())  // --input-data alone names the inputs, in order
    for (const auto& d : options.input_data) {
      InputSpec spec;
      spec.path = spec.name = d.name;
      spec.has_dims = spec.has_dtype = false;
      specs.push_back(spec);
    }
  return Binder(graph, options).bind(args, specs);
}

c10::IValue exampleValue(const ExampleInput& input, const std::vector<int64_t>& dims) {
  const auto dtype = toTorch(fromInput(input.dtype));
  at::Tensor t;
  if (input.data) {
    t = *input.data;
    for (size_t k = 0; k < dims.size() && k < static_cast<size_t>(t.dim()); ++k) {
      const int64_t have = t.size(static_cast<int64_t>(k));
      if (have == dims[k]) continue;
      if (have > 0 && dims[k] % have == 0) {
        std::vector<int64_t> repeats(t.dim(), 1);
        repeats[k] = dims[k] / have;
        t = t.repeat(repeats);
        continue;
      }
      std::vector<int64_t> sizes = t.sizes().vec();
      sizes[k] = dims[k];
      t = at::zeros(sizes, t.options());
    }
  } else if (input.kind == c10::TypeKind::IntType) {
    t = at::randint(1, 10, dims, at::kLong).to(dtype);
  } else if (isFloatingType(dtype)) {
    t = at::randn(dims, at::kFloat).to(dtype);
  } else if (dtype == at::kByte) {
    t = at::randint(0, 256, dims, at::kLong).to(dtype);
  } else if (dtype == at::kBool) {
    t = at::randint(0, 2, dims, at::kLong).to(dtype);
  } else {
    t = at::randint(0, 10, dims, at::kLong).to(dtype);
  }
  switch (input.kind) {
    case c10::TypeKind::TensorType:
      // Values of the declared dtype (float16), as the model computes on them (float32).
      return input.graph_dtype == DType::kUndefined ? t : t.to(toTorch(input.graph_dtype));
    case c10::TypeKind::IntType:
      return t.item<int64_t>();
    case c10::TypeKind::FloatType:
      return t.item<double>();
    case c10::TypeKind::BoolType:
      return t.item<bool>();
    default:
      return t;
  }
}

InputAxes dynamicInputAxes(const std::vector<ExampleInput>& inputs, const std::vector<DynamicAxesSpec>& specs) {
  InputAxes out;
  for (const auto& spec : specs) {
    auto& labels = out.rest[spec.tensor];
    for (const auto& a : spec.axes) labels[a.axis] = a.label;
  }
  out.labels.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto it = out.rest.find(inputs[i].name);
    if (it == out.rest.end()) continue;
    for (const auto& [axis, label] : it->second)
      if (axis >= static_cast<int64_t>(inputs[i].dims.size()))
        throw Error(ExitCode::kUsage, "--dynamic-axes " + inputs[i].name + ":" + std::to_string(axis) + ": input '" +
                                          inputs[i].name + "' has rank " + std::to_string(inputs[i].dims.size()));
    out.labels[i] = it->second;
    out.rest.erase(it);
  }
  return out;
}

}  // namespace pt2onnx
