// The fallback emitter for operators with no converter (--fallback NAMESPACE).
#pragma once

#include <string>
#include <vector>

#include "core/context.h"

namespace pt2onnx {

// `--fallback all`: every namespace.
constexpr const char* kFallbackAll = "all";

// Whether `node` (with no converter) is emitted as a custom-domain node: its namespace was given
// to --fallback, and it is an operator call with a schema (not prim:: structure).
bool fallbackApplies(const Node& node, const std::vector<std::string>& namespaces);

// Emits `ns::name(args)` as node `name` in ONNX domain `ns`: tensor (and tensor list) arguments are
// its inputs in schema order (an omitted optional tensor an empty slot), constant arguments are
// attributes named after the schema argument (bools as ints), run-time numbers are inputs too; an
// overload name becomes attribute `overload`. Counted in the context for the summary.
Status emitFallback(Context& ctx, const Node& node);

}  // namespace pt2onnx
