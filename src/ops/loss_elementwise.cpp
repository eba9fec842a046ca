// Converters: elementwise losses (mse, l1, smooth l1, huber, soft margin, binary cross entropy,
// margin ranking, hinge embedding, poisson nll), embedding losses (cosine, triplet margin) and
// distances (pairwise_distance, dist, renorm). PyTorch's reduction argument: 0 none, 1 mean, 2 sum.
#include <cmath>
#include <limits>

#include "ops/common.h"

namespace pt2onnx {
namespace {

// The elementwise loss `loss` of rank `rank` reduced as PyTorch does: mean or sum over every
// element, or as is.
std::string reduced(Context& ctx, const std::string& loss, int64_t rank, int64_t reduction) {
  if (reduction == 0 || rank == 0) return loss;
  std::vector<int64_t> all;
  for (int64_t i = 0; i < rank; ++i) all.push_back(i);
  return ctx.reduce(reduction == 1 ? "ReduceMean" : "ReduceSum", loss, all, false);
}

// The loss's two tensor operands in the output's dtype, and the rank of their broadcast.
struct Pair {
  std::string x, t;
  DType dtype;
  int64_t rank;
};

Pair pair(Context& ctx, const Node& node, size_t a = 0, size_t b = 1) {
  DType dt = ctx.requireDType(ctx.output(node));
  int64_t rank = std::max(ctx.requireRank(ctx.input(node, a)), ctx.requireRank(ctx.input(node, b)));
  return {ctx.tensor(ctx.input(node, a), dt), ctx.tensor(ctx.input(node, b), dt), dt, rank};
}

// A loss f(x, t) of self and target with the reduction at input `reduction_index`.
using PairLoss = std::string (*)(Context&, const Node&, const Pair&);

ConvertFn pairLoss(size_t reduction_index, PairLoss fn) {
  return [reduction_index, fn](Context& ctx, const Node& node) {
    Pair p = pair(ctx, node);
    if (!isFloating(p.dtype)) return ctx.fail(node, "the loss takes floating-point tensors");
    std::string loss = fn(ctx, node, p);
    ctx.bind(ctx.output(node), reduced(ctx, loss, p.rank, ctx.constInt(ctx.input(node, reduction_index))));
    return Status::Ok();
  };
}

std::string mse(Context& ctx, const Node&, const Pair& p) {
  std::string d = ctx.emit("Sub", {p.x, p.t});
  return ctx.emit("Mul", {d, d});
}

std::string l1(Context& ctx, const Node&, const Pair& p) { return ctx.emit("Abs", {ctx.emit("Sub", {p.x, p.t})}); }

// smooth_l1(d = |x - t|, beta) = 0.5 d^2 / beta below beta, else d - beta / 2 (beta 0: l1).
std::string smoothL1(Context& ctx, const Node& node, const Pair& p) {
  double beta = ctx.constDouble(ctx.input(node, 3));
  std::string d = l1(ctx, node, p);
  if (beta == 0) return d;
  std::string quad = ctx.emit(
      "Div", {ctx.emit("Mul", {ctx.emit("Mul", {d, d}), ctx.scalar(0.5, p.dtype)}), ctx.scalar(beta, p.dtype)});
  std::string lin = ctx.emit("Sub", {d, ctx.scalar(0.5 * beta, p.dtype)});
  return ctx.emit("Where", {ctx.emit("Less", {d, ctx.scalar(beta, p.dtype)}), quad, lin});
}

// huber(d = |x - t|, delta) = 0.5 d^2 below delta, else delta (d - delta / 2).
std::string huber(Context& ctx, const Node& node, const Pair& p) {
  double delta = ctx.constDouble(ctx.input(node, 3));
  std::string d = l1(ctx, node, p);
  std::string quad = ctx.emit("Mul", {ctx.emit("Mul", {d, d}), ctx.scalar(0.5, p.dtype)});
  std::string lin =
      ctx.emit("Mul", {ctx.emit("Sub", {d, ctx.scalar(0.5 * delta, p.dtype)}), ctx.scalar(delta, p.dtype)});
  return ctx.emit("Where", {ctx.emit("Less", {d, ctx.scalar(delta, p.dtype)}), quad, lin});
}

// soft_margin = log(1 + exp(-t x))
std::string softMargin(Context& ctx, const Node&, const Pair& p) {
  std::string e = ctx.emit("Exp", {ctx.emit("Neg", {ctx.emit("Mul", {p.t, p.x})})});
  return ctx.emit("Log", {ctx.emit("Add", {ctx.scalar(1, p.dtype), e})});
}

// binary_cross_entropy(self, target, weight?, reduction) = -w (t log x + (1 - t) log(1 - x)), each
// log clamped at -100 as PyTorch does.
std::string bce(Context& ctx, const Node& node, const Pair& p) {
  std::string floor = ctx.scalar(-100, p.dtype), one = ctx.scalar(1, p.dtype);
  std::string log_x = ctx.emit("Max", {ctx.emit("Log", {p.x}), floor});
  std::string log_1mx = ctx.emit("Max", {ctx.emit("Log", {ctx.emit("Sub", {one, p.x})}), floor});
  std::string sum =
      ctx.emit("Add", {ctx.emit("Mul", {p.t, log_x}), ctx.emit("Mul", {ctx.emit("Sub", {one, p.t}), log_1mx})});
  std::string loss = ctx.emit("Neg", {sum});
  const Value* weight = ctx.input(node, 2);
  if (!ctx.isNone(weight)) loss = ctx.emit("Mul", {loss, ctx.tensor(weight, p.dtype)});
  return loss;
}

// hinge_embedding(self, target, margin) = max(0, margin - x) where t != 1, plus x where t != -1.
std::string hingeEmbedding(Context& ctx, const Node& node, const Pair& p) {
  std::string zero = ctx.scalar(0, p.dtype);
  std::string margin = ctx.scalar(ctx.constDouble(ctx.input(node, 2)), p.dtype);
  auto notEqual = [&](double v) { return ctx.emit("Not", {ctx.emit("Equal", {p.t, ctx.scalar(v, p.dtype)})}); };
  std::string clamp = ctx.emit("Max", {ctx.emit("Sub", {margin, p.x}), zero});
  std::string a = ctx.emit("Where", {notEqual(1), clamp, zero});
  std::string b = ctx.emit("Where", {notEqual(-1), p.x, zero});
  return ctx.emit("Add", {a, b});
}

// poisson_nll(input, target, log_input, full, eps, reduction): exp(x) - t x with log_input, else
// x - t log(x + eps); `full` adds Stirling's term t log t - t + log(2 pi t) / 2 where t > 1.
std::string poissonNll(Context& ctx, const Node& node, const Pair& p) {
  bool log_input = ctx.constBool(ctx.input(node, 2));
  bool full = ctx.constBool(ctx.input(node, 3));
  double eps = ctx.constDouble(ctx.input(node, 4));
  std::string loss;
  if (log_input)
    loss = ctx.emit("Sub", {ctx.emit("Exp", {p.x}), ctx.emit("Mul", {p.t, p.x})});
  else
    loss = ctx.emit("Sub",
                    {p.x, ctx.emit("Mul", {p.t, ctx.emit("Log", {ctx.emit("Add", {p.x, ctx.scalar(eps, p.dtype)})})})});
  if (!full) return loss;
  std::string t = p.t;
  std::string stirling =
      ctx.emit("Add", {ctx.emit("Sub", {ctx.emit("Mul", {t, ctx.emit("Log", {t})}), t}),
                       ctx.emit("Mul", {ctx.emit("Log", {ctx.emit("Mul", {t, ctx.scalar(2 * M_PI, p.dtype)})}),
                                        ctx.scalar(0.5, p.dtype)})});
  std::string zero = ctx.scalar(0, p.dtype);
  stirling = ctx.emit("Where", {ctx.emit("Greater", {t, ctx.scalar(1, p.dtype)}), stirling, zero});
  return ctx.emit("Add", {loss, stirling});
}

// margin_ranking(x1, x2, target, margin, reduction) = max(0, -t (x1 - x2) + margin)
Status marginRanking(Context& ctx, const Node& node) {
  Pair p = pair(ctx, node);
  if (!isFloating(p.dtype)) return ctx.fail(node, "the loss takes floating-point tensors");
  std::string t = ctx.tensor(ctx.input(node, 2), p.dtype);
  int64_t rank = std::max(p.rank, ctx.requireRank(ctx.input(node, 2)));
  std::string m = ctx.scalar(ctx.constDouble(ctx.input(node, 3)), p.dtype);
  std::string v = ctx.emit("Add", {ctx.emit("Neg", {ctx.emit("Mul", {t, ctx.emit("Sub", {p.x, p.t})})}), m});
  std::string loss = ctx.emit("Max", {v, ctx.scalar(0, p.dtype)});
  ctx.bind(ctx.output(node), reduced(ctx, loss, rank, ctx.constInt(ctx.input(node, 4))));
  return Status::Ok();
}

// The p-norm of d over `axes`: L1, L2, max |d| for inf, the count of non-zeros for 0, else
// (sum |d|^p)^(1/p).
std::string pNorm(Context& ctx, const std::string& d, double p, const std::vector<int64_t>& axes, bool keep, DType dt) {
  if (p == 1) return ctx.reduce("ReduceL1", d, axes, keep);
  if (p == 2) return ctx.reduce("ReduceL2", d, axes, keep);
  std::string a = ctx.emit("Abs", {d});
  if (std::isinf(p)) return ctx.reduce(p > 0 ? "ReduceMax" : "ReduceMin", a, axes, keep);
  if (p == 0)
    return ctx.reduce("ReduceSum", ctx.cast(ctx.emit("Greater", {a, ctx.scalar(0, dt)}), DType::kBool, dt), axes, keep);
  std::string s = ctx.reduce("ReduceSum", ctx.emit("Pow", {a, ctx.scalar(p, dt)}), axes, keep);
  return ctx.emit("Pow", {s, ctx.scalar(1.0 / p, dt)});
}

std::string pNorm(Context& ctx, const std::string& d, double p, int64_t axis, bool keep, DType dt) {
  return pNorm(ctx, d, p, std::vector<int64_t>{axis}, keep, dt);
}

// dist(self, other, p) = ||self - other||_p over every element.
Status dist(Context& ctx, const Node& node) {
  Pair p = pair(ctx, node);
  if (!isFloating(p.dtype)) return ctx.fail(node, "dist takes floating-point tensors");
  std::string d = ctx.emit("Reshape", {ctx.emit("Sub", {p.x, p.t}), ctx.constI64({-1})});
  ctx.bind(ctx.output(node), pNorm(ctx, d, ctx.constDouble(ctx.input(node, 2)), 0, false, p.dtype));
  return Status::Ok();
}

// renorm(self, p, dim, maxnorm): each slice along dim whose p-norm exceeds maxnorm is scaled to
// norm maxnorm (by maxnorm / (norm + 1e-7), as PyTorch does).
Status renorm(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  if (!isFloating(dt)) return ctx.fail(node, "renorm takes floating-point tensors");
  int64_t rank = ctx.requireRank(self);
  int64_t dim = normalizeAxis(ctx.constInt(ctx.input(node, 2)), std::max<int64_t>(rank, 1));
  double maxnorm = ctx.constDouble(ctx.input(node, 3));
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim) axes.push_back(i);
  std::string x = ctx.tensor(self);
  std::string norm =
      axes.empty() ? ctx.emit("Abs", {x}) : pNorm(ctx, x, ctx.constDouble(ctx.input(node, 1)), axes, true, dt);
  std::string scale = ctx.emit("Div", {ctx.scalar(maxnorm, dt), ctx.emit("Add", {norm, ctx.scalar(1e-7, dt)})});
  scale = ctx.emit("Where", {ctx.emit("Greater", {norm, ctx.scalar(maxnorm, dt)}), scale, ctx.scalar(1, dt)});
  ctx.bind(ctx.output(node), ctx.emit("Mul", {x, scale}));
  return Status::Ok();
}

// pairwise_distance(x1, x2, p, eps) = ||x1 - x2 + eps||_p over the last dim of the broadcast.
std::string distance(Context& ctx, const std::string& a, const std::string& b, int64_t rank, double p, double eps,
                     bool keep, DType dt) {
  std::string d = ctx.emit("Add", {ctx.emit("Sub", {a, b}), ctx.scalar(eps, dt)});
  return pNorm(ctx, d, p, rank - 1, keep, dt);
}

Status pairwiseDistance(Context& ctx, const Node& node) {
  Pair p = pair(ctx, node);
  if (!isFloating(p.dtype)) return ctx.fail(node, "pairwise_distance takes floating-point tensors");
  if (p.rank == 0) return ctx.fail(node, "pairwise_distance needs tensors of rank 1 or more");
  double norm = ctx.constDouble(ctx.input(node, 2)), eps = ctx.constDouble(ctx.input(node, 3));
  bool keep = ctx.constBool(ctx.input(node, 4));
  ctx.bind(ctx.output(node), distance(ctx, p.x, p.t, p.rank, norm, eps, keep, p.dtype));
  return Status::Ok();
}

// triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction) =
// max(margin + d(a, pos) - d(a, neg), 0), d(a, neg) replaced by min(d(a, neg), d(pos, neg)) with swap.
Status tripletMargin(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.input(node, 0));
  if (!isFloating(dt)) return ctx.fail(node, "triplet_margin_loss takes floating-point tensors");
  int64_t rank = 0;
  for (size_t i = 0; i < 3; ++i) rank = std::max(rank, ctx.requireRank(ctx.input(node, i)));
  if (rank == 0) return ctx.fail(node, "triplet_margin_loss needs tensors of rank 1 or more");
  std::string a = ctx.tensor(ctx.input(node, 0), dt), pos = ctx.tensor(ctx.input(node, 1), dt),
              neg = ctx.tensor(ctx.input(node, 2), dt);
  double margin = ctx.constDouble(ctx.input(node, 3)), p = ctx.constDouble(ctx.input(node, 4)),
         eps = ctx.constDouble(ctx.input(node, 5));
  std::string d_pos = distance(ctx, a, pos, rank, p, eps, false, dt);
  std::string d_neg = distance(ctx, a, neg, rank, p, eps, false, dt);
  if (ctx.constBool(ctx.input(node, 6)))
    d_neg = ctx.emit("Min", {d_neg, distance(ctx, pos, neg, rank, p, eps, false, dt)});
  std::string v = ctx.emit("Sub", {ctx.emit("Add", {d_pos, ctx.scalar(margin, dt)}), d_neg});
  std::string loss = ctx.emit("Max", {v, ctx.scalar(0, dt)});
  ctx.bind(ctx.output(node), reduced(ctx, loss, rank - 1, ctx.constInt(ctx.input(node, 7))));
  return Status::Ok();
}

// cosine_embedding_loss(x1, x2, target, margin, reduction): with cos the cosine over dim
// rank(target) (squared norms plus 1e-12, as PyTorch computes it), 1 - cos where target is 1 and
// max(0, cos - margin) where target is -1.
Status cosineEmbedding(Context& ctx, const Node& node) {
  Pair p = pair(ctx, node);
  if (!isFloating(p.dtype)) return ctx.fail(node, "cosine_embedding_loss takes floating-point tensors");
  const Value* target = ctx.input(node, 2);
  int64_t axis = ctx.requireRank(target);
  if (axis >= p.rank) return ctx.fail(node, "the target must have one dim fewer than the inputs");
  std::string t = ctx.tensor(target, p.dtype);
  auto dotOver = [&](const std::string& a, const std::string& b) {
    return ctx.reduce("ReduceSum", ctx.emit("Mul", {a, b}), {axis}, false);
  };
  std::string tiny = ctx.scalar(1e-12, p.dtype);
  std::string m1 = ctx.emit("Add", {dotOver(p.x, p.x), tiny}), m2 = ctx.emit("Add", {dotOver(p.t, p.t), tiny});
  std::string cos = ctx.emit("Div", {dotOver(p.x, p.t), ctx.emit("Sqrt", {ctx.emit("Mul", {m1, m2})})});
  std::string zero = ctx.scalar(0, p.dtype);
  std::string pos = ctx.emit("Sub", {ctx.scalar(1, p.dtype), cos});
  std::string neg =
      ctx.emit("Max", {ctx.emit("Sub", {cos, ctx.scalar(ctx.constDouble(ctx.input(node, 3)), p.dtype)}), zero});
  std::string loss = ctx.emit("Add", {ctx.emit("Where", {ctx.emit("Equal", {t, ctx.scalar(1, p.dtype)}), pos, zero}),
                                      ctx.emit("Where", {ctx.emit("Equal", {t, ctx.scalar(-1, p.dtype)}), neg, zero})});
  ctx.bind(ctx.output(node), reduced(ctx, loss, p.rank - 1, ctx.constInt(ctx.input(node, 4))));
  return Status::Ok();
}

}  // namespace

void registerElementwiseLossOps(Registry& r) {
  r.add("aten::mse_loss", 9, pairLoss(2, mse));
  r.add("aten::l1_loss", 9, pairLoss(2, l1));
  r.add("aten::smooth_l1_loss", 9, pairLoss(2, smoothL1));
  r.add("aten::huber_loss", 9, pairLoss(2, huber));
  r.add("aten::soft_margin_loss", 9, pairLoss(2, softMargin));
  r.add("aten::binary_cross_entropy", 9, pairLoss(3, bce));
  r.add("aten::hinge_embedding_loss", 9, pairLoss(3, hingeEmbedding));
  r.add("aten::poisson_nll_loss", 9, pairLoss(5, poissonNll));
  r.add("aten::margin_ranking_loss", 9, marginRanking);
  r.add("aten::pairwise_distance", 9, pairwiseDistance);
  r.add("aten::triplet_margin_loss", 9, tripletMargin);
  r.add("aten::cosine_embedding_loss", 9, cosineEmbedding);
  r.add("aten::dist", 9, dist);
  r.add("aten::renorm", 9, renorm);
}

}  // namespace pt2onnx
