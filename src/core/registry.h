// Converter registry keyed by TorchScript operator kind, with one entry per opset cutoff.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

class Context;
using ConvertFn = std::function<Status(Context&, const torch::jit::Node&)>;

class Registry {
 public:
  // Registers fn for `kind` at opsets >= since_opset (until a later entry takes over).
  void add(const std::string& kind, int since_opset, ConvertFn fn);
  // Adds an entry that accepts the node kind, but converts nothing: used for kinds the frontend
  // resolves itself (constants).
  const ConvertFn* find(const std::string& kind, int opset) const;
  // Lowest opset with a converter, if any.
  std::optional<int> lowestOpset(const std::string& kind) const;
  std::vector<OperatorEntry> entries() const;
  // Why a kind has no converter (no ONNX operator computes it), for the support check's message.
  void note(const std::string& kind, std::string why);
  const std::string* noteFor(const std::string& kind) const;

 private:
  struct Entry {
    int since_opset;
    ConvertFn fn;
  };
  std::map<std::string, std::vector<Entry>> entries_;  // each vector sorted by since_opset
  std::map<std::string, std::string> notes_;
};

// The registry with every converter, built once.
const Registry& registry();

// Converts `node` with the converter registered for `kind` at the context's opset (for operators
// whose arguments start as `kind`'s do: quantized and in-place forms); fails the node when `kind`
// has none there.
Status convertAs(Context& ctx, const torch::jit::Node& node, const std::string& kind);

}  // namespace pt2onnx
