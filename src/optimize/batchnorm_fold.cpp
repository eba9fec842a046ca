// Conv+BatchNormalization and Gemm+BatchNormalization folding: in inference BatchNormalization is
// y = (x - mean) * s + bias with s = scale / sqrt(var + epsilon) per channel, so it folds into the
// producer's weight (each output channel scaled by s) and bias ((b - mean) * s + bias). Only when
// the weight and bias are initializers no other node reads and the statistics are initializers;
// the folded weight takes the original's place in the weights store, computed as it is written.
#include <ATen/ATen.h>

#include <unordered_map>

#include "io/tensor_file.h"
#include "onnx/tensor.h"
#include "onnx/weights.h"
#include "optimize/graph_state.h"

namespace pt2onnx {
namespace {

class BatchNormFolder {
 public:
  explicit BatchNormFolder(GraphState& state) : state_(state), graph_(state.graph()) {
    std::vector<std::string> reads;
    for (int i = 0; i < graph_.node_size(); ++i) {
      reads.clear();
      nodeReads(graph_.node(i), reads);
      for (const auto& name : reads) ++uses_[name];
      for (const auto& out : graph_.node(i).output()) producer_[out] = i;
    }
    for (const auto& out : graph_.output()) ++uses_[out.name()];
  }

  size_t run() {
    size_t folded = 0;
    for (int i = 0; i < graph_.node_size(); ++i) {
      const auto& bn = graph_.node(i);
      if (bn.op_type() != "BatchNormalization" || !bn.domain().empty() || bn.input_size() != 5) continue;
      if (const auto* training = attribute(bn, "training_mode"); training && training->i() != 0) continue;
      bool extra_outputs = false;
      for (int k = 1; k < bn.output_size(); ++k) extra_outputs = extra_outputs || !bn.output(k).empty();
      auto p = producer_.find(bn.input(0));
      if (extra_outputs || p == producer_.end() || state_.removed(p->second)) continue;
      if (fold(*graph_.mutable_node(p->second), bn)) {
        graph_.mutable_node(p->second)->set_output(0, bn.output(0));
        state_.removeNode(i);
        ++folded;
      }
    }
    return folded;
  }

 private:
  // An initializer only `reader` reads, not a graph input or output.
  bool ownInitializer(const std::string& name) {
    return state_.initializer(name) && !state_.isGraphInput(name) && !state_.isGraphOutput(name) && uses_[name] == 1;
  }
  bool initializerValue(const std::string& name) {
    return state_.initializer(name) && !state_.isGraphInput(name) && value(name).defined();
  }

  at::Tensor value(const std::string& name) {
    if (const at::Tensor* t = state_.weights().find(name)) return *t;
    const onnx::TensorProto* init = state_.initializer(name);
    if (!init || init->data_location() == onnx::TensorProto::EXTERNAL) return {};
    try {
      return readTensorProto(init->SerializeAsString());
    } catch (const std::exception&) {
      return {};
    }
  }

  bool fold(onnx::NodeProto& producer, const onnx::NodeProto& bn) {
    const std::string& op = producer.op_type();
    if ((op != "Conv" && op != "Gemm") || !producer.domain().empty() || producer.output_size() != 1) return false;
    if (uses_[producer.output(0)] != 1 || state_.isGraphOutput(producer.output(0))) return false;
    const bool has_bias = producer.input_size() > 2 && !producer.input(2).empty();
    // A bias other nodes read too (an initializer of zeros the converter shares with the batch
    // norm's own bias) stays theirs; the folded bias is a new initializer.
    const bool own_bias = has_bias && ownInitializer(producer.input(2));
    if (!ownInitializer(producer.input(1)) || (has_bias && !own_bias && !initializerValue(producer.input(2))))
      return false;
    for (int k = 1; k < 5; ++k)
      if (!initializerValue(bn.input(k))) return false;
    at::Tensor w = value(producer.input(1));
    if (!w.defined() || !at::isFloatingType(w.scalar_type())) return false;
    const int64_t channels = op == "Conv" ? w.size(0) : outFeatures(producer, w);
    if (channels < 0) return false;
    const auto compute = w.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
    std::vector<at::Tensor> stats;
    for (int k = 1; k < 5; ++k) {
      at::Tensor t = value(bn.input(k)).to(compute).reshape({-1});
      if (t.numel() != channels) return false;
      stats.push_back(t);
    }
    const auto* eps = attribute(bn, "epsilon");
    const double epsilon = eps ? eps->f() : 1e-5;
    const at::Tensor s = stats[0] / at::sqrt(stats[3] + epsilon);
    at::Tensor b = at::zeros({channels}, compute);
    if (has_bias) {
      b = value(producer.input(2)).to(compute);
      if (op == "Gemm") b = gemmBias(producer, b, channels);
      if (!b.defined() || b.numel() != channels) return false;
      b = b.reshape({channels});
    }
    at::Tensor folded_bias = ((b - stats[2]) * s + stats[1]).to(w.scalar_type());
    const bool columns = op == "Gemm" && !transB(producer);  // Gemm's B is K x N without transB
    const int64_t dim = columns ? 1 : 0;
    if (w.scalar_type() == compute) {
      // Multiplied as the model is written: no second copy of the weight, no pass over it now.
      state_.weights().setScaled(w.contiguous(), s, dim, producer.input(1), state_.initializer(producer.input(1)));
    } else {
      std::vector<int64_t> shape(w.dim(), 1);
      shape[dim] = channels;
      state_.weights().set((w.to(compute) * s.reshape(shape)).to(w.scalar_type()), producer.input(1),
                           state_.initializer(producer.input(1)));
    }
    w = at::Tensor();
    if (own_bias) {
      state_.weights().set(folded_bias, producer.input(2), state_.initializer(producer.input(2)));
    } else {
      onnx::TensorProto init;
      const std::string name = bn.output(0) + "_bias";
      state_.weights().set(folded_bias, name, &init);
      state_.addInitializer(std::move(init));
      while (producer.input_size() < 3) producer.add_input("");
      producer.set_input(2, name);
    }
    if (op == "Gemm") setBeta(producer);
    return true;
  }

  static bool transB(const onnx::NodeProto& gemm) {
    const auto* t = attribute(gemm, "transB");
    return t && t->i() != 0;
  }
  static int64_t outFeatures(const onnx::NodeProto& gemm, const at::Tensor& w) {
    if (w.dim() != 2) return -1;
    return transB(gemm) ? w.size(0) : w.size(1);
  }
  // Gemm adds beta * C, C broadcast to M x N: only a C that is the same for every row folds.
  static at::Tensor gemmBias(const onnx::NodeProto& gemm, at::Tensor c, int64_t channels) {
    if (c.dim() == 2 && c.size(0) != 1) return {};
    if (c.numel() == 1) c = c.reshape({1}).expand({channels});
    const auto* beta = attribute(gemm, "beta");
    return beta ? c * beta->f() : c;
  }
  static void setBeta(onnx::NodeProto& gemm) {
    for (auto& a : *gemm.mutable_attribute())
      if (a.name() == "beta") a.set_f(1.0f);
  }

  GraphState& state_;
  onnx::GraphProto& graph_;
  std::unordered_map<std::string, int> uses_;
  std::unordered_map<std::string, int> producer_;
};

}  // namespace

size_t foldBatchNorms(GraphState& state) { return BatchNormFolder(state).run(); }

}  // namespace pt2onnx
