// Converters: in-place activations (sigmoid_, tanh_, relu_, ...) that mutation removal left because
// they write a part of a split, as a traced nn.LSTMCell does: `unsafe_chunk` into four gates, then
// `sigmoid_` of each. When nothing reads the written part or the split tensor again, the write is
// the functional operator's result.
#include <set>

#include "core/registry.h"
#include "ops/common.h"

namespace pt2onnx {
namespace {

// Whether writing `v` in place at `writer` can be read as computing a new value: `v` is a part of
// a split (chunk, split, unbind, through prim::ListUnpack) that nothing else reads, and neither the
// list nor the split tensor is read by anything else.
bool soleWriteOfAPart(Context& ctx, const Value* v, const Node& writer) {
  for (const Node* user : ctx.users(v))
    if (user != &writer) return false;
  const Node* unpack = ctx.producer(v);
  if (!unpack || ctx.kind(*unpack) != "prim::ListUnpack") return false;
  const Value* list = ctx.input(*unpack, 0);
  if (ctx.users(list).size() != 1) return false;
  const Node* split = ctx.producer(list);
  if (!split) return false;
  static const std::set<std::string> kSplits = {"aten::chunk",
                                                "aten::unsafe_chunk",
                                                "aten::split",
                                                "aten::unsafe_split",
                                                "aten::unbind",
                                                "aten::split_with_sizes",
                                                "aten::unsafe_split_with_sizes"};
  if (!kSplits.count(ctx.kind(*split))) return false;
  const Value* whole = ctx.input(*split, 0);
  return ctx.users(whole).size() == 1 && !ctx.isConstant(whole);
}

ConvertFn inPlaceOfPart(std::string functional_kind) {
  return [functional_kind](Context& ctx, const Node& node) -> Status {
    if (!soleWriteOfAPart(ctx, ctx.input(node, 0), node))
      return ctx.fail(node,
                      "the in-place write could not be turned into a new value (the written tensor is read "
                      "elsewhere); write into a clone (x = x.clone()) or use the out-of-place form");
    return convertAs(ctx, node, functional_kind);
  };
}

}  // namespace

void registerInPlacePartOps(Registry& r) {
  for (const char* kind : {"aten::sigmoid", "aten::tanh", "aten::relu", "aten::relu6", "aten::hardtanh",
                           "aten::hardsigmoid", "aten::hardswish", "aten::silu", "aten::leaky_relu", "aten::elu"})
    r.add(std::string(kind) + "_", 9, inPlaceOfPart(kind));
  r.add("aten::clamp_", 9, inPlaceOfPart("aten::clamp"));
}

}  // namespace pt2onnx
