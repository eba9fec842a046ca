// State behind Context, shared with the conversion driver (src/core/) only.
#pragma once

#include <onnx/onnx_pb.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <cctype>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/context.h"
#include "onnx/weights.h"

namespace pt2onnx {

// Helpers shared by the Context implementation files.

inline std::string sanitize(const std::string& hint) {
  std::string out;
  for (char c : hint) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') ? c : '_';
  return out.empty() ? std::string("v") : out;
}

inline std::string describe(const Value* value) { return "%" + value->debugName(); }

inline c10::IValue constantOf(const Value* value) {
  auto iv = torch::jit::toIValue(const_cast<Value*>(value));
  if (!iv) throw ConvertError("argument " + describe(value) + " must be a constant");
  return *iv;
}

struct Context::Impl {
  int opset = 17;
  std::shared_ptr<torch::jit::Graph> graph;
  const ValueMetaMap* meta = nullptr;
  onnx::GraphProto* main = nullptr;
  std::vector<onnx::GraphProto*> graphs;  // emission stack; front() is main
  std::vector<GraphAttr> open_subgraphs;

  std::unordered_map<const Value*, std::string> names;
  std::unordered_map<const Value*, std::vector<std::string>> lists;
  std::unordered_map<const Value*, std::pair<std::string, DType>> sequences;  // name, element dtype
  std::unordered_map<const Value*, std::pair<std::string, DType>> optionals;  // name, element dtype
  std::unordered_set<const Value*> poisoned;
  std::unordered_set<std::string> used_names;
  std::unordered_map<std::string, size_t> next_suffix;       // name base -> the first suffix freshName() may try
  Weights* weights = nullptr;                                // large initializers' tensors
  std::map<std::string, std::string> small_constants;        // content key -> initializer name
  std::unordered_map<std::string, at::Tensor> small_values;  // initializer name -> its small tensor
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> fallback;              // --fallback namespaces
  std::map<std::string, size_t> fallback_counts;  // kind -> nodes emitted by the fallback emitter

  const Node* current = nullptr;  // node being converted: names and diagnostics derive from it
  size_t node_counter = 0;

  // What names made for `value` start from: its TorchScript name, or for an unnamed value its
  // position in the graph (not its TorchScript number, which counts every value LibTorch's passes
  // ever made, and some of them make a varying number from run to run).
  std::string nameHint(const Value* value);
  std::unordered_map<const Value*, size_t> positions;  // filled on first use
  std::string freshName(const std::string& hint);
  std::string addInitializer(const at::Tensor& tensor, const std::string& hint);
  // A constant tensor; a quantized one as its 8-bit storage dequantized in the graph.
  std::string constantTensor(Context& ctx, const at::Tensor& tensor, const std::string& hint);
  // After `node` converted: results recorded as quantized go back on their grid (QDQ).
  void requantize(Context& ctx, const Node& node);
  onnx::GraphProto* target() { return graphs.back(); }
};

}  // namespace pt2onnx
