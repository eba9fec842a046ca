// Converters: dynamically quantized LSTMs (torch.ao.quantization.quantize_dynamic of nn.LSTM),
// aten::quantized_lstm. Each layer and direction is an ONNX Loop over the time steps that repeats
// LibTorch's CPU computation: the layer's input (the whole sequence at once) and, at each step, the
// hidden state are quantized over their own range (7 bits with reduce_range, what LibTorch's x86
// engines use), multiplied by the int8 weights (DequantizeLinear of int8 initializers) with the
// float bias, then the float gates
// i, f, g, o: c' = f * c + i * g, h' = o * tanh(c'). ONNX's LSTM operator would take the input
// unquantized and give other numbers.
#include <torch/script.h>

#include "ops/common.h"
#include "ops/quantized_common.h"
#include "ops/recurrent.h"

namespace pt2onnx {
namespace {

// One direction of one layer: the input-to-hidden and hidden-to-hidden linear layers.
struct CellWeights {
  Context::PackedWeights ih, hh;
  bool reduce_range = true;
};

// A CellParamsBase object's state: (kind, [bias_ih, bias_hh], doubles, [reduce_range], [packed_ih,
// packed_hh]) for the dynamic int8 kind.
std::optional<CellWeights> cellWeights(Context& ctx, const c10::IValue& params, const std::string& hint,
                                       std::string* why) {
  if (!params.isObject()) {
    *why = "the cell parameters are not constants of the saved module";
    return std::nullopt;
  }
  c10::IValue state = torch::jit::Object(params.toObject()).run_method("__getstate__");
  if (!state.isTuple() || state.toTupleRef().elements().size() < 5) {
    *why = "the cell parameters have an unknown layout";
    return std::nullopt;
  }
  const auto& parts = state.toTupleRef().elements();
  const std::string kind = parts[0].toStringRef();
  if (kind != "quantized_dynamic") {
    *why = "cell parameters of kind '" + kind +
           "' (only int8 dynamic quantization, quantize_dynamic's default, is converted; float16 and static "
           "quantized cells are not)";
    return std::nullopt;
  }
  const auto packed = parts[4].toListRef();
  if (packed.size() != 2) {
    *why = "the cell parameters do not hold two packed linear layers";
    return std::nullopt;
  }
  CellWeights w;
  const auto longs = parts[3].toListRef();
  w.reduce_range = longs.empty() || longs[0].toInt() != 0;
  w.ih = ctx.packedWeights(packed[0], hint + "_ih", 0);
  w.hh = ctx.packedWeights(packed[1], hint + "_hh", 0);
  return w;
}

// x quantized per call over its whole range as the dynamic linear layers do, then x W^T + b (x of
// any rank).
std::string dynamicLinear(Context& ctx, const std::string& x, const Context::PackedWeights& w, bool reduce_range) {
  std::string q = dynamicQdq(ctx, x, reduce_range);
  std::string y = ctx.emit("MatMul", {q, ctx.emit("Transpose", {w.weight}, {{"perm", std::vector<int64_t>{1, 0}}})});
  return w.bias.empty() ? y : ctx.emit("Add", {y, w.bias});
}

// Runs one direction over x [T, B, n] from (h0, c0) [B, H]: (y [T, B, H], h_T, c_T).
std::vector<std::string> direction(Context& ctx, const std::string& x, const std::string& h0, const std::string& c0,
                                   const CellWeights& w, bool reverse, int64_t hidden) {
  // LibTorch applies the input-to-hidden layer to the whole sequence at once (one quantization
  // range over all steps), the hidden-to-hidden one at each step.
  std::string input_gates = dynamicLinear(ctx, x, w.ih, w.reduce_range);  // [T, B, 4H]
  std::string steps = ctx.dimOf(x, 0);
  std::string last = ctx.emit("Sub", {steps, ctx.scalarI64(1)});
  std::string go = ctx.scalar(1.0, DType::kBool);
  ctx.beginSubgraph(reverse ? "lstm_backward" : "lstm_forward");
  std::string iter = ctx.freshName("step");
  ctx.addSubgraphInput(iter, DType::kInt64, std::vector<int64_t>{});
  ctx.addSubgraphInput(ctx.freshName("cond_in"), DType::kBool, std::vector<int64_t>{});
  std::string h = ctx.freshName("h"), c = ctx.freshName("c");
  ctx.addSubgraphInput(h, DType::kFloat, std::nullopt);
  ctx.addSubgraphInput(c, DType::kFloat, std::nullopt);
  std::string t = reverse ? ctx.emit("Sub", {last, iter}) : iter;
  std::string gates = ctx.emit(
      "Add", {ctx.emit("Gather", {input_gates, t}, {{"axis", 0}}), dynamicLinear(ctx, h, w.hh, w.reduce_range)});
  auto [h_next, c_next] = lstmStep(ctx, gates, c, hidden, 1);
  ctx.addSubgraphOutput(ctx.emit("Identity", {go}), DType::kBool);
  ctx.addSubgraphOutput(ctx.emit("Identity", {h_next}), DType::kFloat);
  ctx.addSubgraphOutput(ctx.emit("Identity", {c_next}), DType::kFloat);
  ctx.addSubgraphOutput(ctx.emit("Identity", {h_next}), DType::kFloat);  // scan output: y[t]
  GraphAttr body = ctx.endSubgraph();
  auto outs = ctx.emitN("Loop", {steps, go, h0, c0}, {{"body", body}}, 3);
  if (reverse)  // the scan output is in the order of the steps taken, from the last time step
    outs[2] = ctx.emit("Slice",
                       {outs[2], ctx.constI64({-1}), ctx.constI64({INT64_MIN}), ctx.constI64({0}), ctx.constI64({-1})});
  return {outs[2], outs[0], outs[1]};
}

// aten::quantized_lstm(input, hx[h0, c0], params[], has_biases, num_layers, dropout, train,
// bidirectional, batch_first, *, dtype, use_dynamic) -> (output, h_n, c_n).
Status quantizedLstm(Context& ctx, const Node& node) {
  const Value* input = ctx.input(node, 0);
  if (!ctx.isList(ctx.input(node, 1)))  // the overload (data, batch_sizes, hx, ...)
    return ctx.fail(node,
                    "a quantized LSTM on packed sequences (pack_padded_sequence) is not converted; pass the "
                    "padded batch");
  if (ctx.requireDType(input) != DType::kFloat) return ctx.fail(node, "a quantized LSTM takes float32 input");
  if (ctx.requireRank(input) != 3) return ctx.fail(node, "a quantized LSTM over unbatched (2-d) input");
  const int64_t layers = ctx.constInt(ctx.input(node, 4));
  const bool bidirectional = ctx.constBool(ctx.input(node, 7));
  const bool batch_first = ctx.constBool(ctx.input(node, 8));
  const int64_t dirs = bidirectional ? 2 : 1;
  const Node* list = ctx.producer(ctx.input(node, 2));
  if (!list || ctx.kind(*list) != "prim::ListConstruct" || static_cast<int64_t>(ctx.inputCount(*list)) != layers * dirs)
    return ctx.fail(node, "the cell parameters are not a list of one object per layer and direction");
  std::vector<CellWeights> cells;
  for (size_t k = 0; k < ctx.inputCount(*list); ++k) {
    auto iv = torch::jit::toIValue(const_cast<Value*>(ctx.input(*list, k)));
    std::string why = "the cell parameters are not constants of the saved module";
    auto w = iv ? cellWeights(ctx, *iv, "lstm_l" + std::to_string(k / dirs) + (k % dirs ? "_reverse" : ""), &why)
                : std::nullopt;
    if (!w) return ctx.fail(node, why);
    cells.push_back(*w);
  }
  const int64_t hidden = cells[0].hh.weight_shape.at(1);
  auto hx = ctx.tensorList(ctx.input(node, 1));
  if (hx.size() != 2) return ctx.fail(node, "the initial state is not (h0, c0)");
  std::string x = ctx.tensor(input);
  if (batch_first) x = ctx.emit("Transpose", {x}, {{"perm", std::vector<int64_t>{1, 0, 2}}});
  std::vector<std::string> h_n, c_n;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<std::string> ys;
    for (int64_t d = 0; d < dirs; ++d) {
      const int64_t k = l * dirs + d;
      std::string h0 = ctx.emit("Gather", {hx[0], ctx.scalarI64(k)}, {{"axis", 0}});
      std::string c0 = ctx.emit("Gather", {hx[1], ctx.scalarI64(k)}, {{"axis", 0}});
      auto outs = direction(ctx, x, h0, c0, cells[k], d == 1, hidden);
      ys.push_back(outs[0]);
      h_n.push_back(ctx.unsqueeze(outs[1], {0}));
      c_n.push_back(ctx.unsqueeze(outs[2], {0}));
    }
    x = ys.size() == 1 ? ys[0] : ctx.emit("Concat", ys, {{"axis", 2}});
  }
  if (batch_first) x = ctx.emit("Transpose", {x}, {{"perm", std::vector<int64_t>{1, 0, 2}}});
  ctx.bind(ctx.output(node, 0), x);
  ctx.bind(ctx.output(node, 1), h_n.size() == 1 ? h_n[0] : ctx.emit("Concat", h_n, {{"axis", 0}}));
  ctx.bind(ctx.output(node, 2), c_n.size() == 1 ? c_n[0] : ctx.emit("Concat", c_n, {{"axis", 0}}));
  return Status::Ok();
}

}  // namespace

void registerQuantizedRnnOps(Registry& r) { r.add("aten::quantized_lstm", 10, quantizedLstm); }

}  // namespace pt2onnx
