// Opsets 9 to 11 type some operators narrower than later ones and take no negative axes: a pass
// over the converted model that respells what it can (Equal on floats, Max/Min, TopK and Pad on integers,
// negative axes of values whose rank is known) and refuses, all at once, what needs a later opset.
#include <onnx/defs/data_type_utils.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/legacy_forms.h"
#include "core/stages.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

struct ValueType {
  int32_t elem = 0;           // onnx::TensorProto::DataType, 0 unknown
  int64_t rank = -1;          // -1 unknown
  std::vector<int64_t> dims;  // with a known rank: dim values, -1 where unknown
};

class OldOpsetPass {
 public:
  explicit OldOpsetPass(int opset) : opset_(opset) {}

  void collect(const onnx::GraphProto& g) {
    auto take = [this](const onnx::ValueInfoProto& v) {
      if (!v.type().has_tensor_type()) return;
      const auto& t = v.type().tensor_type();
      ValueType& vt = types_[v.name()];
      if (t.elem_type()) vt.elem = t.elem_type();
      if (t.has_shape()) {
        vt.rank = t.shape().dim_size();
        vt.dims.clear();
        for (const auto& d : t.shape().dim()) vt.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
      }
    };
    for (const auto& v : g.input()) take(v);
    for (const auto& v : g.output()) take(v);
    for (const auto& v : g.value_info()) take(v);
    for (const auto& t : g.initializer())
      types_[t.name()] = {t.data_type(), t.dims_size(), {t.dims().begin(), t.dims().end()}};
    for (const auto& n : g.node()) {
      for (const auto& s : n.input()) used_.insert(s);
      for (const auto& s : n.output()) {
        used_.insert(s);
        producers_[s] = n.op_type();
      }
      for (const auto& a : n.attribute()) {
        if (a.has_g()) collect(a.g());
        for (const auto& sub : a.graphs()) collect(sub);
      }
    }
    for (const auto& t : g.initializer()) used_.insert(t.name());
    for (const auto& v : g.input()) used_.insert(v.name());
  }

  // The converted TorchScript values' ranks, which hold whatever shape inference read.
  void trust(const std::vector<Context::BoundValue>& bound) {
    for (const auto& v : bound) {
      ValueType& t = types_[v.name];
      const int64_t rank = static_cast<int64_t>(v.dims.size());
      if (t.rank != rank) t.dims.assign(v.dims.size(), -1);
      for (size_t k = 0; k < v.dims.size(); ++k)
        if (v.dims[k] >= 0) t.dims[k] = v.dims[k];
      t.rank = rank;
      if (!t.elem) t.elem = toOnnx(v.dtype);
      trusted_.insert(v.name);
    }
  }

  // Normalizes the negative axes of values whose rank is known and can be trusted this round:
  // shape inference reads a negative axis of these opsets wrongly, so what it found downstream of
  // one is not trusted until a later round, except at the converted TorchScript values. Returns
  // how many nodes changed; `tainted` says whether any value of the graph was left untrusted.
  size_t normalizeKnownAxes(onnx::GraphProto& g, bool& tainted) {
    size_t changed = 0;
    for (auto& n : *g.mutable_node()) {
      bool untrusted = false;
      for (const auto& in : n.input()) untrusted = untrusted || tainted_.count(in);
      for (auto& a : *n.mutable_attribute()) {
        if (a.has_g()) changed += normalizeKnownAxes(*a.mutable_g(), untrusted);
        for (auto& sub : *a.mutable_graphs()) changed += normalizeKnownAxes(sub, untrusted);
      }
      const bool negative = hasNegativeAxes(n);
      if (negative && !untrusted && normalizeAxes(n)) ++changed;
      if (negative || untrusted) {
        tainted = true;
        for (const auto& out : n.output())
          if (!trusted_.count(out)) tainted_.insert(out);
      }
    }
    return changed;
  }

  void rewrite(onnx::GraphProto& g) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> out;
    for (auto& n : *g.mutable_node()) {
      for (auto& a : *n.mutable_attribute()) {
        if (a.has_g()) rewrite(*a.mutable_g());
        for (auto& sub : *a.mutable_graphs()) rewrite(sub);
      }
      if (!respell(n, out)) {
        reportNegativeAxes(n);
        checkBranchShapes(n);
        checkTypes(n);
        *out.Add() = std::move(n);
      }
    }
    g.mutable_node()->Swap(&out);
  }

  const std::vector<std::string>& problems() const { return problems_; }
  int needed() const { return needed_; }

 private:
  ValueType typeOf(const std::string& name) const {
    auto it = types_.find(name);
    return it == types_.end() ? ValueType{} : it->second;
  }

  std::string producer(const std::string& name) const {
    auto it = producers_.find(name);
    return it == producers_.end() ? "an input" : "the output of " + it->second;
  }

  std::string fresh(const std::string& base) {
    for (;;) {
      std::string name = base + "_op" + std::to_string(opset_) + "_" + std::to_string(counter_++);
      if (used_.insert(name).second) return name;
    }
  }

  std::string add(google::protobuf::RepeatedPtrField<onnx::NodeProto>& out, const std::string& op,
                  const std::vector<std::string>& inputs, const std::string& base, const std::string& output = "") {
    onnx::NodeProto* n = out.Add();
    n->set_op_type(op);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output.empty() ? fresh(base) : output);
    n->set_name(n->output(0));
    return n->output(0);
  }

  // A Cast of `from` to element type `to`, written to `output` (or a fresh name).
  std::string addCast(google::protobuf::RepeatedPtrField<onnx::NodeProto>& out, const std::string& from, int32_t to,
                      const std::string& base, const std::string& output = "") {
    const std::string name = add(out, "Cast", {from}, base, output);
    auto* a = out.rbegin()->add_attribute();
    a->set_name("to");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(to);
    return name;
  }

  static bool isFloat(int32_t e) {
    return e == onnx::TensorProto::FLOAT || e == onnx::TensorProto::DOUBLE || e == onnx::TensorProto::FLOAT16;
  }
  // Integer element types (known, not float, bool, string or bfloat16).
  static bool isInteger(int32_t e) {
    return e && !isFloat(e) && e != onnx::TensorProto::BOOL && e != onnx::TensorProto::STRING &&
           e != onnx::TensorProto::BFLOAT16;
  }

  // Equal before 11 takes bool, int32 and int64: other numbers compare as neither less nor greater
  // (floats also as not NaN, since NaN equals nothing). Max/Min before 12 take floats only: integers
  // pick with Greater/Less and Where.
  bool respell(const onnx::NodeProto& n, google::protobuf::RepeatedPtrField<onnx::NodeProto>& out) {
    if (!n.domain().empty()) return false;
    const int32_t e = n.input_size() ? typeOf(n.input(0)).elem : 0;
    if (n.op_type() == "Equal" && opset_ < 11 && n.input_size() == 2 && e && e != onnx::TensorProto::BOOL &&
        e != onnx::TensorProto::INT32 && e != onnx::TensorProto::INT64 && e != onnx::TensorProto::BFLOAT16 &&
        e != onnx::TensorProto::STRING) {
      const std::string& a = n.input(0);
      const std::string& b = n.input(1);
      const std::string base = n.output(0);
      std::string ordered = add(out, "Or", {add(out, "Less", {a, b}, base), add(out, "Greater", {a, b}, base)}, base);
      if (isFloat(e))
        ordered =
            add(out, "Or",
                {ordered, add(out, "Or", {add(out, "IsNaN", {a}, base), add(out, "IsNaN", {b}, base)}, base)}, base);
      add(out, "Not", {ordered}, base, n.output(0));
      return true;
    }
    if ((n.op_type() == "Max" || n.op_type() == "Min") && opset_ < 12 && n.input_size() >= 2 && isInteger(e)) {
      const std::string pick = n.op_type() == "Max" ? "Greater" : "Less";
      std::string acc = n.input(0);
      for (int i = 1; i < n.input_size(); ++i) {
        const std::string& x = n.input(i);
        const std::string cond = add(out, pick, {acc, x}, n.output(0));
        acc = add(out, "Where", {cond, acc, x}, n.output(0), i + 1 == n.input_size() ? n.output(0) : "");
      }
      return true;
    }
    // TopK and Pad before 11 take floats only: integers are ordered (or padded) as doubles (exact up
    // to 2^53; ties keep their order) and their values cast back.
    if ((n.op_type() == "TopK" || n.op_type() == "Pad") && opset_ < 11 && n.input_size() >= 1 && isInteger(e)) {
      onnx::NodeProto wide = n;
      wide.set_input(0, addCast(out, n.input(0), onnx::TensorProto::DOUBLE, n.output(0)));
      wide.set_output(0, fresh(n.output(0)));
      *out.Add() = wide;
      addCast(out, wide.output(0), e, n.output(0), n.output(0));
      return true;
    }
    // Slice-10's shape inference (ONNX's, which ONNX Runtime runs too) keeps the input's size on a
    // sliced axis of unknown size: x[:2] of a [batch, 6] value is inferred [batch, 6], and the
    // runtime then reuses buffers of the wrong size. Ends that shape inference cannot read (the
    // constant plus zeros computed from the input's shape) leave the output's dims unknown instead.
    if (n.op_type() == "Slice" && opset_ == 10 && n.input_size() >= 3 && !staticShape(n.input(0))) {
      const std::string base = n.output(0);
      const std::string zeros = add(out, "Mul", {add(out, "Shape", {n.input(0)}, base), zero()}, base);
      const std::string ends =
          add(out, "Add", {n.input(2), add(out, "Gather", {zeros, firstOf(n.input(2))}, base)}, base);
      onnx::NodeProto* slice = out.Add();
      *slice = n;
      slice->set_input(2, ends);
      return true;
    }
    return false;
  }

  bool staticShape(const std::string& name) const {
    const ValueType t = typeOf(name);
    if (t.rank < 0) return false;
    for (int64_t d : t.dims)
      if (d < 0) return false;
    return true;
  }

  // Initializers the pass adds: 0 (INT64 scalar), and index vectors [0, ..., 0] as long as `like`.
  std::string zero() { return constant("zero", {}, {0}); }
  std::string firstOf(const std::string& like) {
    const ValueType t = typeOf(like);
    const int64_t k = t.rank == 1 && !t.dims.empty() && t.dims[0] > 0 ? t.dims[0] : 1;
    return constant("zeros" + std::to_string(k), {k}, std::vector<int64_t>(static_cast<size_t>(k), 0));
  }
  std::string constant(const std::string& key, const std::vector<int64_t>& dims, const std::vector<int64_t>& values) {
    auto it = constants_.find(key);
    if (it != constants_.end()) return it->second;
    onnx::TensorProto t;
    t.set_name(fresh("const"));
    t.set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t.add_dims(d);
    for (int64_t v : values) t.add_int64_data(v);
    new_initializers_.push_back(t);
    return constants_[key] = t.name();
  }

 public:
  void addInitializers(onnx::GraphProto& g) {
    for (auto& t : new_initializers_) *g.add_initializer() = std::move(t);
    new_initializers_.clear();
  }

 private:
  // Axis attributes took no negative values before opset 11.
  static bool axisAttribute(const onnx::NodeProto& n, const onnx::AttributeProto& a) {
    static const std::set<std::string> kAxis = {"Concat", "Flatten", "Gather", "Softmax",  "LogSoftmax", "Hardmax",
                                                "ArgMax", "ArgMin",  "Split",  "Compress", "Scatter"};
    const std::string& op = n.op_type();
    if (a.name() == "axis") return kAxis.count(op) > 0;
    return a.name() == "axes" && (op.rfind("Reduce", 0) == 0 || op == "Squeeze" || op == "Unsqueeze" || op == "Slice");
  }

  bool hasNegativeAxes(const onnx::NodeProto& n) const {
    if (opset_ >= 11 || !n.domain().empty() || n.input_size() == 0) return false;
    for (const auto& a : n.attribute()) {
      if (!axisAttribute(n, a)) continue;
      if (a.name() == "axis" && a.i() < 0) return true;
      for (auto v : a.ints())
        if (v < 0) return true;
    }
    return false;
  }

  // Counts the negative axes from the front when the input's rank is known.
  bool normalizeAxes(onnx::NodeProto& n) {
    int64_t rank = typeOf(n.input(0)).rank;
    if (rank < 0) return false;
    for (auto& a : *n.mutable_attribute()) {
      if (!axisAttribute(n, a)) continue;
      const int64_t r = n.op_type() == "Unsqueeze" ? rank + a.ints_size() : rank;
      if (a.name() == "axis" && a.i() < 0) a.set_i(a.i() + r);
      for (int k = 0; k < a.ints_size(); ++k)
        if (a.ints(k) < 0) a.set_ints(k, a.ints(k) + r);
    }
    return true;
  }

  void reportNegativeAxes(const onnx::NodeProto& n) {
    if (hasNegativeAxes(n))
      need(11, n.op_type() + " with a negative axis on a value of unknown rank (" + n.name() + ", on " +
                   producer(n.input(0)) + ")");
  }

  // If before 11 needs both branches to give results of the same shape.
  void checkBranchShapes(const onnx::NodeProto& n) {
    if (opset_ >= 11 || n.op_type() != "If" || !n.domain().empty()) return;
    const onnx::GraphProto* then_g = nullptr;
    const onnx::GraphProto* else_g = nullptr;
    for (const auto& a : n.attribute()) {
      if (a.name() == "then_branch") then_g = &a.g();
      if (a.name() == "else_branch") else_g = &a.g();
    }
    if (!then_g || !else_g) return;
    auto shape = [](const ValueType& t) {
      std::string s = "[";
      for (size_t k = 0; k < t.dims.size(); ++k)
        s += (k ? "," : "") + (t.dims[k] < 0 ? "?" : std::to_string(t.dims[k]));
      return s + "]";
    };
    for (int i = 0; i < then_g->output_size() && i < else_g->output_size(); ++i) {
      const ValueType a = typeOf(then_g->output(i).name()), b = typeOf(else_g->output(i).name());
      if (a.rank < 0 || b.rank < 0) continue;
      bool differ = a.rank != b.rank;
      for (size_t k = 0; !differ && k < a.dims.size(); ++k)
        differ = a.dims[k] >= 0 && b.dims[k] >= 0 && a.dims[k] != b.dims[k];
      if (differ) {
        need(11, "If whose branches give results of shapes " + shape(a) + " and " + shape(b) + " (" + n.name() + ")");
        return;
      }
    }
  }

  // Element types the operator takes at this opset; a later opset that takes the type is named.
  void checkTypes(const onnx::NodeProto& n) {
    if (!n.domain().empty()) return;
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), opset_);
    if (!schema) return;
    auto check = [&](const std::string& name, size_t index, bool input) {
      const ValueType t = typeOf(name);
      if (name.empty() || !t.elem) return;
      onnx::TypeProto type;
      type.mutable_tensor_type()->set_elem_type(t.elem);
      const onnx::DataType type_str = onnx::Utils::DataTypeUtils::ToType(type);
      auto allows = [&](const onnx::OpSchema& s) {
        const auto& formals = input ? s.inputs() : s.outputs();
        if (formals.empty()) return true;
        const auto& formal = formals[std::min(index, formals.size() - 1)];
        if (index >= formals.size() && formal.GetOption() != onnx::OpSchema::Variadic) return true;
        return formal.GetTypes().count(type_str) > 0;
      };
      if (allows(*schema)) return;
      if (const int since = laterOpsetWhere(n.op_type(), opset_, allows))
        need(since, n.op_type() + " on " + *type_str + " (" + n.name() + ")");
    };
    for (int i = 0; i < n.input_size(); ++i) check(n.input(i), i, true);
    for (int i = 0; i < n.output_size(); ++i) check(n.output(i), i, false);
  }

  void need(int opset, const std::string& what) {
    needed_ = std::max(needed_, opset);
    std::string problem = what + " needs opset " + std::to_string(opset);
    // (a node is checked once per round; a problem found in two rounds is listed once)
    if (std::find(problems_.begin(), problems_.end(), problem) == problems_.end()) problems_.push_back(problem);
  }

  int opset_;
  std::unordered_map<std::string, ValueType> types_;
  std::unordered_set<std::string> used_;
  std::map<std::string, std::string> constants_;  // key -> initializer name
  std::vector<onnx::TensorProto> new_initializers_;
  std::unordered_set<std::string> trusted_;                 // converted TorchScript values: rank known
  std::unordered_set<std::string> tainted_;                 // ranks inferred past a negative axis
  std::unordered_map<std::string, std::string> producers_;  // value -> op_type of its node
  size_t counter_ = 0;
  std::vector<std::string> problems_;
  int needed_ = 0;
};

onnx::ModelProto typed(const onnx::ModelProto& model, const std::vector<Context::BoundValue>& bound) {
  onnx::ModelProto copy = model;
  // Ranks of the converted TorchScript values, declared where inference alone would lose them.
  std::unordered_set<std::string> declared;
  for (const auto& v : copy.graph().input()) declared.insert(v.name());
  for (const auto& v : copy.graph().output()) declared.insert(v.name());
  for (const auto& v : copy.graph().value_info()) declared.insert(v.name());
  for (const auto& t : copy.graph().initializer()) declared.insert(t.name());
  for (const auto& b : bound) {
    if (declared.count(b.name)) continue;
    auto* info = copy.mutable_graph()->add_value_info();
    info->set_name(b.name);
    auto* t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(toOnnx(b.dtype));
    auto* shape = t->mutable_shape();
    for (int64_t d : b.dims) {
      auto* dim = shape->add_dim();
      if (d >= 0) dim->set_dim_value(d);
    }
  }
  try {
    onnx::ShapeInferenceOptions options{/*check_type=*/false, /*error_mode=*/0, /*enable_data_propagation=*/true};
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception&) {
    // Types left unknown: the pass does less and the checker has the last word.
  }
  return copy;
}

}  // namespace

void adaptToOldOpset(onnx::ModelProto& model, int opset, const std::vector<Context::BoundValue>& bound) {
  if (opset >= 12) return;
  // Shape inference stops at a negative axis the opset does not take: each round of normalizing
  // brings the ranks after it into reach. Types are inferred again only after a round changed the
  // model; the final pass reads the last inference.
  onnx::ModelProto copy = typed(model, bound);
  for (int round = 0; round < 32 && opset < 11; ++round) {
    OldOpsetPass axes(opset);
    axes.collect(copy.graph());
    axes.trust(bound);
    bool tainted = false;
    if (!axes.normalizeKnownAxes(*model.mutable_graph(), tainted)) break;
    copy = typed(model, bound);
  }
  OldOpsetPass pass(opset);
  pass.collect(copy.graph());
  pass.trust(bound);
  pass.rewrite(*model.mutable_graph());
  pass.addInitializers(*model.mutable_graph());
  if (pass.problems().empty()) return;
  std::string msg = std::to_string(pass.problems().size()) + " ONNX node" + (pass.problems().size() == 1 ? "" : "s") +
                    " of the converted model " + (pass.problems().size() == 1 ? "needs" : "need") +
                    " a later opset than " + std::to_string(opset) + "; nothing was written (try --opset " +
                    std::to_string(pass.needed()) + "):";
  for (const auto& p : pass.problems()) msg += "\n  " + p;
  throw Error(ExitCode::kUnsupported, msg);
}

}  // namespace pt2onnx
