// Converters: normalization (batch_norm, layer_norm, native_layer_norm, rms_norm, group_norm, instance_norm).
#include "ops/common.h"
#include "ops/norms.h"

namespace pt2onnx {

// Normalizes x over `axes` with the biased variance PyTorch uses:
// y = (x - E[x]) / sqrt(E[(x - E[x])^2] + eps).
Moments normalize(Context& ctx, const std::string& x, const std::vector<int64_t>& axes, double eps, DType dt) {
  std::string mean = ctx.reduce("ReduceMean", x, axes, true);
  std::string centered = ctx.emit("Sub", {x, mean});
  std::string var = ctx.reduce("ReduceMean", ctx.emit("Mul", {centered, centered}), axes, true);
  std::string stddev = ctx.emit("Sqrt", {ctx.emit("Add", {var, ctx.scalar(eps, dt)})});
  return {ctx.emit("Div", {centered, stddev}), mean, stddev};
}

namespace {

// An optional per-channel affine argument, or `fill` repeated over `dims` when it is None.
std::string affineOrFill(Context& ctx, const Value* v, const std::vector<int64_t>& dims, double fill, DType dt) {
  if (!ctx.isNone(v)) return ctx.tensor(v, dt);
  int64_t count = 1;
  for (auto d : dims) {
    if (d < 0) throw ConvertError("weight or bias is None and the channel count is not fixed");
    count *= d;
  }
  return ctx.constTensor(std::vector<double>(count, fill), dims, dt);
}

// y * weight + bias, skipping whichever is None; `axes` unsqueezes them (a [C] weight against a
// [N, C, ...] input needs trailing ones).
std::string applyAffine(Context& ctx, std::string y, const Value* weight, const Value* bias, DType dt,
                        const std::vector<int64_t>& axes) {
  auto param = [&](const Value* v) {
    std::string t = ctx.tensor(v, dt);
    return axes.empty() ? t : ctx.unsqueeze(t, axes);
  };
  if (!ctx.isNone(weight)) y = ctx.emit("Mul", {y, param(weight)});
  if (!ctx.isNone(bias)) y = ctx.emit("Add", {y, param(bias)});
  return y;
}

// Eval-mode BatchNormalization with running statistics; also instance_norm without input stats.
Status batchNormEval(Context& ctx, const Node& node, const Value* input, const Value* weight, const Value* bias,
                     const Value* mean, const Value* var, double eps) {
  if (ctx.isNone(mean) || ctx.isNone(var))
    return ctx.fail(node, "running_mean and running_var are required in eval mode");
  DType dt = ctx.requireDType(input);
  if (ctx.requireRank(input) < 2) return ctx.fail(node, "input needs a channel dimension (rank 2 or more)");
  std::vector<int64_t> channels = {ctx.shape(input)[1]};
  // Before opset 15 mean and var had to share the input's element type; casting covers both.
  std::vector<std::string> ins = {ctx.tensor(input), affineOrFill(ctx, weight, channels, 1.0, dt),
                                  affineOrFill(ctx, bias, channels, 0.0, dt), ctx.tensor(mean, dt),
                                  ctx.tensor(var, dt)};
  ctx.bind(ctx.output(node), ctx.emit("BatchNormalization", ins, {{"epsilon", eps}}));
  return Status::Ok();
}

// batch_norm with batch statistics and no running ones (track_running_stats=False, which
// normalizes with the batch's statistics in eval mode too): mean and biased variance over every
// axis but the channels.
Status batchNormBatchStats(Context& ctx, const Node& node, double eps) {
  const Value* input = ctx.arg(node, "input");
  DType dt = ctx.requireDType(input);
  int64_t rank = ctx.requireRank(input);
  if (rank < 2) return ctx.fail(node, "input needs a channel dimension (rank 2 or more)");
  std::vector<int64_t> axes = {0}, trailing;
  for (int64_t i = 2; i < rank; ++i) axes.push_back(i);
  for (int64_t i = 1; i + 1 < rank; ++i) trailing.push_back(i);  // [C] -> [C, 1, ...]
  Moments m = normalize(ctx, ctx.tensor(input, dt), axes, eps, dt);
  ctx.bind(ctx.output(node), applyAffine(ctx, m.y, ctx.arg(node, "weight"), ctx.arg(node, "bias"), dt, trailing));
  return Status::Ok();
}

Status batchNorm(Context& ctx, const Node& node) {
  double eps = ctx.constDouble(ctx.arg(node, "eps"));
  const Value* mean = ctx.arg(node, "running_mean");
  const Value* var = ctx.arg(node, "running_var");
  if (ctx.constBool(ctx.arg(node, "training"))) {
    if (ctx.isNone(mean) && ctx.isNone(var)) return batchNormBatchStats(ctx, node, eps);
    return ctx.fail(node,
                    "batch_norm in training mode normalizes with batch statistics and updates the running ones (the "
                    "model was traced in train() mode); trace it in eval() mode");
  }
  return batchNormEval(ctx, node, ctx.arg(node, "input"), ctx.arg(node, "weight"), ctx.arg(node, "bias"), mean, var,
                       eps);
}

// The trailing `count` axes of a rank-`rank` tensor.
std::vector<int64_t> lastAxes(int64_t rank, int64_t count) {
  std::vector<int64_t> axes;
  for (int64_t i = rank - count; i < rank; ++i) axes.push_back(i);
  return axes;
}

// layer_norm / native_layer_norm before opset 17: ReduceMean decomposition. native_layer_norm
// also returns mean and rstd = 1 / sqrt(var + eps), both with ones on the normalized axes.
Status layerNorm11(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  DType dt = ctx.requireDType(input);
  int64_t rank = ctx.requireRank(input);
  auto normalized = ctx.constInts(ctx.arg(node, "normalized_shape"));
  if (static_cast<int64_t>(normalized.size()) > rank || normalized.empty())
    return ctx.fail(node, "normalized_shape does not fit the input's rank");
  double eps = ctx.constDouble(ctx.arg(node, "eps"));
  Moments m = normalize(ctx, ctx.tensor(input), lastAxes(rank, normalized.size()), eps, dt);
  ctx.bind(ctx.output(node), applyAffine(ctx, m.y, ctx.arg(node, "weight"), ctx.arg(node, "bias"), dt, {}));
  if (ctx.outputCount(node) == 3) {
    ctx.bind(ctx.output(node, 1), m.mean);
    ctx.bind(ctx.output(node, 2), ctx.emit("Reciprocal", {m.stddev}));
  }
  return Status::Ok();
}

// Opset 17 added LayerNormalization: normalizes over axis..rank-1; Scale is required, B optional.
// Its Mean and InvStdDev outputs are native_layer_norm's mean and rstd (computed in float, the
// default stash_type, so cast to other input types).
Status layerNorm17(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  const Value* bias = ctx.arg(node, "bias");
  DType dt = ctx.requireDType(input);
  int64_t rank = ctx.requireRank(input);
  auto normalized = ctx.constInts(ctx.arg(node, "normalized_shape"));
  if (static_cast<int64_t>(normalized.size()) > rank || normalized.empty())
    return ctx.fail(node, "normalized_shape does not fit the input's rank");
  std::vector<std::string> ins = {ctx.tensor(input), affineOrFill(ctx, ctx.arg(node, "weight"), normalized, 1.0, dt)};
  if (!ctx.isNone(bias)) ins.push_back(ctx.tensor(bias, dt));
  std::vector<Attr> attrs = {{"axis", -static_cast<int64_t>(normalized.size())},
                             {"epsilon", ctx.constDouble(ctx.arg(node, "eps"))}};
  size_t n = ctx.outputCount(node) == 3 ? 3 : 1;
  auto outs = ctx.emitN("LayerNormalization", ins, attrs, n);
  ctx.bind(ctx.output(node), outs[0]);
  if (n == 3) {
    ctx.bind(ctx.output(node, 1), ctx.cast(outs[1], DType::kFloat, dt));
    ctx.bind(ctx.output(node, 2), ctx.cast(outs[2], DType::kFloat, dt));
  }
  return Status::Ok();
}

// rms_norm(input, normalized_shape, weight?, eps?) (torch 2.4; shimmed on LibTorch 1.13):
//   x / sqrt(mean(x^2 over the trailing normalized dims) + eps) * weight,
// eps None meaning torch.finfo(input.dtype).eps. ONNX has RMSNormalization only from opset 23.
Status rmsNorm(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  const Value* eps_arg = ctx.arg(node, "eps");
  DType dt = ctx.requireDType(input);
  int64_t rank = ctx.requireRank(input);
  auto normalized = ctx.constInts(ctx.arg(node, "normalized_shape"));
  if (static_cast<int64_t>(normalized.size()) > rank || normalized.empty())
    return ctx.fail(node, "normalized_shape does not fit the input's rank");
  double eps = dt == DType::kDouble     ? 2.220446049250313e-16
               : dt == DType::kHalf     ? 9.765625e-04
               : dt == DType::kBFloat16 ? 7.8125e-03
                                        : 1.1920928955078125e-07;
  if (!ctx.isNone(eps_arg)) eps = ctx.constDouble(eps_arg);
  std::string x = ctx.tensor(input);
  std::string mean_sq = ctx.reduce("ReduceMean", ctx.emit("Mul", {x, x}), lastAxes(rank, normalized.size()), true);
  std::string y = ctx.emit("Div", {x, ctx.emit("Sqrt", {ctx.emit("Add", {mean_sq, ctx.scalar(eps, dt)})})});
  const Value* weight = ctx.arg(node, "weight");
  if (!ctx.isNone(weight)) y = ctx.emit("Mul", {y, ctx.tensor(weight, dt)});
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

// group_norm(input [N, C, *], num_groups, weight?, bias?, eps): statistics per (sample, group) over
// [N, G, C/G * spatial], then the per-channel affine.
Status groupNorm(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  DType dt = ctx.requireDType(input);
  int64_t rank = ctx.requireRank(input);
  if (rank < 2) return ctx.fail(node, "input needs a channel dimension (rank 2 or more)");
  int64_t groups = ctx.constInt(ctx.arg(node, "num_groups"));
  std::string x = ctx.tensor(input);
  std::string grouped = ctx.emit("Reshape", {x, ctx.constI64({0, groups, -1})});
  Moments m = normalize(ctx, grouped, {2}, ctx.constDouble(ctx.arg(node, "eps")), dt);
  std::string y = ctx.emit("Reshape", {m.y, ctx.shapeOf(x)});
  std::vector<int64_t> spatial;  // weight and bias [C] -> [C, 1, ...] against [N, C, *]
  for (int64_t i = 1; i < rank - 1; ++i) spatial.push_back(i);
  ctx.bind(ctx.output(node), applyAffine(ctx, y, ctx.arg(node, "weight"), ctx.arg(node, "bias"), dt, spatial));
  return Status::Ok();
}

// Opset 21's GroupNormalization (scale and bias per channel; opset 18's per group did not match
// what frameworks compute, so that one is not used), for float32/float16 inputs of rank 3 or more
// with the channel count known (a missing weight or bias is ones or zeros of it); statistics in
// float32 (stash_type 1), as PyTorch computes them for both. Other inputs use the decomposition.
Status groupNorm21(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  DType dt = ctx.requireDType(input);
  int64_t rank = ctx.requireRank(input);
  int64_t channels = rank >= 3 ? ctx.shape(input)[1] : -1;
  if ((dt != DType::kFloat && dt != DType::kHalf) || channels < 0) return groupNorm(ctx, node);
  const Value* weight = ctx.arg(node, "weight");
  const Value* bias = ctx.arg(node, "bias");
  std::vector<double> ones(static_cast<size_t>(channels), 1.0), zeros(static_cast<size_t>(channels), 0.0);
  std::string scale = ctx.isNone(weight) ? ctx.constTensor(ones, {channels}, dt) : ctx.tensor(weight, dt);
  std::string shift = ctx.isNone(bias) ? ctx.constTensor(zeros, {channels}, dt) : ctx.tensor(bias, dt);
  std::vector<Attr> attrs = {{"epsilon", ctx.constDouble(ctx.arg(node, "eps"))},
                             {"num_groups", ctx.constInt(ctx.arg(node, "num_groups"))},
                             {"stash_type", int64_t{1}}};
  ctx.bind(ctx.output(node), ctx.emit("GroupNormalization", {ctx.tensor(input), scale, shift}, attrs));
  return Status::Ok();
}

// instance_norm: with use_input_stats, statistics per (sample, channel) over the spatial dims, which
// is InstanceNormalization; without, the running statistics as in eval-mode batch_norm.
Status instanceNorm(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  const Value* weight = ctx.arg(node, "weight");
  const Value* bias = ctx.arg(node, "bias");
  double eps = ctx.constDouble(ctx.arg(node, "eps"));
  if (!ctx.constBool(ctx.arg(node, "use_input_stats"))) {
    const Value* mean = ctx.arg(node, "running_mean");
    return batchNormEval(ctx, node, input, weight, bias, mean, ctx.arg(node, "running_var"), eps);
  }
  DType dt = ctx.requireDType(input);
  if (ctx.requireRank(input) < 3) return ctx.fail(node, "InstanceNormalization needs an [N, C, D1, ...] input");
  std::vector<int64_t> channels = {ctx.shape(input)[1]};
  std::vector<std::string> ins = {ctx.tensor(input), affineOrFill(ctx, weight, channels, 1.0, dt),
                                  affineOrFill(ctx, bias, channels, 0.0, dt)};
  ctx.bind(ctx.output(node), ctx.emit("InstanceNormalization", ins, {{"epsilon", eps}}));
  return Status::Ok();
}

// native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps) ->
// (output, save_mean, save_invstd): in eval mode the saved statistics are empty, so only the
// output may be read.
Status nativeBatchNorm(Context& ctx, const Node& node) {
  if (ctx.constBool(ctx.input(node, 5)))
    return ctx.fail(node, "native_batch_norm in training mode; export the model in eval() mode");
  for (size_t i = 1; i < ctx.outputCount(node); ++i)
    if (ctx.hasUses(ctx.output(node, i))) return ctx.fail(node, "native_batch_norm's saved statistics are read");
  return batchNormEval(ctx, node, ctx.input(node, 0), ctx.input(node, 1), ctx.input(node, 2), ctx.input(node, 3),
                       ctx.input(node, 4), ctx.constDouble(ctx.input(node, 7)));
}

// _weight_norm(v, g, dim) = v * g / ||v||, the 2-norm over every dim but `dim` (dim -1: over all).
Status weightNorm(Context& ctx, const Node& node) {
  const Value* v = ctx.input(node, 0);
  DType dt = ctx.requireDType(ctx.output(node));
  int64_t rank = ctx.requireRank(v);
  int64_t dim = ctx.constInt(ctx.input(node, 2));
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < rank; ++i)
    if (dim == -1 || i != dim) axes.push_back(i);
  std::string x = ctx.tensor(v, dt);
  std::string norm = axes.empty() ? ctx.emit("Abs", {x}) : ctx.reduce("ReduceL2", x, axes, true);
  ctx.bind(ctx.output(node), ctx.emit("Mul", {x, ctx.emit("Div", {ctx.tensor(ctx.input(node, 1), dt), norm})}));
  return Status::Ok();
}

}  // namespace

void registerNormOps(Registry& r) {
  r.add("aten::native_batch_norm", 9, nativeBatchNorm);
  r.add("aten::_weight_norm", 9, weightNorm);
  r.add("aten::batch_norm", 9, batchNorm);
  r.add("aten::layer_norm", 9, layerNorm11);
  r.add("aten::layer_norm", 17, layerNorm17);
  r.add("aten::native_layer_norm", 9, layerNorm11);
  r.add("aten::native_layer_norm", 17, layerNorm17);
  r.add("aten::rms_norm", 9, rmsNorm);
  r.add("aten::group_norm", 9, groupNorm);
  r.add("aten::group_norm", 21, groupNorm21);
  r.add("aten::instance_norm", 9, instanceNorm);
}

}  // namespace pt2onnx
