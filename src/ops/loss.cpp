// Converters: losses people export with their models (cross_entropy, nll, binary cross entropy
// with logits, KL divergence). PyTorch's reduction argument: 0 none, 1 mean, 2 sum.
#include "ops/common.h"

namespace pt2onnx {
namespace {

const char* reductionName(int64_t reduction) { return reduction == 0 ? "none" : reduction == 1 ? "mean" : "sum"; }

// The elementwise loss reduced as PyTorch does: mean or sum over every element, or as is.
std::string reduceLoss(Context& ctx, const std::string& loss, int64_t rank, int64_t reduction) {
  if (reduction == 0) return loss;
  std::vector<int64_t> all;
  for (int64_t i = 0; i < rank; ++i) all.push_back(i);
  if (all.empty()) return loss;
  return ctx.reduce(reduction == 1 ? "ReduceMean" : "ReduceSum", loss, all, false);
}

// log_softmax over `axis`: LogSoftmax before opset 13 flattens the dims from its axis on, so a
// middle axis takes x - max - log(sum(exp(x - max))) there.
std::string logSoftmax(Context& ctx, const std::string& x, int64_t axis, int64_t rank) {
  if (ctx.opset() >= 13 || axis == rank - 1) return ctx.emit("LogSoftmax", {x}, {{"axis", axis}});
  std::string shifted = ctx.emit("Sub", {x, ctx.reduce("ReduceMax", x, {axis}, true)});
  return ctx.emit("Sub",
                  {shifted, ctx.emit("Log", {ctx.reduce("ReduceSum", ctx.emit("Exp", {shifted}), {axis}, true)})});
}

// The negative log likelihood before opset 12 (no NegativeLogLikelihoodLoss): logp [N, C, ...] (or
// [C]), target [N, ...] (or []) int64. The target's class is picked by a mask (Where, so the other
// classes' -inf stay out) and summed away; targets equal to ignore_index weigh 0, and the mean
// divides by the sum of the weights, as PyTorch does.
std::string nllByMask(Context& ctx, const std::string& logp, const std::string& target, const std::string& weight,
                      int64_t rank, DType dt, int64_t reduction, int64_t ignore_index) {
  const int64_t axis = rank == 1 ? 0 : 1;
  std::vector<int64_t> around;  // the dims of [N, C, ...] other than C, for the class positions
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis) around.push_back(i);
  auto alongClasses = [&](const std::string& v) { return around.empty() ? v : ctx.unsqueeze(v, around); };
  std::string classes = alongClasses(ctx.emit("Range", {ctx.scalarI64(0), ctx.dimOf(logp, axis), ctx.scalarI64(1)}));
  std::string mask = ctx.emit("Equal", {rank == 1 ? target : ctx.unsqueeze(target, {1}), classes});
  std::string zero = ctx.scalar(0, dt);
  std::string picked = ctx.reduce("ReduceSum", ctx.emit("Where", {mask, logp, zero}), {axis}, false);
  std::string w =
      ctx.cast(ctx.emit("Not", {ctx.emit("Equal", {target, ctx.scalarI64(ignore_index)})}), DType::kBool, dt);
  if (!weight.empty())
    w = ctx.emit("Mul",
                 {w, ctx.reduce("ReduceSum", ctx.emit("Where", {mask, alongClasses(weight), zero}), {axis}, false)});
  std::string loss = ctx.emit("Neg", {ctx.emit("Mul", {picked, w})});
  if (reduction == 0) return loss;
  std::vector<int64_t> all;
  for (int64_t i = 0; i + 1 < rank; ++i) all.push_back(i);
  std::string total = all.empty() ? loss : ctx.reduce("ReduceSum", loss, all, false);
  if (reduction == 2) return total;
  return ctx.emit("Div", {total, all.empty() ? w : ctx.reduce("ReduceSum", w, all, false)});
}

// nll_loss / nll_loss2d / nll_loss_nd(self [N, C, ...], target [N, ...], weight?, reduction,
// ignore_index): ONNX NegativeLogLikelihoodLoss (opset 12) has the same arguments and the same
// weighted mean.
Status nllLoss(Context& ctx, const Node& node) {
  const Value* self = ctx.arg(node, "self");
  DType dt = ctx.requireDType(self);
  std::vector<std::string> ins = {ctx.tensor(self), ctx.tensor(ctx.arg(node, "target"), DType::kInt64)};
  const Value* weight = ctx.arg(node, "weight");
  if (!ctx.isNone(weight)) ins.push_back(ctx.tensor(weight, dt));
  const int64_t reduction = ctx.constInt(ctx.arg(node, "reduction"));
  if (ctx.opset() < 12) {
    ctx.bind(ctx.output(node), nllByMask(ctx, ins[0], ins[1], ins.size() > 2 ? ins[2] : "", ctx.requireRank(self), dt,
                                         reduction, ctx.constInt(ctx.arg(node, "ignore_index"))));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), ctx.emit("NegativeLogLikelihoodLoss", ins,
                                      {{"reduction", reductionName(reduction)},
                                       {"ignore_index", ctx.constInt(ctx.arg(node, "ignore_index"))}}));
  return Status::Ok();
}

// cross_entropy_loss(self [N, C, ...], target, weight?, reduction, ignore_index, label_smoothing):
// class indices go to ONNX SoftmaxCrossEntropyLoss (opset 12); class probabilities (a float
// target of the input's shape) are -sum_c target * log_softmax(self) * weight_c over the class axis.
Status crossEntropyLoss(Context& ctx, const Node& node) {
  const Value* self = ctx.arg(node, "self");
  const Value* target = ctx.arg(node, "target");
  const Value* weight = ctx.arg(node, "weight");
  DType dt = ctx.requireDType(self);
  const int64_t rank = ctx.requireRank(self);
  const int64_t reduction = ctx.constInt(ctx.arg(node, "reduction"));
  if (ctx.constDouble(ctx.arg(node, "label_smoothing")) != 0.0)
    return ctx.fail(node, "label_smoothing is not 0: ONNX SoftmaxCrossEntropyLoss has no smoothing");
  std::string x = ctx.tensor(self);
  if (!isFloating(ctx.requireDType(target))) {
    std::vector<std::string> ins = {x, ctx.tensor(target, DType::kInt64)};
    if (!ctx.isNone(weight)) ins.push_back(ctx.tensor(weight, dt));
    if (ctx.opset() < 12) {
      ctx.bind(ctx.output(node),
               nllByMask(ctx, logSoftmax(ctx, x, rank == 1 ? 0 : 1, rank), ins[1], ins.size() > 2 ? ins[2] : "", rank,
                         dt, reduction, ctx.constInt(ctx.arg(node, "ignore_index"))));
      return Status::Ok();
    }
    ctx.bind(ctx.output(node), ctx.emit("SoftmaxCrossEntropyLoss", ins,
                                        {{"reduction", reductionName(reduction)},
                                         {"ignore_index", ctx.constInt(ctx.arg(node, "ignore_index"))}}));
    return Status::Ok();
  }
  const int64_t axis = rank == 1 ? 0 : 1;
  std::string logp = logSoftmax(ctx, x, axis, rank);
  std::string terms = ctx.emit("Mul", {logp, ctx.tensor(target, dt)});
  if (!ctx.isNone(weight)) {
    std::vector<int64_t> trailing;
    for (int64_t i = axis + 1; i < rank; ++i) trailing.push_back(i - axis);
    std::string w = ctx.tensor(weight, dt);
    if (!trailing.empty()) w = ctx.unsqueeze(w, trailing);
    terms = ctx.emit("Mul", {terms, w});
  }
  std::string loss = ctx.emit("Neg", {ctx.reduce("ReduceSum", terms, {axis}, false)});
  ctx.bind(ctx.output(node), reduceLoss(ctx, loss, rank - 1, reduction));
  return Status::Ok();
}

// binary_cross_entropy_with_logits(self, target, weight?, pos_weight?, reduction), in PyTorch's
// stable form: (1 - t) x + (1 + (pw - 1) t) (log(1 + exp(-|x|)) + max(-x, 0)), times weight.
Status bceWithLogits(Context& ctx, const Node& node) {
  const Value* self = ctx.arg(node, "self");
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  std::string t = ctx.tensor(ctx.arg(node, "target"), dt);
  std::string one = ctx.scalar(1.0, dt);
  std::string softplus = ctx.emit(
      "Add", {ctx.emit("Log", {ctx.emit("Add", {one, ctx.emit("Exp", {ctx.emit("Neg", {ctx.emit("Abs", {x})})})})}),
              ctx.emit("Relu", {ctx.emit("Neg", {x})})});
  std::string scale = one;
  const Value* pos_weight = ctx.arg(node, "pos_weight");
  if (!ctx.isNone(pos_weight))
    scale = ctx.emit("Add", {one, ctx.emit("Mul", {ctx.emit("Sub", {ctx.tensor(pos_weight, dt), one}), t})});
  std::string loss =
      ctx.emit("Add", {ctx.emit("Mul", {ctx.emit("Sub", {one, t}), x}), ctx.emit("Mul", {scale, softplus})});
  const Value* weight = ctx.arg(node, "weight");
  if (!ctx.isNone(weight)) loss = ctx.emit("Mul", {loss, ctx.tensor(weight, dt)});
  ctx.bind(ctx.output(node), reduceLoss(ctx, loss, ctx.requireRank(self), ctx.constInt(ctx.arg(node, "reduction"))));
  return Status::Ok();
}

// kl_div(self, target, reduction, log_target): target * (log target - self), 0 where target is 0
// (xlogy); with log_target exp(target) * (target - self).
Status klDiv(Context& ctx, const Node& node) {
  const Value* self = ctx.arg(node, "self");
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  std::string t = ctx.tensor(ctx.arg(node, "target"), dt);
  std::string loss;
  if (ctx.constBool(ctx.arg(node, "log_target"))) {
    loss = ctx.emit("Mul", {ctx.emit("Exp", {t}), ctx.emit("Sub", {t, x})});
  } else {
    std::string zero = ctx.scalar(0.0, dt);
    std::string terms = ctx.emit("Mul", {t, ctx.emit("Sub", {ctx.emit("Log", {t}), x})});
    loss = ctx.emit("Where", {ctx.emit("Equal", {t, zero}), zero, terms});
  }
  const int64_t reduction = ctx.constInt(ctx.arg(node, "reduction"));
  ctx.bind(ctx.output(node), reduceLoss(ctx, loss, ctx.requireRank(self), reduction));
  return Status::Ok();
}

}  // namespace

void registerLossOps(Registry& r) {
  for (const char* kind : {"aten::nll_loss", "aten::nll_loss2d", "aten::nll_loss_nd"}) r.add(kind, 9, nllLoss);
  r.add("aten::cross_entropy_loss", 9, crossEntropyLoss);
  r.add("aten::binary_cross_entropy_with_logits", 9, bceWithLogits);
  r.add("aten::kl_div", 9, klDiv);
}

}  // namespace pt2onnx
