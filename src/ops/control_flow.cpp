// Converters: scripted control flow, prim::If and prim::Loop, as ONNX If and Loop with subgraphs.
#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// The element type of an `Optional[Tensor]` result that is None on some path (`sources`: what
// each branch or the loop's entry and body give it): nullopt for a result that is always a
// tensor, kUndefined when no path gives it a tensor of known type.
std::optional<DType> optionalElement(Context& ctx, const Value* result, const std::vector<const Value*>& sources) {
  if (!ctx.isOptionalType(result)) return std::nullopt;
  bool none = false;
  DType dt = DType::kUndefined;
  for (const Value* s : sources) {
    if (ctx.isNone(s) || ctx.isOptional(s)) none = true;
    if (!ctx.isNone(s) && dt == DType::kUndefined) dt = ctx.optionalDType(s);
  }
  if (!none) return std::nullopt;
  return dt;
}

const char* kOptionalOpset =
    "None on some paths and a tensor on others (an Optional result); ONNX If and Loop carry optionals from "
    "opset 16 on: try --opset 16";

// The rank the tensors on all paths share, or -1.
int64_t sharedRank(Context& ctx, const std::vector<const Value*>& sources) {
  int64_t rank = -1;
  for (const Value* s : sources) {
    if (ctx.isNone(s)) continue;
    int64_t r = ctx.isOptional(s) ? -1 : ctx.rank(s);
    if (r < 0 || (rank >= 0 && r != rank)) return -1;
    rank = r;
  }
  return rank;
}

// `value` as what a subgraph returns: an optional made here, or one from outside through an Identity.
std::string optionalResult(Context& ctx, const Value* value, DType element, int64_t rank) {
  std::string name = ctx.optional(value, element, rank);
  return ctx.isOptional(value) ? ctx.emit("Identity", {name}) : name;
}

// Converts a TorchScript block into the open subgraph and declares its outputs. Each output goes
// through an Identity so the subgraph produces it itself, even when it is an outer value.
void emitBlockOutputs(Context& ctx, const std::vector<const Value*>& outputs, const std::vector<DType>& dtypes,
                      const std::vector<int64_t>& optional_ranks) {  // -2: not an optional
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (optional_ranks[i] != -2) {
      ctx.addSubgraphOptionalOutput(optionalResult(ctx, outputs[i], dtypes[i], optional_ranks[i]), dtypes[i]);
      continue;
    }
    // prim::Uninitialized: a path that raises or whose value is never read; any tensor of the
    // result's dtype stands for it.
    const Node* producer = ctx.producer(outputs[i]);
    const bool placeholder = producer && ctx.kind(*producer) == "prim::Uninitialized" && ctx.isTensor(outputs[i]);
    std::string value = placeholder ? ctx.constTensor({}, {0}, dtypes[i]) : ctx.tensor(outputs[i], dtypes[i]);
    std::string out = ctx.emit("Identity", {value});
    ctx.addSubgraphOutput(out, dtypes[i]);
  }
}

std::optional<std::vector<int64_t>> knownShape(Context& ctx, const Value* v) {
  if (ctx.rank(v) < 0) return std::nullopt;
  return ctx.shape(v);
}

// `for i in range(lo, hi, step)`: the trip count __range_length(lo, hi, step) =
// max(0, ceil((hi - lo) / step)), as -floor((lo - hi) / step); the value __derive_index(k, lo,
// step) = lo + k * step. Both take Python ints, computed in the graph when not constant.
Status rangeLength(Context& ctx, const Node& node) {
  std::string lo = ctx.tensor(ctx.input(node, 0), DType::kInt64);
  std::string hi = ctx.tensor(ctx.input(node, 1), DType::kInt64);
  std::string step = ctx.tensor(ctx.input(node, 2), DType::kInt64);
  std::string n = ctx.emit("Neg", {floorDivide(ctx, ctx.emit("Sub", {lo, hi}), step, DType::kInt64)});
  std::string zero = ctx.scalarI64(0);  // (Where rather than Max: int64 Max needs opset 12)
  ctx.bind(ctx.output(node), ctx.emit("Where", {ctx.emit("Less", {n, zero}), zero, n}));
  return Status::Ok();
}

Status deriveIndex(Context& ctx, const Node& node) {
  std::string k = ctx.tensor(ctx.input(node, 0), DType::kInt64);
  std::string lo = ctx.tensor(ctx.input(node, 1), DType::kInt64);
  std::string step = ctx.tensor(ctx.input(node, 2), DType::kInt64);
  ctx.bind(ctx.output(node), ctx.emit("Add", {lo, ctx.emit("Mul", {k, step})}));
  return Status::Ok();
}

Status ifNode(Context& ctx, const Node& node) {
  auto blocks = ctx.blocks(node);
  if (blocks.size() != 2) return ctx.fail(node, "prim::If without two branches");
  std::string cond = ctx.tensor(ctx.input(node, 0), DType::kBool);
  std::vector<DType> dtypes;
  std::vector<int64_t> optional_ranks;  // of each result that is an optional, else -2
  for (size_t i = 0; i < ctx.outputCount(node); ++i) {
    if (ctx.isList(ctx.output(node, i)))
      return ctx.fail(node, "an if/else that returns a list is not supported yet; return tensors");
    std::vector<const Value*> sources = {ctx.blockOutputs(blocks[0])[i], ctx.blockOutputs(blocks[1])[i]};
    auto element = optionalElement(ctx, ctx.output(node, i), sources);
    optional_ranks.push_back(element ? sharedRank(ctx, sources) : -2);
    if (!element) {
      dtypes.push_back(ctx.requireDType(ctx.output(node, i)));
      continue;
    }
    if (*element == DType::kUndefined)
      return ctx.fail(node, "result " + std::to_string(i) + " is None in both branches or of unknown element type");
    if (ctx.opset() < 16) return ctx.fail(node, "result " + std::to_string(i) + " is " + kOptionalOpset);
    dtypes.push_back(*element);
  }
  std::vector<GraphAttr> branches;
  for (size_t b = 0; b < 2; ++b) {
    ctx.beginSubgraph(b == 0 ? "then" : "else");
    ctx.convertBlock(blocks[b]);
    emitBlockOutputs(ctx, ctx.blockOutputs(blocks[b]), dtypes, optional_ranks);
    branches.push_back(ctx.endSubgraph());
  }
  auto outs = ctx.emitN("If", {cond}, {{"then_branch", branches[0]}, {"else_branch", branches[1]}}, dtypes.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    if (optional_ranks[i] != -2)
      ctx.bindOptional(ctx.output(node, i), outs[i], dtypes[i]);
    else
      ctx.bind(ctx.output(node, i), outs[i]);
  }
  return Status::Ok();
}

// prim::Loop(max_trip_count, cond, carried...) with body (i, carried...) -> (cond, carried...)
// maps one to one onto ONNX Loop(M, cond, v_initial...) with body (iter, cond_in, v...) ->
// (cond_out, v...). TorchScript's `while` loops pass the largest int64 as the trip count.
// The element dtype of a list a loop carries: of the elements the body adds (`outs = outs + [t]`,
// what list appends become, possibly in an inner loop) or of the initial list's.
DType listElementDType(Context& ctx, const Value* list, int depth = 0) {
  DType dt = ctx.sequenceDType(list);
  const Node* p = ctx.producer(list);
  if (dt != DType::kUndefined || !p || depth > 8) return dt;
  if ((ctx.kind(*p) == "aten::add" || ctx.kind(*p) == "aten::add_") && ctx.inputCount(*p) == 2) {
    dt = listElementDType(ctx, ctx.input(*p, 1), depth + 1);
    return dt != DType::kUndefined ? dt : listElementDType(ctx, ctx.input(*p, 0), depth + 1);
  }
  if (ctx.kind(*p) == "prim::Loop")
    for (size_t i = 0; i < ctx.outputCount(*p); ++i)
      if (ctx.output(*p, i) == list) {
        dt = listElementDType(ctx, ctx.blockOutputs(ctx.blocks(*p).at(0))[1 + i], depth + 1);
        return dt != DType::kUndefined ? dt : listElementDType(ctx, ctx.input(*p, 2 + i), depth + 1);
      }
  return dt;
}

DType carriedListDType(Context& ctx, const Value* initial, const Value* result) {
  DType dt = listElementDType(ctx, initial);
  return dt != DType::kUndefined ? dt : listElementDType(ctx, result);
}

Status loopNode(Context& ctx, const Node& node) {
  const auto* body = ctx.blocks(node).at(0);
  auto params = ctx.blockInputs(body);
  auto results = ctx.blockOutputs(body);
  const size_t carried = ctx.inputCount(node) - 2;
  std::string trip;
  auto max_trip = ctx.maybeConstInt(ctx.input(node, 0));
  if (!max_trip || *max_trip != kInt64Max) trip = ctx.tensor(ctx.input(node, 0), DType::kInt64);
  std::string cond = ctx.tensor(ctx.input(node, 1), DType::kBool);
  std::vector<std::string> inputs = {trip, cond};
  std::vector<DType> dtypes = {DType::kBool};
  std::vector<bool> sequences(carried, false);  // a list carried as an ONNX sequence
  std::vector<bool> optionals(carried, false);  // a value None on entry or after some iteration
  std::vector<int64_t> optional_ranks(carried, -1);
  for (size_t i = 0; i < carried; ++i) {
    const Value* initial = ctx.input(node, 2 + i);
    if (auto element = optionalElement(ctx, ctx.output(node, i), {initial, results[1 + i]})) {
      if (*element == DType::kUndefined)
        return ctx.fail(node, "carried value " + std::to_string(i) + " is always None or of unknown element type");
      if (ctx.opset() < 16) return ctx.fail(node, "carried value " + std::to_string(i) + " is " + kOptionalOpset);
      optionals[i] = true;
      optional_ranks[i] = sharedRank(ctx, {initial, results[1 + i]});
      dtypes.push_back(*element);
      inputs.push_back(ctx.optional(initial, *element, optional_ranks[i]));
      continue;
    }
    if (ctx.isTensorList(initial)) {
      DType dt = carriedListDType(ctx, initial, results[1 + i]);
      if (dt == DType::kUndefined)
        return ctx.fail(node,
                        "the loop carries a list of tensors whose element type is unknown (no run appended to it)");
      if (ctx.opset() < 13)  // Loop-13 is the first to carry sequences
        return ctx.fail(node,
                        "the loop builds a list whose length is known only at run time; ONNX Loop carries "
                        "sequences from opset 13 on: try --opset 13");
      if (ctx.opset() < 14 && results[1 + i] == params[1 + i])
        return ctx.fail(node,
                        "a loop that carries a list unchanged needs opset 14 (Identity on sequences); try --opset 14");
      sequences[i] = true;
      dtypes.push_back(dt);
      inputs.push_back(ctx.sequence(initial, dt));
      continue;
    }
    if (ctx.isList(initial)) return ctx.fail(node, "a loop that carries a list of numbers is not supported yet");
    dtypes.push_back(ctx.requireDType(initial));
    inputs.push_back(ctx.tensor(initial));
  }
  ctx.beginSubgraph("loop_body");
  std::string iter = ctx.freshName("iter");
  ctx.addSubgraphInput(iter, DType::kInt64, std::vector<int64_t>{});
  ctx.bind(params[0], iter);
  ctx.addSubgraphInput(ctx.freshName("cond_in"), DType::kBool, std::vector<int64_t>{});
  for (size_t i = 0; i < carried; ++i) {
    std::string name = ctx.freshName("carried");
    if (optionals[i]) {
      ctx.addSubgraphOptionalInput(name, dtypes[1 + i]);
      ctx.bindOptional(params[1 + i], name, dtypes[1 + i]);
      continue;
    }
    if (sequences[i]) {
      ctx.addSubgraphSequenceInput(name, dtypes[1 + i]);
      ctx.bindSequence(params[1 + i], name, dtypes[1 + i]);
      continue;
    }
    ctx.addSubgraphInput(name, dtypes[1 + i], knownShape(ctx, params[1 + i]));
    ctx.bind(params[1 + i], name);
  }
  ctx.convertBlock(body);
  // The condition and tensors through an Identity each; sequences as the body made them.
  ctx.addSubgraphOutput(ctx.emit("Identity", {ctx.tensor(results[0], DType::kBool)}), DType::kBool);
  for (size_t i = 0; i < carried; ++i) {
    if (optionals[i]) {
      ctx.addSubgraphOptionalOutput(optionalResult(ctx, results[1 + i], dtypes[1 + i], optional_ranks[i]),
                                    dtypes[1 + i]);
      continue;
    }
    if (!sequences[i]) {
      ctx.addSubgraphOutput(ctx.emit("Identity", {ctx.tensor(results[1 + i], dtypes[1 + i])}), dtypes[1 + i]);
      continue;
    }
    std::string seq = ctx.sequence(results[1 + i], dtypes[1 + i]);
    if (results[1 + i] == params[1 + i]) seq = ctx.emit("Identity", {seq});
    ctx.addSubgraphSequenceOutput(seq, dtypes[1 + i]);
  }
  GraphAttr graph = ctx.endSubgraph();
  auto outs = ctx.emitN("Loop", inputs, {{"body", graph}}, carried);
  for (size_t i = 0; i < outs.size(); ++i) {
    if (optionals[i])
      ctx.bindOptional(ctx.output(node, i), outs[i], dtypes[1 + i]);
    else if (sequences[i])
      ctx.bindSequence(ctx.output(node, i), outs[i], dtypes[1 + i]);
    else
      ctx.bind(ctx.output(node, i), outs[i]);
  }
  return Status::Ok();
}

}  // namespace

void registerControlFlowOps(Registry& r) {
  r.add("prim::If", 9, ifNode);
  r.add("prim::Loop", 9, loopNode);
  r.add("aten::__range_length", 9, rangeLength);
  r.add("aten::__derive_index", 9, deriveIndex);
}

}  // namespace pt2onnx
