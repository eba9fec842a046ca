// Converters: scripted control flow, prim::If and prim::Loop, as ONNX If and Loop with subgraphs.
#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// Converts a TorchScript block into the open subgraph and declares its outputs. Each output goes
// through an Identity so the subgraph produces it itself, even when it is an outer value.
void emitBlockOutputs(Context& ctx, const std::vector<const Value*>& outputs, const std::vector<DType>& dtypes) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string out = ctx.emit("Identity", {ctx.tensor(outputs[i], dtypes[i])});
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
  for (size_t i = 0; i < ctx.outputCount(node); ++i) {
    if (ctx.isList(ctx.output(node, i)))
      return ctx.fail(node, "an if/else that returns a list is not supported yet; return tensors");
    dtypes.push_back(ctx.requireDType(ctx.output(node, i)));
  }
  std::vector<GraphAttr> branches;
  for (size_t b = 0; b < 2; ++b) {
    ctx.beginSubgraph(b == 0 ? "then" : "else");
    ctx.convertBlock(blocks[b]);
    emitBlockOutputs(ctx, ctx.blockOutputs(blocks[b]), dtypes);
    branches.push_back(ctx.endSubgraph());
  }
  auto outs = ctx.emitN("If", {cond}, {{"then_branch", branches[0]}, {"else_branch", branches[1]}}, dtypes.size());
  for (size_t i = 0; i < outs.size(); ++i) ctx.bind(ctx.output(node, i), outs[i]);
  return Status::Ok();
}

// prim::Loop(max_trip_count, cond, carried...) with body (i, carried...) -> (cond, carried...)
// maps one to one onto ONNX Loop(M, cond, v_initial...) with body (iter, cond_in, v...) ->
// (cond_out, v...). TorchScript's `while` loops pass the largest int64 as the trip count.
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
  for (size_t i = 0; i < carried; ++i) {
    const Value* initial = ctx.input(node, 2 + i);
    if (ctx.isList(initial)) return ctx.fail(node, "a loop that carries a list is not supported yet");
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
    ctx.addSubgraphInput(name, dtypes[1 + i], knownShape(ctx, params[1 + i]));
    ctx.bind(params[1 + i], name);
  }
  ctx.convertBlock(body);
  emitBlockOutputs(ctx, results, dtypes);
  GraphAttr graph = ctx.endSubgraph();
  auto outs = ctx.emitN("Loop", inputs, {{"body", graph}}, carried);
  for (size_t i = 0; i < outs.size(); ++i) ctx.bind(ctx.output(node, i), outs[i]);
  return Status::Ok();
}

}  // namespace

void registerControlFlowOps(Registry& r) {
  r.add("prim::If", 1, ifNode);
  r.add("prim::Loop", 1, loopNode);
  r.add("aten::__range_length", 1, rangeLength);
  r.add("aten::__derive_index", 1, deriveIndex);
}

}  // namespace pt2onnx
