// Converters: lists and tuples, scalar <-> tensor conversions, size queries, and no-op aliases.
#include <map>

#include "ops/common.h"

namespace pt2onnx {
namespace {

// Lists and tuples are resolved lazily by the converters that consume them (Context::tensorList,
// Context::intsTensor, unpacking) and by the driver for graph outputs.
Status listConstruct(Context&, const Node&) { return Status::Ok(); }

Status unpack(Context& ctx, const Node& node) {
  const Value* list = ctx.input(node, 0);
  const Node* p = ctx.producer(list);
  const std::string pk = ctx.kind(*p);
  if ((pk == "prim::ListConstruct" || pk == "prim::TupleConstruct") && ctx.inputCount(*p) == ctx.outputCount(node)) {
    for (size_t i = 0; i < ctx.outputCount(node); ++i) ctx.bind(ctx.output(node, i), ctx.tensor(ctx.input(*p, i)));
    return Status::Ok();
  }
  if (!ctx.isTensorList(list) && ctx.isList(list)) {  // a, b = x.size(): one Gather per element
    std::string ints = ctx.intsTensor(list);
    for (size_t i = 0; i < ctx.outputCount(node); ++i)
      ctx.bind(ctx.output(node, i), ctx.emit("Gather", {ints, ctx.scalarI64(static_cast<int64_t>(i))}, {{"axis", 0}}));
    return Status::Ok();
  }
  auto names = ctx.tensorList(list);
  if (names.size() != ctx.outputCount(node))
    return ctx.fail(node, "unpacks " + std::to_string(ctx.outputCount(node)) + " values from a list of " +
                              std::to_string(names.size()));
  for (size_t i = 0; i < names.size(); ++i) ctx.bind(ctx.output(node, i), names[i]);
  return Status::Ok();
}

// A dict (segmentation models return {"out": ..., "aux": ...}) flattens to its values in order;
// the driver names graph outputs after the keys.
// tuple[i] with a constant i, on a tuple built in the graph.
Status tupleIndex(Context& ctx, const Node& node) {
  const Node* p = ctx.producer(ctx.input(node, 0));
  int64_t i = ctx.constInt(ctx.input(node, 1));
  if (ctx.kind(*p) != "prim::TupleConstruct") return ctx.fail(node, "indexing a tuple not built in the graph");
  const int64_t n = static_cast<int64_t>(ctx.inputCount(*p));
  if (i < 0) i += n;
  if (i < 0 || i >= n) return ctx.fail(node, "tuple index out of range");
  ctx.bind(ctx.output(node), ctx.tensor(ctx.input(*p, static_cast<size_t>(i))));
  return Status::Ok();
}

// `x is None` / `x is not None` left after folding, on a value of Optional type: an ONNX value is
// never None, so when x converts at all it is not None (a None reaching it stops the conversion).
ConvertFn isNone(bool negate) {
  return [negate](Context& ctx, const Node& node) {
    const Value* a = ctx.input(node, 0);
    const Value* b = ctx.input(node, 1);
    if (!ctx.isNone(b)) std::swap(a, b);
    if (!ctx.isNone(b)) return ctx.fail(node, "an identity test between two values, which ONNX has no notion of");
    if (ctx.isNone(a)) {
      ctx.bind(ctx.output(node), ctx.scalar(negate ? 0.0 : 1.0, DType::kBool));
      return Status::Ok();
    }
    if (ctx.isOptional(a)) {  // known at run time only
      std::string has = ctx.emit("OptionalHasElement", {ctx.optional(a, ctx.optionalDType(a))});
      ctx.bind(ctx.output(node), negate ? has : ctx.emit("Not", {has}));
      return Status::Ok();
    }
    ctx.tensor(a);  // fails (poisoned or unbound) when a has no ONNX value
    ctx.bind(ctx.output(node), ctx.scalar(negate ? 1.0 : 0.0, DType::kBool));
    return Status::Ok();
  };
}

// prim::Uninitialized stands for a value on a path that raises (never taken once the input checks
// pass); any value of its type will do.
Status uninitialized(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.dtype(out);
  if (ctx.isList(out)) return ctx.fail(node, "an uninitialized list");
  ctx.bind(out, ctx.isTensor(out) ? ctx.constTensor({}, {0}, dt == DType::kUndefined ? DType::kFloat : dt)
                                  : ctx.scalar(0.0, dt == DType::kUndefined ? DType::kInt64 : dt));
  return Status::Ok();
}

Status dictConstruct(Context& ctx, const Node& node) {
  std::vector<std::string> values;
  for (size_t i = 1; i < ctx.inputCount(node); i += 2) values.push_back(ctx.tensor(ctx.input(node, i)));
  ctx.bindList(ctx.output(node), values);
  return Status::Ok();
}

// `outs += [t]` on a list: the in-place list add. A tensor add_ here is a write the frontend could
// not make functional.
Status listAddInPlace(Context& ctx, const Node& node) {
  if (!ctx.isTensorList(ctx.input(node, 0)))
    return ctx.fail(node,
                    "an in-place add to a tensor that is also reached through an alias the converter cannot follow "
                    "(expand, split, a list element); write the result to a new tensor instead");
  return listAdd(ctx, node);
}

Status listGetItem(Context& ctx, const Node& node) {
  const Value* list = ctx.input(node, 0);
  if (!ctx.isTensorList(list)) {  // an int/float list (x.shape[i]): index the 1-D tensor
    std::string index = ctx.tensor(ctx.input(node, 1), DType::kInt64);
    ctx.bind(ctx.output(node), ctx.emit("Gather", {ctx.intsTensor(list), index}, {{"axis", 0}}));
    return Status::Ok();
  }
  if (ctx.isSequence(list)) {
    std::string at = ctx.tensor(ctx.input(node, 1), DType::kInt64);
    ctx.bind(ctx.output(node), ctx.emit("SequenceAt", {ctx.sequence(list), at}));
    return Status::Ok();
  }
  auto names = ctx.tensorList(list);
  auto index = ctx.maybeConstInt(ctx.input(node, 1));
  if (!index) {  // an index computed at run time: the element of a sequence (negative counts from the end)
    if (names.empty()) return ctx.fail(node, "indexing an empty list");
    std::string at = ctx.tensor(ctx.input(node, 1), DType::kInt64);
    ctx.bind(ctx.output(node), ctx.emit("SequenceAt", {ctx.emit("SequenceConstruct", names), at}));
    return Status::Ok();
  }
  int64_t i = *index;
  if (i < 0) i += static_cast<int64_t>(names.size());
  if (i < 0 || i >= static_cast<int64_t>(names.size())) return ctx.fail(node, "list index out of range");
  ctx.bind(ctx.output(node), names[i]);
  return Status::Ok();
}

// prim::NumToTensor: a Python number becomes a 0-d tensor of the recorded dtype.
Status numToTensor(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  ctx.bind(out, ctx.tensor(ctx.input(node, 0), ctx.requireDType(out)));
  return Status::Ok();
}

// aten::Int / aten::Float / *Implicit: a one-element tensor becomes a Python number (0-d).
ConvertFn toNumber(DType as) {
  return [as](Context& ctx, const Node& node) {
    const Value* in = ctx.input(node, 0);
    std::string x = ctx.tensor(in, as);
    if (ctx.rank(in) != 0) x = ctx.emit("Reshape", {x, ctx.constI64({})});
    ctx.bind(ctx.output(node), x);
    return Status::Ok();
  };
}

Status size(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  std::string x = ctx.tensor(self);
  if (ctx.inputCount(node) == 1) {
    ctx.bind(ctx.output(node), ctx.shapeOf(x));
    return Status::Ok();
  }
  int64_t dim = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  ctx.bind(ctx.output(node), ctx.dimOf(x, dim));
  return Status::Ok();
}

Status numel(Context& ctx, const Node& node) {
  std::string shape = ctx.shapeOf(ctx.tensor(ctx.input(node, 0)));
  ctx.bind(ctx.output(node), ctx.reduce("ReduceProd", shape, {0}, false));
  return Status::Ok();
}

Status dim(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), ctx.scalarI64(ctx.requireRank(ctx.input(node, 0))));
  return Status::Ok();
}

// x.dtype where the example runs did not reach (a branch not taken): PyTorch's code for the dtype
// the types give x (torch.uint8 0, int8 1, int16 2, int32 3, int64 4, float16 5, float32 6,
// float64 7, bool 11, bfloat16 15).
Status dtypeCode(Context& ctx, const Node& node) {
  static const std::map<DType, int64_t> codes = {
      {DType::kUInt8, 0}, {DType::kInt8, 1},  {DType::kInt16, 2},  {DType::kInt32, 3}, {DType::kInt64, 4},
      {DType::kHalf, 5},  {DType::kFloat, 6}, {DType::kDouble, 7}, {DType::kBool, 11}, {DType::kBFloat16, 15}};
  auto it = codes.find(ctx.requireDType(ctx.input(node, 0)));
  if (it == codes.end()) return ctx.fail(node, "the tensor's dtype is not known");
  ctx.bind(ctx.output(node), ctx.scalarI64(it->second));
  return Status::Ok();
}

// aten::to / type_as / float / long / ...: a cast to the dtype the example run produced.
Status castToOutput(Context& ctx, const Node& node) {
  const Value* in = ctx.input(node, 0);
  ctx.bind(ctx.output(node), ctx.tensor(in, ctx.requireDType(ctx.output(node))));
  return Status::Ok();
}

// Scalar-typed values carry no recorded dtype; they keep their source tensor's.
Status scalarImplicit(Context& ctx, const Node& node) {
  const Value* in = ctx.input(node, 0);
  DType out = ctx.dtype(ctx.output(node));
  ctx.bind(ctx.output(node), ctx.tensor(in, out == DType::kUndefined ? ctx.requireDType(in) : out));
  return Status::Ok();
}

// t.item(): the one element of any-rank t as a Python number, a 0-d tensor in the number's
// convention (int64, float32 for Python floats, bool).
Status item(Context& ctx, const Node& node) {
  const Value* in = ctx.input(node, 0);
  DType from = ctx.requireDType(in);
  DType to = from == DType::kBool ? DType::kBool : isFloating(from) ? DType::kFloat : DType::kInt64;
  std::string scalar = ctx.emit("Reshape", {ctx.tensor(in), ctx.constI64({})});
  ctx.bind(ctx.output(node), ctx.cast(scalar, from, to));
  return Status::Ok();
}

Status listLength(Context& ctx, const Node& node) {
  const Value* list = ctx.input(node, 0);
  if (!ctx.isTensorList(list)) {
    ctx.bind(ctx.output(node), ctx.dimOf(ctx.intsTensor(list), 0));
    return Status::Ok();
  }
  if (ctx.isSequence(list)) {
    ctx.bind(ctx.output(node), ctx.emit("SequenceLength", {ctx.sequence(list)}));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), ctx.scalarI64(static_cast<int64_t>(ctx.tensorList(list).size())));
  return Status::Ok();
}

// Dropout is the identity in eval mode, and with p = 0 in any mode (torchvision's swin calls
// F.dropout(attn, p=0.0) without passing training, so traces record training=True).
// Warnings have no place in an inference graph.
Status dropNode(Context&, const Node&) { return Status::Ok(); }

Status dropout(Context& ctx, const Node& node) {
  auto p = ctx.isConstant(ctx.input(node, 1)) ? ctx.constDouble(ctx.input(node, 1)) : -1.0;
  if (p != 0.0 && ctx.constBool(ctx.input(node, 2)))
    return ctx.fail(node, "dropout in training mode; call model.eval() before tracing or scripting");
  return passThrough(ctx, node);
}

// list(xs): a copy of a list, which in the graph is the same elements.
Status listCopy(Context& ctx, const Node& node) {
  const Value* in = ctx.input(node, 0);
  if (ctx.isSequence(in)) {
    ctx.bindSequence(ctx.output(node), ctx.sequence(in), ctx.sequenceDType(in));
    return Status::Ok();
  }
  if (ctx.isTensorList(in)) {
    ctx.bindList(ctx.output(node), ctx.tensorList(in));
    return Status::Ok();
  }
  if (!ctx.isList(in)) return ctx.fail(node, "list() of something other than a list");
  ctx.bind(ctx.output(node), ctx.intsTensor(in));
  return Status::Ok();
}

}  // namespace

Status listAdd(Context& ctx, const Node& node) {
  if (ctx.isSequence(ctx.input(node, 0))) {
    std::string seq = ctx.sequence(ctx.input(node, 0));
    for (const auto& t : ctx.tensorList(ctx.input(node, 1))) seq = ctx.emit("SequenceInsert", {seq, t});
    ctx.bindSequence(ctx.output(node), seq, ctx.sequenceDType(ctx.input(node, 0)));
    return Status::Ok();
  }
  auto items = ctx.tensorList(ctx.input(node, 0));
  for (const auto& name : ctx.tensorList(ctx.input(node, 1))) items.push_back(name);
  ctx.bindList(ctx.output(node), items);
  return Status::Ok();
}

void registerStructureOps(Registry& r) {
  r.add("prim::ListConstruct", 9, listConstruct);
  r.add("prim::ListUnpack", 9, unpack);
  r.add("prim::TupleConstruct", 9, listConstruct);
  r.add("prim::TupleUnpack", 9, unpack);
  r.add("prim::DictConstruct", 9, dictConstruct);
  r.add("aten::__getitem__", 9, listGetItem);
  r.add("aten::add_", 9, listAddInPlace);
  r.add("prim::NumToTensor", 9, numToTensor);
  r.add("aten::scalar_tensor", 9, numToTensor);
  r.add("aten::Int", 9, toNumber(DType::kInt64));
  r.add("aten::IntImplicit", 9, toNumber(DType::kInt64));
  r.add("aten::Float", 9, toNumber(DType::kFloat));
  r.add("aten::FloatImplicit", 9, toNumber(DType::kFloat));
  r.add("aten::ScalarImplicit", 9, scalarImplicit);
  r.add("aten::item", 9, item);
  r.add("prim::TupleIndex", 9, tupleIndex);
  r.add("aten::__is__", 9, isNone(false));
  r.add("aten::__isnot__", 9, isNone(true));
  r.add("prim::Uninitialized", 9, uninitialized);
  r.add("aten::len", 9, listLength);
  r.add("aten::list", 9, listCopy);
  r.add("aten::Bool", 9, toNumber(DType::kBool));
  r.add("aten::warn", 9, dropNode);
  r.add("prim::unchecked_cast", 9, passThrough);
  r.add("aten::size", 9, size);
  r.add("aten::_shape_as_tensor", 9, size);  // traced x.shape read as a tensor (detection anchors)
  r.add("aten::numel", 9, numel);
  r.add("aten::dim", 9, dim);
  r.add("prim::dtype", 9, dtypeCode);
  for (const char* kind : {"aten::to", "aten::type_as", "aten::float", "aten::double", "aten::long", "aten::int",
                           "aten::half", "aten::bool", "aten::_to_copy"})
    r.add(kind, 9, castToOutput);
  // resolve_conj/resolve_neg materialize lazy conjugate/negative views, which real tensors never have;
  // prim::data is the tensor without its autograd history.
  for (const char* kind : {"aten::contiguous", "aten::clone", "aten::detach", "aten::alias", "aten::lift_fresh",
                           "aten::cpu", "aten::cuda", "aten::resolve_conj", "aten::resolve_neg", "prim::data"})
    r.add(kind, 9, passThrough);
  for (const char* kind :
       {"aten::dropout", "aten::feature_dropout", "aten::alpha_dropout", "aten::feature_alpha_dropout"})
    r.add(kind, 9, dropout);
}

}  // namespace pt2onnx
