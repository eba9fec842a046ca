// Converters: linalg_norm and linalg_matrix_norm (vector norms, Frobenius and induced 1/inf norms).
#include <algorithm>

#include "ops/common.h"
#include "ops/norms.h"

namespace pt2onnx {
namespace {

// ||A|| over the matrix dims (d0 rows, d1 columns): 'fro' is the root of the sum of squares; 1 the
// largest column sum of |A| (-1 the smallest), inf the largest row sum (-inf the smallest). The
// 2-norm and the nuclear norm need singular values, which ONNX has no operator for.
Status matrixNorm(Context& ctx, const Node& node, const std::string& x, int64_t rank, const std::string& ord, double p,
                  std::vector<int64_t> dims, bool keepdim) {
  if (dims.size() != 2) return ctx.fail(node, "a matrix norm takes two dims");
  for (auto& d : dims) d = normalizeAxis(d, rank);
  if (dims[0] == dims[1]) return ctx.fail(node, "the two dims of a matrix norm must differ");
  std::string out;
  if (ord == "fro") {
    out = ctx.reduce("ReduceL2", x, dims, keepdim);
  } else if (ord.empty() && (std::abs(p) == 1 || std::isinf(p))) {
    // 1: sum over rows then max over columns; inf: sum over columns then max over rows.
    const int64_t summed = std::abs(p) == 1 ? dims[0] : dims[1];
    const int64_t picked = std::abs(p) == 1 ? dims[1] : dims[0];
    std::string sums = ctx.reduce("ReduceSum", ctx.emit("Abs", {x}), {summed}, true);
    out = ctx.reduce(p > 0 ? "ReduceMax" : "ReduceMin", sums, {picked}, true);
    if (!keepdim) {
      std::vector<int64_t> both = dims;
      std::sort(both.begin(), both.end());
      out = ctx.squeeze(out, both);
    }
  } else {
    return ctx.fail(node, "the " + (ord.empty() ? std::to_string(p) : ord) +
                              " matrix norm needs singular values, which ONNX has no operator for");
  }
  ctx.bind(ctx.output(node), out);
  return Status::Ok();
}

// The ord argument: a number, or a string ('fro', 'nuc') for the .ord_str/.str_ord overloads.
void readOrd(Context& ctx, const Value* v, std::string& ord, double& p, bool& given) {
  given = !ctx.isNone(v);
  if (!given) return;
  if (ctx.dtype(v) == DType::kUndefined && !ctx.isTensor(v)) {
    ord = ctx.constString(v);
    return;
  }
  p = ctx.constDouble(v);
}

// linalg_matrix_norm(self, ord, dim=[-2, -1], keepdim, *, dtype)
Status linalgMatrixNorm(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(ctx.output(node));
  int64_t rank = ctx.requireRank(self);
  std::string ord;
  double p = 0;
  bool given = false;
  readOrd(ctx, ctx.input(node, 1), ord, p, given);
  if (!given) ord = "fro";
  return matrixNorm(ctx, node, ctx.tensor(self, dt), rank, ord, p, ctx.constInts(ctx.input(node, 2)),
                    ctx.constBool(ctx.input(node, 3)));
}

// linalg_norm(self, ord?, dim?, keepdim, *, dtype): without ord and dim the 2-norm of every element;
// one dim (or a 1-D input) a vector norm; two dims (or a 2-D input with ord) a matrix norm.
Status linalgNorm(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(ctx.output(node));
  int64_t rank = ctx.requireRank(self);
  std::string ord;
  double p = 2;
  bool given = false;
  readOrd(ctx, ctx.input(node, 1), ord, p, given);
  const Value* dim = ctx.input(node, 2);
  const bool keepdim = ctx.constBool(ctx.input(node, 3));
  std::string x = ctx.tensor(self, dt);
  std::vector<int64_t> dims;
  if (!ctx.isNone(dim)) dims = ctx.constInts(dim);
  if (dims.empty() && given) {
    if (rank == 2) dims = {0, 1};
    if (rank == 1) dims = {0};
    if (rank > 2) return ctx.fail(node, "linalg_norm with an ord and no dim needs a 1-D or 2-D input");
  }
  if (dims.size() == 2 || !ord.empty())
    return matrixNorm(ctx, node, x, rank, ord, p, dims.empty() ? std::vector<int64_t>{-2, -1} : dims, keepdim);
  std::vector<int64_t> axes;
  for (int64_t d : dims) axes.push_back(normalizeAxis(d, rank));
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  ctx.bind(ctx.output(node), rank == 0 ? ctx.emit("Abs", {x}) : pNorm(ctx, x, p, axes, keepdim, dt));
  return Status::Ok();
}

}  // namespace

void registerLinalgOps(Registry& r) {
  r.add("aten::linalg_norm", 9, linalgNorm);
  r.add("aten::linalg_matrix_norm", 9, linalgMatrixNorm);
}

}  // namespace pt2onnx
