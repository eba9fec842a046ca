// Converter registry: lookup picks the entry with the highest since_opset <= target opset.
#include "core/registry.h"

#include <algorithm>

#include "compat.h"
#include "core/context.h"
#include "ops/all.h"

namespace pt2onnx {

int maxOpset() { return compat::kMaxOpset; }

std::string opsetRangeError(int opset) {
  std::string msg = "--opset " + std::to_string(opset) + " is not supported; use " + std::to_string(kMinOpset) +
                    " to " + std::to_string(maxOpset());
  // ONNX 1.(N-5) is the first release that knows opset N (1.12: 17 ... 1.17: 22).
  if (opset > maxOpset() && opset <= 22)
    msg += " (this build's ONNX 1." + std::to_string(compat::onnxMinorVersion()) + " knows opsets up to " +
           std::to_string(compat::kOnnxLastOpset) + "; a build against ONNX 1." + std::to_string(opset - 5) +
           " or later, e.g. Debian 13's, accepts " + std::to_string(opset) + ")";
  return msg;
}

void Registry::add(const std::string& kind, int since_opset, ConvertFn fn) {
  // An entry below the lowest opset would silently claim opsets nobody checked it at.
  if (since_opset < kMinOpset)
    throw InternalError("converter for " + kind + " registered at opset " + std::to_string(since_opset) +
                        ", below the lowest supported opset " + std::to_string(kMinOpset));
  auto& list = entries_[kind];
  for (const auto& entry : list)
    if (entry.since_opset == since_opset)
      throw InternalError("converter for " + kind + " at opset " + std::to_string(since_opset) + " registered twice");
  list.push_back({since_opset, std::move(fn)});
  std::sort(list.begin(), list.end(), [](const Entry& a, const Entry& b) { return a.since_opset < b.since_opset; });
}

const ConvertFn* Registry::find(const std::string& kind, int opset) const {
  auto it = entries_.find(kind);
  if (it == entries_.end()) return nullptr;
  const ConvertFn* best = nullptr;
  for (const auto& entry : it->second)
    if (entry.since_opset <= opset) best = &entry.fn;
  return best;
}

std::optional<int> Registry::lowestOpset(const std::string& kind) const {
  auto it = entries_.find(kind);
  if (it == entries_.end() || it->second.empty()) return std::nullopt;
  return it->second.front().since_opset;
}

std::vector<OperatorEntry> Registry::entries() const {
  std::vector<OperatorEntry> rows;
  for (const auto& [kind, list] : entries_) rows.push_back({kind, list.front().since_opset});
  return rows;
}

void Registry::note(const std::string& kind, std::string why) { notes_[kind] = std::move(why); }

const std::string* Registry::noteFor(const std::string& kind) const {
  auto it = notes_.find(kind);
  return it == notes_.end() ? nullptr : &it->second;
}

const Registry& registry() {
  static const Registry instance = [] {
    Registry r;
    registerAllOps(r);
    return r;
  }();
  return instance;
}

std::vector<OperatorEntry> supportedOperators() { return registry().entries(); }

Status convertAs(Context& ctx, const torch::jit::Node& node, const std::string& kind) {
  const ConvertFn* fn = registry().find(kind, ctx.opset());
  if (!fn) return ctx.fail(node, kind + " has no converter at opset " + std::to_string(ctx.opset()));
  return (*fn)(ctx, node);
}

}  // namespace pt2onnx
