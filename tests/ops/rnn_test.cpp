// Op tests: aten::lstm / gru / rnn_tanh / rnn_relu and the single-step cells at opsets 11 and 17.
#include <gtest/gtest.h>

#include <exception>
#include <set>
#include <string>
#include <vector>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

constexpr int64_t kSeq = 7, kBatch = 2, kInput = 16, kHidden = 8;

// One recurrent node whose weights are graph inputs, with --input specs and dynamic axes for
// sequence and batch on x, h0 and c0.
struct RnnCase {
  std::string op = "lstm";
  int64_t layers = 1;
  bool bidirectional = false;
  bool batch_first = false;
  bool biases = true;

  int64_t gates() const { return op == "lstm" ? 4 : op == "gru" ? 3 : 1; }
  int64_t dirs() const { return bidirectional ? 2 : 1; }
  bool lstm() const { return op == "lstm"; }

  std::string ir() const {
    std::string args = "%x : Tensor, %h0 : Tensor";
    if (lstm()) args += ", %c0 : Tensor";
    std::string params;
    for (int64_t i = 0; i < layers * dirs() * (biases ? 4 : 2); ++i) {
      args += ", %p" + std::to_string(i) + " : Tensor";
      params += (i ? ", %p" : "%p") + std::to_string(i);
    }
    auto flag = [](bool v) { return std::string(v ? "1" : "0"); };
    std::string s = "graph(" + args + "):\n";
    s += "  %params : Tensor[] = prim::ListConstruct(" + params + ")\n";
    s += "  %biases : bool = prim::Constant[value=" + flag(biases) + "]()\n";
    s += "  %layers : int = prim::Constant[value=" + std::to_string(layers) + "]()\n";
    s += "  %dropout : float = prim::Constant[value=0.]()\n";
    s += "  %train : bool = prim::Constant[value=0]()\n";
    s += "  %bidir : bool = prim::Constant[value=" + flag(bidirectional) + "]()\n";
    s += "  %batch_first : bool = prim::Constant[value=" + flag(batch_first) + "]()\n";
    std::string rest = "%params, %biases, %layers, %dropout, %train, %bidir, %batch_first)\n";
    if (lstm()) {
      s += "  %hx : Tensor[] = prim::ListConstruct(%h0, %c0)\n";
      s += "  %y : Tensor, %h : Tensor, %c : Tensor = aten::lstm(%x, %hx, " + rest;
      return s + "  return (%y, %h, %c)";
    }
    s += "  %y : Tensor, %h : Tensor = aten::" + op + "(%x, %h0, " + rest;
    return s + "  return (%y, %h)";
  }

  std::vector<std::string> inputs() const {
    auto dims = [](std::vector<int64_t> d) {
      std::string s;
      for (size_t i = 0; i < d.size(); ++i) s += (i ? "x" : "") + std::to_string(d[i]);
      return s;
    };
    std::string x = batch_first ? dims({kBatch, kSeq, kInput}) : dims({kSeq, kBatch, kInput});
    std::string state = dims({layers * dirs(), kBatch, kHidden});
    std::vector<std::string> specs = {"x:" + x, "h0:" + state};
    if (lstm()) specs.push_back("c0:" + state);
    int64_t n = 0;
    for (int64_t l = 0; l < layers; ++l)
      for (int64_t d = 0; d < dirs(); ++d) {
        int64_t in = l == 0 ? kInput : dirs() * kHidden;
        specs.push_back("p" + std::to_string(n++) + ":" + dims({gates() * kHidden, in}));
        specs.push_back("p" + std::to_string(n++) + ":" + dims({gates() * kHidden, kHidden}));
        if (!biases) continue;
        specs.push_back("p" + std::to_string(n++) + ":" + dims({gates() * kHidden}));
        specs.push_back("p" + std::to_string(n++) + ":" + dims({gates() * kHidden}));
      }
    return specs;
  }

  std::vector<std::string> dynamicAxes() const {
    std::vector<std::string> axes = {batch_first ? "x:0=batch,1=seq" : "x:0=seq,1=batch", "h0:1=batch"};
    if (lstm()) axes.push_back("c0:1=batch");
    return axes;
  }

  onnx::ModelProto convert(int opset) const { return convertIR(ir(), inputs(), opset, dynamicAxes()); }

  // Output, h_n (and c_n) keep PyTorch's shapes, with sequence and batch dynamic.
  void expectOutputDims(const onnx::ModelProto& model) const {
    EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{-1, -1, dirs() * kHidden}));
    EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{layers * dirs(), -1, kHidden}));
    if (lstm()) EXPECT_EQ(outputDims(model, 2), (std::vector<int64_t>{layers * dirs(), -1, kHidden}));
  }
};

// ---- aten::lstm -------------------------------------------------------------------------------

void checkLstmSingleLayer(int opset) {
  RnnCase c;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "LSTM"), 1);
  // Gates reordered from (i, f, g, o) to (i, o, f, c): one Split and one Concat per weight and bias.
  EXPECT_EQ(countOps(model, "Split"), 4);
  c.expectOutputDims(model);
}

TEST(Lstm, SingleLayerOpset11) { checkLstmSingleLayer(11); }
TEST(Lstm, SingleLayerOpset17) { checkLstmSingleLayer(17); }

void checkLstmTwoLayers(int opset) {
  RnnCase c;
  c.layers = 2;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "LSTM"), 2);
  c.expectOutputDims(model);
}

TEST(Lstm, TwoLayersOpset11) { checkLstmTwoLayers(11); }
TEST(Lstm, TwoLayersOpset17) { checkLstmTwoLayers(17); }

void checkLstmBidirectional(int opset) {
  RnnCase c;
  c.bidirectional = true;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "LSTM"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 1);  // [seq, dirs, batch, hidden] -> [seq, batch, dirs, hidden]
  c.expectOutputDims(model);
}

TEST(Lstm, BidirectionalOpset11) { checkLstmBidirectional(11); }
TEST(Lstm, BidirectionalOpset17) { checkLstmBidirectional(17); }

void checkLstmBatchFirst(int opset) {
  RnnCase c;
  c.layers = 2;
  c.bidirectional = true;
  c.batch_first = true;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "LSTM"), 2);
  EXPECT_EQ(countOps(model, "Transpose"), 4);  // input, output, and one per bidirectional layer
  c.expectOutputDims(model);
}

TEST(Lstm, TwoLayersBidirectionalBatchFirstOpset11) { checkLstmBatchFirst(11); }
TEST(Lstm, TwoLayersBidirectionalBatchFirstOpset17) { checkLstmBatchFirst(17); }

void checkLstmNoBias(int opset) {
  RnnCase c;
  c.biases = false;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "LSTM"), 1);
  EXPECT_EQ(countOps(model, "Split"), 2);
  c.expectOutputDims(model);
}

TEST(Lstm, NoBiasOpset11) { checkLstmNoBias(11); }
TEST(Lstm, NoBiasOpset17) { checkLstmNoBias(17); }

// nn.LSTM(16, 8, proj_size=4): a third weight w_hr [4, 8] per direction; h_n has 4 features. ONNX's
// LSTM has no projection: a Scan over the steps with the cell spelled out.
const char* kLstmProj = R"IR(
graph(%x : Tensor, %h0 : Tensor, %c0 : Tensor, %w_ih : Tensor, %w_hh : Tensor, %b_ih : Tensor, %b_hh : Tensor, %w_hr : Tensor):
  %params : Tensor[] = prim::ListConstruct(%w_ih, %w_hh, %b_ih, %b_hh, %w_hr)
  %hx : Tensor[] = prim::ListConstruct(%h0, %c0)
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %layers : int = prim::Constant[value=1]()
  %dropout : float = prim::Constant[value=0.]()
  %y : Tensor, %h : Tensor, %c : Tensor = aten::lstm(%x, %hx, %params, %t, %layers, %dropout, %f, %f, %f)
  return (%y, %h, %c))IR";

void checkLstmProj(int opset) {
  auto model = convertIR(
      kLstmProj, {"x:7x2x16", "h0:1x2x4", "c0:1x2x8", "w_ih:32x16", "w_hh:32x4", "b_ih:32", "b_hh:32", "w_hr:4x8"},
      opset, {"x:0=seq"});
  EXPECT_EQ(countOps(model, "Scan"), 1);
  EXPECT_EQ(countOps(model, "LSTM"), 0);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{-1, 2, 4}));
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{1, 2, 4}));
  EXPECT_EQ(outputDims(model, 2), (std::vector<int64_t>{1, 2, 8}));
}

TEST(Lstm, ProjSizeScanOpset11) { checkLstmProj(11); }
TEST(Lstm, ProjSizeScanOpset17) { checkLstmProj(17); }

// ---- aten::gru --------------------------------------------------------------------------------

void checkGru(int opset) {
  RnnCase c;
  c.op = "gru";
  c.layers = 2;
  c.bidirectional = true;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "GRU"), 2);
  for (const auto& node : model.graph().node()) {
    if (node.op_type() != "GRU") continue;
    bool linear_before_reset = false;
    for (const auto& a : node.attribute()) linear_before_reset |= a.name() == "linear_before_reset" && a.i() == 1;
    EXPECT_TRUE(linear_before_reset);
  }
  c.expectOutputDims(model);
}

TEST(Gru, TwoLayersBidirectionalOpset11) { checkGru(11); }
TEST(Gru, TwoLayersBidirectionalOpset17) { checkGru(17); }

void checkGruBatchFirst(int opset) {
  RnnCase c;
  c.op = "gru";
  c.batch_first = true;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "GRU"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 2);
  c.expectOutputDims(model);
}

TEST(Gru, BatchFirstOpset11) { checkGruBatchFirst(11); }
TEST(Gru, BatchFirstOpset17) { checkGruBatchFirst(17); }

// ---- aten::rnn_tanh / rnn_relu -----------------------------------------------------------------

void checkRnnTanh(int opset) {
  RnnCase c;
  c.op = "rnn_tanh";
  c.layers = 2;
  c.bidirectional = true;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "RNN"), 2);
  EXPECT_EQ(countOps(model, "Split"), 1);  // h0 per layer; one gate block: no weight reordering
  c.expectOutputDims(model);
}

TEST(Rnn, TanhTwoLayersBidirectionalOpset11) { checkRnnTanh(11); }
TEST(Rnn, TanhTwoLayersBidirectionalOpset17) { checkRnnTanh(17); }

void checkRnnRelu(int opset) {
  RnnCase c;
  c.op = "rnn_relu";
  c.layers = 2;
  c.bidirectional = true;
  c.batch_first = true;
  auto model = c.convert(opset);
  EXPECT_EQ(countOps(model, "RNN"), 0);
  EXPECT_EQ(countOps(model, "Scan"), 4);  // one per layer and direction
  c.expectOutputDims(model);
}

TEST(Rnn, ReluTwoLayersBidirectionalBatchFirstOpset11) { checkRnnRelu(11); }
TEST(Rnn, ReluTwoLayersBidirectionalBatchFirstOpset17) { checkRnnRelu(17); }

// ---- cells ------------------------------------------------------------------------------------

const char* kLstmCell = R"IR(
graph(%x : Tensor, %h : Tensor, %c : Tensor, %w_ih : Tensor, %w_hh : Tensor, %b_ih : Tensor, %b_hh : Tensor):
  %hx : Tensor[] = prim::ListConstruct(%h, %c)
  %h1 : Tensor, %c1 : Tensor = aten::lstm_cell(%x, %hx, %w_ih, %w_hh, %b_ih, %b_hh)
  return (%h1, %c1))IR";

void checkLstmCell(int opset) {
  auto model = convertIR(kLstmCell, {"x:2x16", "h:2x8", "c:2x8", "w_ih:32x16", "w_hh:32x8", "b_ih:32", "b_hh:32"},
                         opset, {"x:0=batch", "h:0=batch", "c:0=batch"});
  EXPECT_EQ(countOps(model, "Gemm"), 2);
  EXPECT_EQ(countOps(model, "Sigmoid"), 3);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{-1, 8}));
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{-1, 8}));
}

TEST(LstmCell, Opset11) { checkLstmCell(11); }
TEST(LstmCell, Opset17) { checkLstmCell(17); }

const char* kGruCell = R"IR(
graph(%x : Tensor, %h : Tensor, %w_ih : Tensor, %w_hh : Tensor, %b_ih : Tensor, %b_hh : Tensor):
  %h1 : Tensor = aten::gru_cell(%x, %h, %w_ih, %w_hh, %b_ih, %b_hh)
  return (%h1))IR";

void checkGruCell(int opset) {
  auto model = convertIR(kGruCell, {"x:2x16", "h:2x8", "w_ih:24x16", "w_hh:24x8", "b_ih:24", "b_hh:24"}, opset,
                         {"x:0=batch", "h:0=batch"});
  EXPECT_EQ(countOps(model, "Split"), 2);
  EXPECT_EQ(countOps(model, "Sigmoid"), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 8}));
}

TEST(GruCell, Opset11) { checkGruCell(11); }
TEST(GruCell, Opset17) { checkGruCell(17); }

const char* kRnnReluCellNoBias = R"IR(
graph(%x : Tensor, %h : Tensor, %w_ih : Tensor, %w_hh : Tensor):
  %none : NoneType = prim::Constant()
  %h1 : Tensor = aten::rnn_relu_cell(%x, %h, %w_ih, %w_hh, %none, %none)
  return (%h1))IR";

void checkRnnReluCell(int opset) {
  auto model =
      convertIR(kRnnReluCellNoBias, {"x:2x16", "h:2x8", "w_ih:8x16", "w_hh:8x8"}, opset, {"x:0=batch", "h:0=batch"});
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Gemm", "Gemm", "Add", "Relu"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 8}));
}

TEST(RnnCell, ReluNoBiasOpset11) { checkRnnReluCell(11); }
TEST(RnnCell, ReluNoBiasOpset17) { checkRnnReluCell(17); }

}  // namespace
}  // namespace pt2onnx::test

namespace pt2onnx::test {
namespace {

// pack_padded_sequence -> lstm on the packed data -> pad_packed_sequence, lengths (7, 4): the ONNX
// LSTM reads the padded input with the lengths as its sequence_lens.
std::string packedLstmIR(int64_t total_length) {
  std::string params, args;
  for (int i = 0; i < 4; ++i) {
    args += ", %p" + std::to_string(i) + " : Tensor";
    params += (i ? ", %p" : "%p") + std::to_string(i);
  }
  return "graph(%x : Tensor, %h0 : Tensor, %c0 : Tensor" + args + R"IR():
  %params : Tensor[] = prim::ListConstruct()IR" +
         params + R"IR()
  %none : NoneType = prim::Constant()
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %zero : float = prim::Constant[value=0.]()
  %total : int = prim::Constant[value=)IR" +
         std::to_string(total_length) + R"IR(]()
  %long : int = prim::Constant[value=4]()
  %sizes : int[] = prim::Constant[value=[7, 4]]()
  %lengths : Tensor = aten::tensor(%sizes, %long, %none, %f)
  %data : Tensor, %batch_sizes : Tensor = aten::_pack_padded_sequence(%x, %lengths, %f)
  %hx : Tensor[] = prim::ListConstruct(%h0, %c0)
  %y : Tensor, %h : Tensor, %c : Tensor = aten::lstm(%data, %batch_sizes, %hx, %params, %t, %one, %zero, %f, %f)
  %padded : Tensor, %out_lengths : Tensor = aten::_pad_packed_sequence(%y, %batch_sizes, %f, %zero, %total)
  return (%padded, %h))IR";
}

const std::vector<std::string> kPackedInputs = {"x:7x2x16", "h0:1x2x8", "c0:1x2x8", "p0:32x16",
                                                "p1:32x8",  "p2:32",    "p3:32"};

int sequenceLensGiven(const onnx::ModelProto& model) {
  for (const auto& node : model.graph().node())
    if (node.op_type() == "LSTM") return node.input_size() > 4 && !node.input(4).empty();
  return -1;
}

TEST(PackedSequence, LstmOpset9) {
  auto model = convertIR(packedLstmIR(7), kPackedInputs, 9);
  EXPECT_EQ(sequenceLensGiven(model), 1);
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{1, 2, 8}));
}

// Steps past the data's own are zeros concatenated (Pad takes no computed pads before 11), and the
// first total_length steps a Gather of a range (Slice takes no computed ends before 10).
TEST(PackedSequence, LstmPadsToTotalLengthOpsets9And17) {
  for (int opset : {9, 17}) {
    auto model = convertIR(packedLstmIR(9), kPackedInputs, opset);
    EXPECT_EQ(sequenceLensGiven(model), 1);
    EXPECT_EQ(countOps(model, "Pad"), 0);
    std::set<std::string> expanded;
    for (const auto& n : model.graph().node())
      if (n.op_type() == "Expand") expanded.insert(n.output(0));
    int zero_steps = 0;  // Concat(data, Expand(0, [missing, batch, hidden]))
    for (const auto& n : model.graph().node())
      zero_steps += n.op_type() == "Concat" && n.input_size() == 2 && expanded.count(n.input(1));
    EXPECT_EQ(zero_steps, 1) << "opset " << opset;
    EXPECT_EQ(outputDims(model, 0).size(), 3u);
  }
}

}  // namespace
}  // namespace pt2onnx::test
