// Converters: pad, constant_pad_nd, reflection_pad*, replication_pad* as ONNX Pad (circular as Slice+Concat).
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

// PyTorch lists pads from the last dim backwards as (begin, end) pairs; ONNX Pad wants every
// dim's begin, then every dim's end. Returns, for each ONNX slot, its index in the PyTorch list,
// or `absent` (= the list's length) when the dim is not padded.
std::vector<int64_t> onnxOrder(int64_t rank, int64_t absent) {
  int64_t pairs = absent / 2;
  std::vector<int64_t> order(2 * rank, absent);
  for (int64_t i = 0; i < pairs; ++i) {
    order[rank - 1 - i] = 2 * i;
    order[2 * rank - 1 - i] = 2 * i + 1;
  }
  return order;
}

// ONNX modes take the pad value only in "constant" mode. Pad-11 has no bool; Pad-13 added it, so
// bool pads as uint8 below opset 13.
std::string emitPadOp(Context& ctx, const Node& node, std::string x, const std::string& pads, const std::string& mode,
                      const Value* value) {
  DType dt = ctx.requireDType(ctx.input(node, 0));
  bool via_uint8 = dt == DType::kBool && ctx.opset() < 13;
  DType pad_dt = via_uint8 ? DType::kUInt8 : dt;
  if (via_uint8) x = ctx.cast(x, DType::kBool, DType::kUInt8);
  std::vector<std::string> inputs = {x, pads};
  if (mode == "constant") inputs.push_back(value ? ctx.tensor(value, pad_dt) : ctx.scalar(0.0, pad_dt));
  std::string y = ctx.emit("Pad", inputs, {{"mode", mode}});
  return via_uint8 ? ctx.cast(y, DType::kUInt8, DType::kBool) : y;
}

// circular: per dim, the last `begin` entries go in front and the first `end` entries behind.
// PyTorch allows at most one wrap (pad <= size), so one slice per side is enough.
std::string circularPad(Context& ctx, std::string x, const std::vector<int64_t>& pads, int64_t rank) {
  for (int64_t d = 0; d < rank; ++d) {
    int64_t begin = pads[d], end = pads[rank + d];
    if (begin == 0 && end == 0) continue;
    std::vector<std::string> parts;
    if (begin > 0)
      parts.push_back(ctx.emit("Slice", {x, ctx.constI64({-begin}), ctx.constI64({kInt64Max}), ctx.constI64({d})}));
    parts.push_back(x);
    if (end > 0) parts.push_back(ctx.emit("Slice", {x, ctx.constI64({0}), ctx.constI64({end}), ctx.constI64({d})}));
    x = ctx.emit("Concat", parts, {{"axis", d}});
  }
  return x;
}

// circular with amounts computed in the graph (ONNX order, all >= 0), on the last `padded` dims:
// the slice from size - begin in front and the one up to end behind, each empty for an amount of 0.
std::string dynamicCircular(Context& ctx, std::string x, const std::string& pads, int64_t rank, int64_t padded) {
  for (int64_t d = rank - padded; d < rank; ++d) {
    std::string begin = ctx.emit("Slice", {pads, ctx.constI64({d}), ctx.constI64({d + 1})});
    std::string end = ctx.emit("Slice", {pads, ctx.constI64({rank + d}), ctx.constI64({rank + d + 1})});
    std::string size = ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({d}), ctx.constI64({d + 1})});
    std::string axis = ctx.constI64({d});
    std::string front = ctx.emit("Slice", {x, ctx.emit("Sub", {size, begin}), ctx.constI64({kInt64Max}), axis});
    std::string back = ctx.emit("Slice", {x, ctx.constI64({0}), end, axis});
    x = ctx.emit("Concat", {front, x, back}, {{"axis", d}});
  }
  return x;
}

// Pad amounts known at conversion: negative amounts crop first (PyTorch crops, then pads what
// remains, in every mode), then one Pad (or Slice+Concat for circular) adds the rest.
std::string staticPad(Context& ctx, const Node& node, const std::vector<int64_t>& torch_pads, const std::string& mode,
                      const Value* value) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  auto order = onnxOrder(rank, static_cast<int64_t>(torch_pads.size()));
  std::vector<int64_t> pads(2 * rank, 0);
  for (int64_t i = 0; i < 2 * rank; ++i)
    if (order[i] < static_cast<int64_t>(torch_pads.size())) pads[i] = torch_pads[order[i]];
  std::string x = ctx.tensor(self);
  std::vector<int64_t> starts, ends, axes;
  for (int64_t d = 0; d < rank; ++d) {
    if (pads[d] >= 0 && pads[rank + d] >= 0) continue;
    axes.push_back(d);
    starts.push_back(std::max<int64_t>(-pads[d], 0));
    ends.push_back(pads[rank + d] < 0 ? pads[rank + d] : kInt64Max);
  }
  if (!axes.empty()) x = ctx.emit("Slice", {x, ctx.constI64(starts), ctx.constI64(ends), ctx.constI64(axes)});
  for (auto& p : pads) p = std::max<int64_t>(p, 0);
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) return x;
  if (mode == "circular") return circularPad(ctx, x, pads, rank);
  return emitPadOp(ctx, node, x, ctx.constI64(pads), mode, value);
}

// Pad amounts computed in the graph (from dynamic sizes): reorder them with one Gather, crop by
// the negative parts and pad by the positive parts. Where/Less rather than Min/Max: Min and Max
// take int64 only from opset 12.
std::string dynamicPad(Context& ctx, const Node& node, const Value* pad_list, int64_t count, const std::string& mode,
                       const Value* value) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  std::string x = ctx.tensor(self);
  std::string listed = ctx.emit("Concat", {ctx.intsTensor(pad_list), ctx.constI64({0})}, {{"axis", 0}});
  std::string pads = ctx.emit("Gather", {listed, ctx.constI64(onnxOrder(rank, count))}, {{"axis", 0}});
  std::string zeros = ctx.constI64(std::vector<int64_t>(2 * rank, 0));
  std::string negative = ctx.emit("Less", {pads, zeros});
  std::string grow = ctx.emit("Where", {negative, zeros, pads});
  std::string shrink = ctx.emit("Where", {negative, pads, zeros});
  auto halves = ctx.split(shrink, 0, {rank, rank});
  std::string starts = ctx.emit("Neg", {halves[0]});
  std::string ends = ctx.emit("Add", {ctx.shapeOf(x), halves[1]});
  x = ctx.emit("Slice", {x, starts, ends});
  if (mode == "circular") return dynamicCircular(ctx, x, grow, rank, count / 2);
  return emitPadOp(ctx, node, x, grow, mode, value);
}

Status padWith(Context& ctx, const Node& node, const Value* pad_list, std::string mode, const Value* value) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (mode == "replicate") mode = "edge";
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "circular")
    return ctx.fail(node, "padding mode '" + mode + "' is not supported");
  if (value && ctx.isNone(value)) value = nullptr;
  auto torch_pads = ctx.maybeConstInts(pad_list);
  if (torch_pads) {
    if (torch_pads->size() % 2 || static_cast<int64_t>(torch_pads->size()) > 2 * rank)
      return ctx.fail(node, "the pad list must hold (begin, end) pairs for at most " + std::to_string(rank) + " dims");
    ctx.bind(ctx.output(node), staticPad(ctx, node, *torch_pads, mode, value));
    return Status::Ok();
  }
  const Node* list = ctx.producer(pad_list);
  if (ctx.kind(*list) != "prim::ListConstruct") return ctx.fail(node, "the pad list is neither constant nor a list");
  int64_t count = static_cast<int64_t>(ctx.inputCount(*list));
  if (count % 2 || count > 2 * rank)
    return ctx.fail(node, "the pad list must hold (begin, end) pairs for at most " + std::to_string(rank) + " dims");
  ctx.bind(ctx.output(node), dynamicPad(ctx, node, pad_list, count, mode, value));
  return Status::Ok();
}

// pad(self, pad, mode="constant", value=None)
Status pad(Context& ctx, const Node& node) {
  return padWith(ctx, node, ctx.arg(node, "pad"), ctx.constString(ctx.arg(node, "mode")), ctx.arg(node, "value"));
}

// constant_pad_nd(self, pad, value=0)
Status constantPadNd(Context& ctx, const Node& node) {
  return padWith(ctx, node, ctx.arg(node, "pad"), "constant", ctx.arg(node, "value"));
}

// reflection_pad{1,2,3}d / replication_pad{1,2,3}d / zero_pad2d(self, padding): read by index, so
// an operator without a registered schema converts too.
ConvertFn fixedModePad(const char* mode) {
  return [mode](Context& ctx, const Node& node) { return padWith(ctx, node, ctx.input(node, 1), mode, nullptr); };
}

}  // namespace

void registerPadOps(Registry& r) {
  r.add("aten::pad", 9, pad);
  r.add("aten::constant_pad_nd", 9, constantPadNd);
  for (const char* kind : {"aten::reflection_pad1d", "aten::reflection_pad2d", "aten::reflection_pad3d"})
    r.add(kind, 9, fixedModePad("reflect"));
  for (const char* kind : {"aten::replication_pad1d", "aten::replication_pad2d", "aten::replication_pad3d"})
    r.add(kind, 9, fixedModePad("edge"));
  r.add("aten::zero_pad2d", 9, fixedModePad("constant"));
  r.add("aten::_pad_circular", 9, fixedModePad("circular"));
}

}  // namespace pt2onnx
