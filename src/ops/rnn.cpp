// Converters: aten::lstm / gru / rnn_tanh / rnn_relu (one ONNX LSTM/GRU/RNN per layer) and the single-step cells.
#include <set>

#include "ops/common.h"
#include "ops/recurrent.h"

namespace pt2onnx {
namespace {

enum class Cell { kLstm, kGru, kTanh, kRelu };

const char* onnxOp(Cell cell) { return cell == Cell::kLstm ? "LSTM" : cell == Cell::kGru ? "GRU" : "RNN"; }

std::string concat(Context& ctx, const std::vector<std::string>& parts, int64_t axis) {
  return parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", axis}});
}

// PyTorch stacks the gate blocks of w_ih, w_hh, b_ih and b_hh along dim 0 as LSTM (i, f, g, o) and
// GRU (r, z, n). ONNX LSTM wants (i, o, f, c) and GRU (z, r, h), where ONNX's c is PyTorch's g and
// ONNX's h is PyTorch's n. A plain RNN has one block.
std::string onnxGateOrder(Context& ctx, const std::string& w, Cell cell, int64_t hidden) {
  if (cell == Cell::kLstm) {
    auto p = ctx.split(w, 0, {hidden, hidden, hidden, hidden});
    return ctx.emit("Concat", {p[0], p[3], p[1], p[2]}, {{"axis", 0}});
  }
  if (cell == Cell::kGru) {
    auto p = ctx.split(w, 0, {hidden, hidden, hidden});
    return ctx.emit("Concat", {p[1], p[0], p[2]}, {{"axis", 0}});
  }
  return w;
}

// The arguments of one aten::lstm / gru / rnn_* node, with every tensor in the input's dtype.
struct Rnn {
  Cell cell;
  DType dt;
  int64_t layers = 1, dirs = 1, hidden = 0;
  int64_t cell_size = 0;  // an LSTM with proj_size: the cell's size (hidden is the projected one)
  bool biases = true;
  bool proj = false;                // an LSTM with proj_size: a weight_hr after the others of each direction
  std::vector<std::string> params;  // per layer, per direction: w_ih, w_hh[, b_ih, b_hh]
  std::string x;                    // [seq, batch, input]
  std::string h0, c0;               // [layers * dirs, batch, hidden]
  std::string lengths;              // packed sequences: ONNX sequence_lens, [batch] int32; else empty

  int64_t perDirection() const { return (biases ? 4 : 2) + (proj ? 1 : 0); }
  const std::string& param(int64_t layer, int64_t dir, int64_t k) const {
    return params[(layer * dirs + dir) * perDirection() + k];
  }
};

// h0 / c0 split into one [dirs, batch, hidden] piece per layer.
std::vector<std::string> perLayer(Context& ctx, const std::string& state, const Rnn& a) {
  if (a.layers == 1) return {state};
  return ctx.split(state, 0, std::vector<int64_t>(a.layers, a.dirs));
}

// One layer as an ONNX LSTM/GRU/RNN; returns {Y as [seq, batch, dirs * hidden], Y_h, Y_c}.
std::vector<std::string> onnxLayer(Context& ctx, const Rnn& a, int64_t layer, const std::string& x,
                                   const std::string& h0, const std::string& c0) {
  // ONNX W, R and B carry a leading num_directions axis (forward first); B is [Wb, Rb] concatenated.
  std::vector<std::string> ws, rs, bs;
  for (int64_t d = 0; d < a.dirs; ++d) {
    ws.push_back(ctx.unsqueeze(onnxGateOrder(ctx, a.param(layer, d, 0), a.cell, a.hidden), {0}));
    rs.push_back(ctx.unsqueeze(onnxGateOrder(ctx, a.param(layer, d, 1), a.cell, a.hidden), {0}));
    if (!a.biases) continue;
    std::string wb = onnxGateOrder(ctx, a.param(layer, d, 2), a.cell, a.hidden);
    std::string rb = onnxGateOrder(ctx, a.param(layer, d, 3), a.cell, a.hidden);
    bs.push_back(ctx.unsqueeze(ctx.emit("Concat", {wb, rb}, {{"axis", 0}}), {0}));
  }
  std::vector<std::string> ins = {
      x, concat(ctx, ws, 0), concat(ctx, rs, 0), a.biases ? concat(ctx, bs, 0) : "", a.lengths, h0};
  if (a.cell == Cell::kLstm) ins.push_back(c0);
  std::vector<Attr> attrs = {{"hidden_size", a.hidden}, {"direction", a.dirs == 2 ? "bidirectional" : "forward"}};
  // PyTorch's GRU applies the reset gate after the recurrent matmul: n = tanh(W_n x + b_in + r * (R_n h + b_hn)).
  if (a.cell == Cell::kGru) attrs.push_back({"linear_before_reset", 1});
  auto outs = ctx.emitN(onnxOp(a.cell), ins, attrs, a.cell == Cell::kLstm ? 3 : 2);
  // Y is [seq, dirs, batch, hidden]; PyTorch puts both directions of a step side by side in the last dim.
  if (a.dirs == 1) {
    outs[0] = ctx.squeeze(outs[0], {1});
  } else {
    std::string t = ctx.emit("Transpose", {outs[0]}, {{"perm", {0, 2, 1, 3}}});
    outs[0] = ctx.emit("Reshape", {t, ctx.constI64({0, 0, a.dirs * a.hidden})});
  }
  return outs;
}

// Packed sequences: [seq, batch, 1], true where step t lies within sequence b's length (empty
// without lengths). A step past a sequence's length keeps its state and outputs zeros, which in the
// backward direction starts each sequence at its own last step, as PyTorch does.
std::string validSteps(Context& ctx, const Rnn& a, const std::string& x) {
  if (a.lengths.empty()) return "";
  std::string t = ctx.emit("Range", {ctx.scalarI64(0), ctx.dimOf(x, 0), ctx.scalarI64(1)});
  std::string lengths = ctx.cast(a.lengths, DType::kInt32, DType::kInt64);
  return ctx.unsqueeze(ctx.emit("Less", {ctx.unsqueeze(t, {1}), ctx.unsqueeze(lengths, {0})}), {2});
}

// A Scan of `body` over the steps of `xw` (and of `valid`, when given) in direction `dir`, carrying
// `state`. The backward direction reads the sequence from the end and stores its outputs from the
// end, so Y[t] stays aligned with x[t] as in PyTorch.
std::vector<std::string> scanSteps(Context& ctx, const GraphAttr& body, std::vector<std::string> state,
                                   const std::string& xw, const std::string& valid, int64_t dir, size_t outputs) {
  const auto carried = static_cast<int64_t>(state.size());
  state.push_back(xw);
  std::vector<int64_t> directions = {dir};
  if (!valid.empty()) {
    state.push_back(valid);
    directions.push_back(dir);
  }
  return ctx.emitN("Scan", state,
                   {{"body", body},
                    {"num_scan_inputs", static_cast<int64_t>(state.size()) - carried},
                    {"scan_input_directions", directions},
                    {"scan_output_directions", {dir}}},
                   outputs);
}

// One direction of a ReLU RNN layer as an ONNX Scan over the sequence:
// h_t = relu(x_t W^T + b_ih + h_{t-1} R^T + b_hh). ONNX RNN computes this with activations=["Relu"],
// but the converter API has no string-list attribute, so the step is spelled out. The input
// projection of every step is one MatMul before the Scan. Returns {Y [seq, batch, hidden], h_n [batch, hidden]}.
std::pair<std::string, std::string> reluDirection(Context& ctx, const Rnn& a, int64_t layer, int64_t dir,
                                                  const std::string& x, const std::string& h0) {
  std::string xw = ctx.emit("MatMul", {x, ctx.emit("Transpose", {a.param(layer, dir, 0)}, {{"perm", {1, 0}}})});
  if (a.biases) xw = ctx.emit("Add", {xw, ctx.emit("Add", {a.param(layer, dir, 2), a.param(layer, dir, 3)})});
  std::string rt = ctx.emit("Transpose", {a.param(layer, dir, 1)}, {{"perm", {1, 0}}});
  std::string valid = validSteps(ctx, a, x);
  ctx.beginSubgraph("rnn_relu_step");
  std::string h = ctx.freshName("h_prev");
  std::string xt = ctx.freshName("xw_t");
  ctx.addSubgraphInput(h, a.dt, std::vector<int64_t>{-1, a.hidden});
  ctx.addSubgraphInput(xt, a.dt, std::vector<int64_t>{-1, a.hidden});
  std::string next = ctx.emit("Relu", {ctx.emit("Add", {xt, ctx.emit("MatMul", {h, rt})})});
  std::string y = ctx.emit("Identity", {next});
  if (!valid.empty()) {
    std::string m = ctx.freshName("valid_t");
    ctx.addSubgraphInput(m, DType::kBool, std::vector<int64_t>{-1, 1});
    y = ctx.emit("Where", {m, next, ctx.scalar(0.0, a.dt)});
    next = ctx.emit("Where", {m, next, h});
  }
  ctx.addSubgraphOutput(next, a.dt);
  ctx.addSubgraphOutput(y, a.dt);
  GraphAttr body = ctx.endSubgraph();
  auto outs = scanSteps(ctx, body, {h0}, xw, valid, dir, 2);
  return {outs[1], outs[0]};
}

// One ReLU layer; returns {Y as [seq, batch, dirs * hidden], h_n as [dirs, batch, hidden]}.
std::vector<std::string> reluLayer(Context& ctx, const Rnn& a, int64_t layer, const std::string& x,
                                   const std::string& h0) {
  auto h0s = a.dirs == 1 ? std::vector<std::string>{h0} : ctx.split(h0, 0, {1, 1});
  std::vector<std::string> ys, hs;
  for (int64_t d = 0; d < a.dirs; ++d) {
    auto [y, h] = reluDirection(ctx, a, layer, d, x, ctx.squeeze(h0s[d], {0}));
    ys.push_back(y);
    hs.push_back(ctx.unsqueeze(h, {0}));
  }
  return {concat(ctx, ys, 2), concat(ctx, hs, 0)};
}

// One direction of an LSTM layer with proj_size, which ONNX's LSTM has no form for, as a Scan over
// the sequence: gates = x_t W_ih^T + b_ih + b_hh + h_{t-1} W_hh^T (i, f, g, o), c_t = f c_{t-1} +
// i g, h_t = (o tanh(c_t)) W_hr^T. The input projection of every step is one MatMul before the
// Scan. Returns {Y [seq, batch, proj], h_n [batch, proj], c_n [batch, cell]}.
std::vector<std::string> projDirection(Context& ctx, const Rnn& a, int64_t layer, int64_t dir, const std::string& x,
                                       const std::string& h0, const std::string& c0) {
  auto t = [&](const std::string& w) { return ctx.emit("Transpose", {w}, {{"perm", {1, 0}}}); };
  std::string xw = ctx.emit("MatMul", {x, t(a.param(layer, dir, 0))});
  if (a.biases) xw = ctx.emit("Add", {xw, ctx.emit("Add", {a.param(layer, dir, 2), a.param(layer, dir, 3)})});
  std::string rt = t(a.param(layer, dir, 1));
  std::string pt = t(a.param(layer, dir, a.biases ? 4 : 2));
  std::string valid = validSteps(ctx, a, x);
  const int64_t n = a.cell_size;
  ctx.beginSubgraph("lstm_proj_step");
  std::string h = ctx.freshName("h_prev"), c = ctx.freshName("c_prev"), xt = ctx.freshName("xw_t");
  ctx.addSubgraphInput(h, a.dt, std::vector<int64_t>{-1, a.hidden});
  ctx.addSubgraphInput(c, a.dt, std::vector<int64_t>{-1, n});
  ctx.addSubgraphInput(xt, a.dt, std::vector<int64_t>{-1, 4 * n});
  auto [cell_out, c_next] = lstmStep(ctx, ctx.emit("Add", {xt, ctx.emit("MatMul", {h, rt})}), c, n, 1);
  std::string h_next = ctx.emit("MatMul", {cell_out, pt});
  std::string y = ctx.emit("Identity", {h_next});
  if (!valid.empty()) {  // past a sequence's end: the state kept, zeros out (as reluDirection)
    std::string m = ctx.freshName("valid_t");
    ctx.addSubgraphInput(m, DType::kBool, std::vector<int64_t>{-1, 1});
    y = ctx.emit("Where", {m, h_next, ctx.scalar(0.0, a.dt)});
    h_next = ctx.emit("Where", {m, h_next, h});
    c_next = ctx.emit("Where", {m, c_next, c});
  }
  ctx.addSubgraphOutput(ctx.emit("Identity", {h_next}), a.dt);
  ctx.addSubgraphOutput(ctx.emit("Identity", {c_next}), a.dt);
  ctx.addSubgraphOutput(y, a.dt);
  GraphAttr body = ctx.endSubgraph();
  auto outs = scanSteps(ctx, body, {h0, c0}, xw, valid, dir, 3);
  return {outs[2], outs[0], outs[1]};
}

// One LSTM layer with proj_size; returns {Y [seq, batch, dirs * proj], h_n [dirs, batch, proj],
// c_n [dirs, batch, cell]}.
std::vector<std::string> projLayer(Context& ctx, const Rnn& a, int64_t layer, const std::string& x,
                                   const std::string& h0, const std::string& c0) {
  auto h0s = a.dirs == 1 ? std::vector<std::string>{h0} : ctx.split(h0, 0, {1, 1});
  auto c0s = a.dirs == 1 ? std::vector<std::string>{c0} : ctx.split(c0, 0, {1, 1});
  std::vector<std::string> ys, hs, cs;
  for (int64_t d = 0; d < a.dirs; ++d) {
    auto outs = projDirection(ctx, a, layer, d, x, ctx.squeeze(h0s[d], {0}), ctx.squeeze(c0s[d], {0}));
    ys.push_back(outs[0]);
    hs.push_back(ctx.unsqueeze(outs[1], {0}));
    cs.push_back(ctx.unsqueeze(outs[2], {0}));
  }
  return {concat(ctx, ys, 2), concat(ctx, hs, 0), concat(ctx, cs, 0)};
}

// lstm(input, hx[h0, c0], params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
// gru / rnn_tanh / rnn_relu(input, hx, params, ...same). Layers are stacked: layer l + 1 reads the
// [seq, batch, dirs * hidden] output of layer l; h_n (and c_n) concatenate the layers' final states.
Status convertRnn(Context& ctx, const Node& node, Cell cell) {
  const bool lstm = cell == Cell::kLstm;
  // The packed-sequence overloads take (data, batch_sizes, hx, params, ...) and no batch_first:
  // every later argument moves one place. The data is then the padded input of
  // _pack_padded_sequence (time-major) and the lengths become ONNX's sequence_lens.
  const bool packed = !ctx.isList(ctx.input(node, lstm ? 1 : 2));
  const size_t at = packed ? 1 : 0;
  Rnn a;
  a.cell = cell;
  const Value* input = ctx.input(node, 0);
  if (packed) {
    // The data comes from pack_padded_sequence or from a recurrent layer that read packed data.
    const Node* from = ctx.producer(input);
    const std::string kind = ctx.kind(*from);
    if (ctx.kind(*ctx.producer(ctx.input(node, 1))) != "aten::_pack_padded_sequence" ||
        (kind != "aten::_pack_padded_sequence" && kind != "aten::lstm" && kind != "aten::gru" &&
         kind != "aten::rnn_tanh" && kind != "aten::rnn_relu"))
      return ctx.fail(node, "the packed sequence does not come from pack_padded_sequence or a recurrent layer");
    const Node& pack = *ctx.producer(ctx.input(node, 1));
    a.lengths = ctx.tensor(ctx.input(pack, 1), DType::kInt32);
  }
  a.dt = ctx.requireDType(input);
  if (!packed && ctx.requireRank(input) != 3) return ctx.fail(node, "the input must be 3-d");
  a.biases = ctx.constBool(ctx.input(node, 3 + at));
  a.layers = ctx.constInt(ctx.input(node, 4 + at));
  double dropout = ctx.constDouble(ctx.input(node, 5 + at));
  bool train = ctx.constBool(ctx.input(node, 6 + at));
  a.dirs = ctx.constBool(ctx.input(node, 7 + at)) ? 2 : 1;
  // A packed input was made time-major by its pack node; the output stays so until it is padded.
  bool batch_first = packed ? false : ctx.constBool(ctx.input(node, 8));
  if (train && dropout > 0 && a.layers > 1)
    return ctx.fail(node, "dropout between layers in training mode; export the model in eval mode");
  auto h_shape = ctx.shape(ctx.output(node, 1));
  a.hidden = h_shape.size() == 3 ? h_shape[2] : -1;
  if (a.hidden <= 0) return ctx.fail(node, "the hidden size must be fixed");

  for (const auto& p : ctx.optionalTensorList(ctx.input(node, 2 + at))) {
    if (p.none) return ctx.fail(node, "a weight is None");
    a.params.push_back(ctx.cast(p.name, p.dtype, a.dt));
  }
  if (lstm && static_cast<int64_t>(a.params.size()) == a.layers * a.dirs * (a.perDirection() + 1)) {
    a.proj = true;  // proj_size: each direction's weight_hr follows its other weights
    auto c_shape = ctx.shape(ctx.output(node, 2));
    a.cell_size = c_shape.size() == 3 ? c_shape[2] : -1;
    if (a.cell_size <= 0) return ctx.fail(node, "the LSTM's cell size must be fixed");
  }
  if (static_cast<int64_t>(a.params.size()) != a.layers * a.dirs * a.perDirection())
    return ctx.fail(node, "expected " + std::to_string(a.layers * a.dirs * a.perDirection()) + " weights, got " +
                              std::to_string(a.params.size()));
  if (lstm) {
    auto hx = ctx.optionalTensorList(ctx.input(node, 1 + at));
    if (hx.size() != 2 || hx[0].none || hx[1].none) return ctx.fail(node, "hx must be (h0, c0)");
    a.h0 = ctx.cast(hx[0].name, hx[0].dtype, a.dt);
    a.c0 = ctx.cast(hx[1].name, hx[1].dtype, a.dt);
  } else {
    a.h0 = ctx.tensor(ctx.input(node, 1 + at), a.dt);
  }

  // ONNX's layout=1 (opset 14) would take batch-first tensors directly, but ONNX Runtime's CPU
  // kernels reject it; a Transpose on each side is portable.
  std::string x = ctx.tensor(input);
  if (batch_first) x = ctx.emit("Transpose", {x}, {{"perm", {1, 0, 2}}});
  auto h0s = perLayer(ctx, a.h0, a);
  auto c0s = lstm ? perLayer(ctx, a.c0, a) : std::vector<std::string>(a.layers);
  std::vector<std::string> hs, cs;
  for (int64_t l = 0; l < a.layers; ++l) {
    auto outs = cell == Cell::kRelu ? reluLayer(ctx, a, l, x, h0s[l])
                : a.proj            ? projLayer(ctx, a, l, x, h0s[l], c0s[l])
                                    : onnxLayer(ctx, a, l, x, h0s[l], c0s[l]);
    x = outs[0];
    hs.push_back(outs[1]);
    if (lstm) cs.push_back(outs[2]);
  }
  if (batch_first) x = ctx.emit("Transpose", {x}, {{"perm", {1, 0, 2}}});
  ctx.bind(ctx.output(node, 0), x);
  ctx.bind(ctx.output(node, 1), concat(ctx, hs, 0));
  if (lstm) ctx.bind(ctx.output(node, 2), concat(ctx, cs, 0));
  return Status::Ok();
}

// ---- single steps (scripted decoders call these; traces record their decomposition) ----------

// x W^T + b over the last dim; Gemm for the usual 2-d batch.
std::string affine(Context& ctx, const std::string& x, int64_t rank, const std::string& w, const std::string& b) {
  if (rank == 2) {
    std::vector<std::string> ins = {x, w};
    if (!b.empty()) ins.push_back(b);
    return ctx.emit("Gemm", ins, {{"transB", 1}});
  }
  std::string y = ctx.emit("MatMul", {x, ctx.emit("Transpose", {w}, {{"perm", {1, 0}}})});
  return b.empty() ? y : ctx.emit("Add", {y, b});
}

// The cells' shared arguments: (input, hx, w_ih, w_hh, b_ih?, b_hh?) -> input and hidden projections.
struct CellProjections {
  std::string gi, gh;  // x W_ih^T + b_ih and h W_hh^T + b_hh, gate blocks along the last dim
  int64_t axis;
};

CellProjections cellProjections(Context& ctx, const Node& node, const std::string& h, DType dt) {
  const Value* input = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(input);
  auto weight = [&](size_t i) {
    return ctx.isNone(ctx.input(node, i)) ? std::string() : ctx.tensor(ctx.input(node, i), dt);
  };
  return {affine(ctx, ctx.tensor(input, dt), rank, weight(2), weight(4)), affine(ctx, h, rank, weight(3), weight(5)),
          rank - 1};
}

int64_t cellHidden(Context& ctx, const Node& node) {
  auto shape = ctx.shape(ctx.output(node, 0));
  if (shape.empty() || shape.back() < 0) throw ConvertError("the hidden size must be fixed");
  return shape.back();
}

// lstm_cell: i, f, g, o = gi + gh; c' = sigmoid(f) c + sigmoid(i) tanh(g); h' = sigmoid(o) tanh(c').
Status lstmCell(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node, 0));
  int64_t hidden = cellHidden(ctx, node);
  auto hx = ctx.optionalTensorList(ctx.input(node, 1));
  if (hx.size() != 2 || hx[0].none || hx[1].none) return ctx.fail(node, "hx must be (h, c)");
  std::string h = ctx.cast(hx[0].name, hx[0].dtype, dt);
  std::string c = ctx.cast(hx[1].name, hx[1].dtype, dt);
  auto p = cellProjections(ctx, node, h, dt);
  auto [h_next, c_next] = lstmStep(ctx, ctx.emit("Add", {p.gi, p.gh}), c, hidden, p.axis);
  ctx.bind(ctx.output(node, 0), h_next);
  ctx.bind(ctx.output(node, 1), c_next);
  return Status::Ok();
}

// gru_cell: r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r gh_n), h' = n + z (h - n).
Status gruCell(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node, 0));
  int64_t hidden = cellHidden(ctx, node);
  std::string h = ctx.tensor(ctx.input(node, 1), dt);
  auto p = cellProjections(ctx, node, h, dt);
  auto gi = ctx.split(p.gi, p.axis, {hidden, hidden, hidden});
  auto gh = ctx.split(p.gh, p.axis, {hidden, hidden, hidden});
  std::string r = ctx.emit("Sigmoid", {ctx.emit("Add", {gi[0], gh[0]})});
  std::string z = ctx.emit("Sigmoid", {ctx.emit("Add", {gi[1], gh[1]})});
  std::string n = ctx.emit("Tanh", {ctx.emit("Add", {gi[2], ctx.emit("Mul", {r, gh[2]})})});
  ctx.bind(ctx.output(node), ctx.emit("Add", {n, ctx.emit("Mul", {z, ctx.emit("Sub", {h, n})})}));
  return Status::Ok();
}

// rnn_tanh_cell / rnn_relu_cell: h' = act(gi + gh).
Status rnnCell(Context& ctx, const Node& node, const char* activation) {
  DType dt = ctx.requireDType(ctx.output(node, 0));
  auto p = cellProjections(ctx, node, ctx.tensor(ctx.input(node, 1), dt), dt);
  ctx.bind(ctx.output(node), ctx.emit(activation, {ctx.emit("Add", {p.gi, p.gh})}));
  return Status::Ok();
}

// _pack_padded_sequence(input, lengths, batch_first) -> (data, batch_sizes). The packed layout
// (valid steps only, sorted by length) has no ONNX form: data stands for the padded input made
// time-major, which the recurrent ops read with the pack's lengths as ONNX sequence_lens; only
// they and _pad_packed_sequence may read it. batch_sizes is PyTorch's own: batch_sizes[t] is the
// number of sequences longer than t, for t below the longest length.
Status packPaddedSequence(Context& ctx, const Node& node) {
  const Value* input = ctx.input(node, 0);
  if (ctx.requireRank(input) < 2) return ctx.fail(node, "the input must have time and batch dims");
  std::string x = ctx.tensor(input);
  if (ctx.constBool(ctx.input(node, 2))) {
    std::vector<int64_t> perm = {1, 0};
    for (int64_t i = 2; i < ctx.requireRank(input); ++i) perm.push_back(i);
    x = ctx.emit("Transpose", {x}, {{"perm", perm}});
  }
  ctx.bind(ctx.output(node, 0), x);
  std::string lengths = ctx.tensor(ctx.input(node, 1), DType::kInt64);
  std::string longest = ctx.reduce("ReduceMax", lengths, {0}, false);
  std::string t = ctx.emit("Range", {ctx.scalarI64(0), longest, ctx.scalarI64(1)});
  std::string longer = ctx.emit("Greater", {ctx.unsqueeze(lengths, {0}), ctx.unsqueeze(t, {1})});
  std::string counts = ctx.reduce("ReduceSum", ctx.cast(longer, DType::kBool, DType::kInt64), {1}, false);
  ctx.bind(ctx.output(node, 1), counts);
  return Status::Ok();
}

// _pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length) -> (padded,
// lengths): the recurrent output is already padded (ONNX writes zeros past each length), so only
// the padding value, the length of the time axis (the longest sequence, or total_length) and the
// layout change.
Status padPackedSequence(Context& ctx, const Node& node) {
  const Value* data = ctx.input(node, 0);
  const std::string producer = ctx.kind(*ctx.producer(data));
  static const std::set<std::string> kinds = {"aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu",
                                              "aten::_pack_padded_sequence"};
  if (!kinds.count(producer))
    return ctx.fail(node, "the packed sequence comes from " + producer +
                              "; only recurrent layers and pack_padded_sequence are followed");
  std::string y = ctx.tensor(data);
  const Node& pack = *ctx.producer(ctx.input(node, 1));
  if (ctx.kind(pack) != "aten::_pack_padded_sequence")
    return ctx.fail(node, "batch_sizes does not come from pack_padded_sequence");
  std::string lengths = ctx.tensor(ctx.input(pack, 1), DType::kInt64);
  const int64_t rank = ctx.requireRank(ctx.output(node, 0));
  const Value* total = ctx.input(node, 4);
  std::string steps = ctx.isNone(total) ? ctx.reduce("ReduceMax", lengths, {0}, true)
                                        : ctx.unsqueeze(ctx.tensor(total, DType::kInt64), {0});
  // Past the data's own time steps, total_length pads with zero steps (Expand and Concat, which
  // opset 9 takes with a computed count, unlike Pad); the first `steps` steps are then kept (a
  // Gather of a range, which opset 9 takes with a computed end, unlike Slice).
  DType dt = ctx.requireDType(data);
  std::string have = ctx.emit("Shape", {y});
  std::string time = ctx.emit("Slice", {have, ctx.constI64({0}), ctx.constI64({1})});
  std::string missing = ctx.emit("Sub", {steps, time});  // (Max takes int64 only from opset 12)
  std::string zero = ctx.constI64({0});
  std::string pad_steps = ctx.emit("Where", {ctx.emit("Greater", {missing, zero}), missing, zero});
  std::string step_shape = ctx.emit("Slice", {have, ctx.constI64({1}), ctx.constI64({rank})});
  std::string padding_steps =
      ctx.emit("Expand", {ctx.scalar(0, dt), ctx.emit("Concat", {pad_steps, step_shape}, {{"axis", 0}})});
  y = ctx.emit("Concat", {y, padding_steps}, {{"axis", 0}});
  std::string kept = ctx.emit("Range", {ctx.scalarI64(0), ctx.squeeze(steps, {0}), ctx.scalarI64(1)});
  y = ctx.emit("Gather", {y, kept}, {{"axis", 0}});
  double padding = ctx.constDouble(ctx.input(node, 3));
  if (padding != 0.0) {
    // mask[t, b] = t < lengths[b]
    std::string mask = ctx.emit("Less", {ctx.unsqueeze(kept, {1}), ctx.unsqueeze(lengths, {0})});
    std::vector<int64_t> trailing;
    for (int64_t i = 2; i < rank; ++i) trailing.push_back(i);
    if (!trailing.empty()) mask = ctx.unsqueeze(mask, trailing);
    y = ctx.emit("Where", {mask, y, ctx.scalar(padding, dt)});
  }
  if (ctx.constBool(ctx.input(node, 2))) {
    std::vector<int64_t> perm = {1, 0};
    for (int64_t i = 2; i < rank; ++i) perm.push_back(i);
    y = ctx.emit("Transpose", {y}, {{"perm", perm}});
  }
  ctx.bind(ctx.output(node, 0), y);
  ctx.bind(ctx.output(node, 1), lengths);
  return Status::Ok();
}

}  // namespace

std::pair<std::string, std::string> lstmStep(Context& ctx, const std::string& gates, const std::string& c,
                                             int64_t hidden, int64_t axis) {
  auto g = ctx.split(gates, axis, {hidden, hidden, hidden, hidden});
  std::string c_next = ctx.emit("Add", {ctx.emit("Mul", {ctx.emit("Sigmoid", {g[1]}), c}),
                                        ctx.emit("Mul", {ctx.emit("Sigmoid", {g[0]}), ctx.emit("Tanh", {g[2]})})});
  return {ctx.emit("Mul", {ctx.emit("Sigmoid", {g[3]}), ctx.emit("Tanh", {c_next})}), c_next};
}

void registerRnnOps(Registry& r) {
  r.add("aten::lstm", 9, [](Context& ctx, const Node& node) { return convertRnn(ctx, node, Cell::kLstm); });
  r.add("aten::gru", 9, [](Context& ctx, const Node& node) { return convertRnn(ctx, node, Cell::kGru); });
  r.add("aten::rnn_tanh", 9, [](Context& ctx, const Node& node) { return convertRnn(ctx, node, Cell::kTanh); });
  r.add("aten::rnn_relu", 9, [](Context& ctx, const Node& node) { return convertRnn(ctx, node, Cell::kRelu); });
  r.add("aten::lstm_cell", 9, lstmCell);
  r.add("aten::_pack_padded_sequence", 9, packPaddedSequence);
  r.add("aten::_pad_packed_sequence", 9, padPackedSequence);
  r.add("aten::gru_cell", 9, gruCell);
  r.add("aten::rnn_tanh_cell", 9, [](Context& ctx, const Node& node) { return rnnCell(ctx, node, "Tanh"); });
  r.add("aten::rnn_relu_cell", 9, [](Context& ctx, const Node& node) { return rnnCell(ctx, node, "Relu"); });
}

}  // namespace pt2onnx
