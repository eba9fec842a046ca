// Converters: torchvision's operators (nms, roi_align, roi_pool, deform_conv2d), and why the others have none.
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

// ONNX's detection operators take float boxes; double (and half) inputs are computed in float.
DType boxType(Context& ctx, const Value* v) {
  DType t = ctx.requireDType(v);
  if (t == DType::kFloat || t == DType::kDouble) return t;
  throw ConvertError("boxes and features must be float32 or float64");
}

// nms(dets [N, 4], scores [N], iou_threshold) -> keep [M]: box indices by decreasing score, a box
// dropped when its IoU with a kept one is > iou_threshold. NonMaxSuppression also drops IoU >
// threshold and lists its picks per (batch, class) by decreasing score as [M, 3] rows of (batch,
// class, box), so one batch and one class, with no limit on the count, give the keep list in column 2.
Status convertNms(Context& ctx, const Node& node) {
  const Value* dets = ctx.arg(node, "dets");
  const Value* scores = ctx.arg(node, "scores");
  double iou = ctx.constDouble(ctx.arg(node, "iou_threshold"));
  if (iou < 0) return ctx.fail(node, "an IoU threshold below 0 drops every overlapping box; ONNX takes 0 to 1");
  // IoU never exceeds 1, so any threshold of 1 or more keeps every box, as 1 does.
  iou = std::min(iou, 1.0);
  std::string boxes = ctx.tensor(dets, DType::kFloat);
  std::string count = ctx.emit("Slice", {ctx.shapeOf(boxes), ctx.constI64({0}), ctx.constI64({1})});
  std::string selected = ctx.emit(
      "NonMaxSuppression", {ctx.unsqueeze(boxes, {0}), ctx.unsqueeze(ctx.tensor(scores, DType::kFloat), {0, 1}), count,
                            ctx.constTensor({iou}, {1}, DType::kFloat)});
  ctx.bind(ctx.output(node), ctx.emit("Gather", {selected, ctx.scalarI64(2)}, {{"axis", 1}}));
  return Status::Ok();
}

// rois [K, 5] (batch index, x1, y1, x2, y2) split into RoiAlign's boxes [K, 4] and int64 indices [K].
std::pair<std::string, std::string> splitRois(Context& ctx, const std::string& rois, DType t) {
  std::string boxes = ctx.emit("Slice", {rois, ctx.constI64({1}), ctx.constI64({5}), ctx.constI64({1})});
  std::string batch = ctx.emit("Gather", {rois, ctx.scalarI64(0)}, {{"axis", 1}});
  return {boxes, ctx.cast(batch, t, DType::kInt64)};
}

// roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned): the
// average of bilinear samples on a grid in each bin, sampling_ratio per side or (<= 0) adaptive
// ceil(roi size / pooled size), which is RoiAlign's avg mode with sampling_ratio 0. aligned=False
// is RoiAlign's original pixel model (opset 16: output_half_pixel, which also widens RoIs to at
// least one pixel as torchvision does); aligned=True shifts by half a pixel and keeps RoIs smaller
// than a pixel, which only opset 16's half_pixel mode expresses.
Status convertRoiAlign(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  DType t = boxType(ctx, input);
  bool aligned = ctx.constBool(ctx.arg(node, "aligned"));
  if (aligned && ctx.opset() < 16)
    return ctx.fail(node,
                    "roi_align with aligned=True needs opset 16 (RoiAlign's coordinate_transformation_mode); "
                    "try --opset 16");
  int64_t sampling = ctx.constInt(ctx.arg(node, "sampling_ratio"));
  auto [boxes, batch] = splitRois(ctx, ctx.tensor(ctx.arg(node, "rois"), t), t);
  std::vector<Attr> attrs = {{"mode", "avg"},
                             {"output_height", ctx.constInt(ctx.arg(node, "pooled_height"))},
                             {"output_width", ctx.constInt(ctx.arg(node, "pooled_width"))},
                             {"sampling_ratio", std::max<int64_t>(sampling, 0)},
                             {"spatial_scale", ctx.constDouble(ctx.arg(node, "spatial_scale"))}};
  if (ctx.opset() >= 16)
    attrs.push_back({"coordinate_transformation_mode", aligned ? "half_pixel" : "output_half_pixel"});
  ctx.bind(ctx.output(node), ctx.emit("RoiAlign", {ctx.tensor(input), boxes, batch}, attrs));
  return Status::Ok();
}

// roi_pool(input, rois, spatial_scale, pooled_height, pooled_width) -> (output, argmax): the max over
// each bin of the RoI rounded to whole pixels, exactly MaxRoiPool (same rois layout). The argmax
// output has no ONNX counterpart.
Status convertRoiPool(Context& ctx, const Node& node) {
  if (ctx.hasUses(ctx.output(node, 1)))
    return ctx.fail(node, "the argmax output of roi_pool is read; ONNX's MaxRoiPool does not give it");
  const Value* input = ctx.arg(node, "input");
  DType t = boxType(ctx, input);
  std::string out = ctx.emit("MaxRoiPool", {ctx.tensor(input), ctx.tensor(ctx.arg(node, "rois"), t)},
                             {{"pooled_shape", std::vector<int64_t>{ctx.constInt(ctx.arg(node, "pooled_height")),
                                                                    ctx.constInt(ctx.arg(node, "pooled_width"))}},
                              {"spatial_scale", ctx.constDouble(ctx.arg(node, "spatial_scale"))}});
  ctx.bind(ctx.output(node), out);
  return Status::Ok();
}

// deform_conv2d(input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dilation_h,
// dilation_w, groups, offset_groups, use_mask): DeformConv (opset 19) with the same offset layout
// ((y, x) pairs per offset group and kernel tap), mask layout and bilinear sampling (zero outside
// the image). Without use_mask the mask input is left out (all ones).
Status convertDeformConv2d(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  DType t = boxType(ctx, input);
  auto i = [&](const char* name) { return ctx.constInt(ctx.arg(node, name)); };
  const int64_t pad_h = i("pad_h"), pad_w = i("pad_w");
  std::vector<std::string> inputs = {ctx.tensor(input), ctx.tensor(ctx.arg(node, "weight"), t),
                                     ctx.tensor(ctx.arg(node, "offset"), t), ctx.tensor(ctx.arg(node, "bias"), t)};
  if (ctx.constBool(ctx.arg(node, "use_mask"))) inputs.push_back(ctx.tensor(ctx.arg(node, "mask"), t));
  ctx.bind(ctx.output(node), ctx.emit("DeformConv", inputs,
                                      {{"strides", std::vector<int64_t>{i("stride_h"), i("stride_w")}},
                                       {"pads", std::vector<int64_t>{pad_h, pad_w, pad_h, pad_w}},
                                       {"dilations", std::vector<int64_t>{i("dilation_h"), i("dilation_w")}},
                                       {"group", i("groups")},
                                       {"offset_group", i("offset_groups")}}));
  return Status::Ok();
}

}  // namespace

void registerTorchvisionOps(Registry& r) {
  r.add("torchvision::nms", 11, convertNms);
  r.add("torchvision::roi_align", 10, convertRoiAlign);
  r.add("torchvision::roi_pool", 9, convertRoiPool);
  // Below opset 19, and for the others at every opset, the support check gives the reason.
  const char* fallback = " --fallback torchvision emits it as a node in ONNX domain 'torchvision'";
  r.note("torchvision::deform_conv2d",
         std::string("ONNX has deformable convolution (DeformConv) from opset 19 only;") + fallback);
  r.add("torchvision::deform_conv2d", 19, convertDeformConv2d);
  r.note("torchvision::ps_roi_align",
         std::string("position-sensitive RoI align has no ONNX operator (RoiAlign pools every channel per bin);") +
             fallback);
  r.note("torchvision::ps_roi_pool",
         std::string("position-sensitive RoI pooling has no ONNX operator (MaxRoiPool takes maxima, not averages);") +
             fallback);
}

}  // namespace pt2onnx
