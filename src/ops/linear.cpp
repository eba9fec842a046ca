// Converters: linear, matmul, mm/bmm, addmm, baddbmm, einsum.
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "ops/common.h"
#include "ops/indexing.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// linear(input, weight, bias?) = input @ weight^T + bias. Gemm covers the 2-d case in one node.
Status linear(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  const Value* bias = ctx.arg(node, "bias");
  DType dt = ctx.requireDType(input);
  std::string x = ctx.tensor(input);
  std::string w = ctx.tensor(ctx.arg(node, "weight"), dt);
  // Gemm's C became optional at opset 11; before it, no bias goes through MatMul.
  if (ctx.rank(input) == 2 && (ctx.opset() >= 11 || !ctx.isNone(bias))) {
    std::vector<std::string> ins = {x, w};
    if (!ctx.isNone(bias)) ins.push_back(ctx.tensor(bias, dt));
    ctx.bind(ctx.output(node), ctx.emit("Gemm", ins, {{"transB", 1}}));
    return Status::Ok();
  }
  std::string y = ctx.emit("MatMul", {x, ctx.emit("Transpose", {w}, {{"perm", {1, 0}}})});
  if (!ctx.isNone(bias)) y = ctx.emit("Add", {y, ctx.tensor(bias, dt)});
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

// MatMul has no int8/uint8/int16 form: those are computed in int32 and cast back.
Status matmul(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  ctx.bind(ctx.output(node),
           emitTyped(ctx, "MatMul", {ctx.tensor(ctx.input(node, 0), dt), ctx.tensor(ctx.input(node, 1), dt)}, dt));
  return Status::Ok();
}

// beta * self + alpha * (a @ b); addmm is Gemm, baddbmm is batched. beta and alpha may be
// computed (scripted code passing them as arguments): then they multiply in the graph.
Status addmmLike(Context& ctx, const Node& node, bool batched) {
  DType dt = ctx.requireDType(ctx.output(node));
  std::string self = ctx.tensor(ctx.arg(node, "self"), dt);
  std::string a = ctx.tensor(ctx.input(node, 1), dt);
  std::string b = ctx.tensor(ctx.input(node, 2), dt);
  const Value* beta_v = ctx.arg(node, "beta");
  const Value* alpha_v = ctx.arg(node, "alpha");
  const bool constant = ctx.isConstant(beta_v) && ctx.isConstant(alpha_v);
  if (!batched && constant) {
    ctx.bind(ctx.output(node),
             ctx.emit("Gemm", {a, b, self}, {{"alpha", ctx.constDouble(alpha_v)}, {"beta", ctx.constDouble(beta_v)}}));
    return Status::Ok();
  }
  // A coefficient: none for a constant 1, else a 0-d factor in the result's type.
  auto factor = [&](const Value* v) -> std::optional<std::string> {
    if (!ctx.isConstant(v)) return ctx.tensor(v, dt);
    double c = ctx.constDouble(v);
    if (c == 1.0) return std::nullopt;
    return ctx.scalar(c, dt);
  };
  std::string prod = ctx.emit("MatMul", {a, b});
  if (auto alpha = factor(alpha_v)) prod = ctx.emit("Mul", {prod, *alpha});
  if (ctx.isConstant(beta_v) && ctx.constDouble(beta_v) == 0.0) {  // self is ignored, NaNs too
    ctx.bind(ctx.output(node), prod);
    return Status::Ok();
  }
  if (auto beta = factor(beta_v)) self = ctx.emit("Mul", {self, *beta});
  ctx.bind(ctx.output(node), ctx.emit("Add", {self, prod}));
  return Status::Ok();
}

// PyTorch's einsum equation in the form ONNX Runtime accepts: no spaces, lower-case labels only
// (upper-case ones are renamed to unused lower-case letters) and an explicit output. An implicit
// output is PyTorch's: "..." first, then the labels seen once, in ASCII order (upper case first).
std::string onnxEquation(const std::string& given) {
  std::string eq;
  for (char c : given)
    if (c != ' ') eq += c;
  if (eq.find("->") == std::string::npos) {
    std::map<char, int> seen;
    for (char c : eq)
      if (std::isalpha(static_cast<unsigned char>(c))) ++seen[c];
    std::string out = eq.find("...") != std::string::npos ? "..." : "";
    for (const auto& [c, n] : seen)
      if (n == 1) out += c;
    eq += "->" + out;
  }
  std::map<char, char> rename;
  char next = 'a';
  for (char c : eq) {
    if (!std::isupper(static_cast<unsigned char>(c)) || rename.count(c)) continue;
    while (next <= 'z' && eq.find(next) != std::string::npos) ++next;
    if (next > 'z') return "";  // more than 26 labels in all: ONNX cannot name them
    rename[c] = next++;
  }
  for (char& c : eq)
    if (rename.count(c)) c = rename[c];
  return eq;
}

// Einsum before opset 12: every operand transposed to the order of all labels (the output's
// first, then the summed ones) with unit dims for the labels it lacks, multiplied together, and
// the summed labels reduced. Empty (and `why` set) for ellipses and labels repeated within an
// operand (diagonals), which need ONNX's Einsum.
std::optional<std::string> einsumByProducts(Context& ctx, const std::string& equation,
                                            const std::vector<std::string>& operands, std::string* why) {
  const size_t arrow = equation.find("->");
  const std::string output = equation.substr(arrow + 2);
  std::vector<std::string> labels;
  for (size_t from = 0; from <= arrow;) {
    size_t comma = equation.find(',', from);
    if (comma == std::string::npos || comma > arrow) comma = arrow;
    labels.push_back(equation.substr(from, comma - from));
    from = comma + 1;
  }
  std::string order = output;  // every label: the output's, then the summed ones
  for (const auto& l : labels) {
    if (l.find('.') != std::string::npos || std::set<char>(l.begin(), l.end()).size() != l.size()) {
      *why = "an einsum with an ellipsis or a repeated label needs ONNX's Einsum (opset 12); try --opset 12";
      return std::nullopt;
    }
    for (char c : l)
      if (order.find(c) == std::string::npos) order += c;
  }
  const int64_t rank = static_cast<int64_t>(order.size());
  std::string product;
  for (size_t i = 0; i < operands.size(); ++i) {
    const std::string& l = labels.at(i);
    std::vector<int64_t> perm, missing;
    for (int64_t k = 0; k < rank; ++k) {
      const size_t at = l.find(order[k]);
      if (at == std::string::npos)
        missing.push_back(k);
      else
        perm.push_back(static_cast<int64_t>(at));
    }
    std::string x = transposed(ctx, operands[i], perm);
    if (!missing.empty()) x = ctx.unsqueeze(x, missing);
    product = product.empty() ? x : ctx.emit("Mul", {product, x});
  }
  std::vector<int64_t> summed;
  for (int64_t k = static_cast<int64_t>(output.size()); k < rank; ++k) summed.push_back(k);
  return summed.empty() ? product : ctx.reduce("ReduceSum", product, summed, false);
}

// einsum(equation, tensors, path?): ONNX Einsum arrived in opset 12 and takes no bool, int8 or
// float16 in ONNX Runtime: bool operands are summed in int64 (nonzero is true), others computed
// in float, double, int32 or int64. Before 12, products and sums (einsumByProducts).
Status einsum(Context& ctx, const Node& node) {
  std::string equation = onnxEquation(ctx.constString(ctx.input(node, 0)));
  if (equation.empty()) return ctx.fail(node, "einsum equation uses more than 26 distinct labels");
  DType dt = ctx.requireDType(ctx.output(node));
  DType work = dt == DType::kBool ? DType::kInt64 : dt;
  // ONNX Runtime implements Einsum (and Mul) for float, double, int32 and int64 only.
  if (work == DType::kInt8 || work == DType::kUInt8 || work == DType::kInt16) work = DType::kInt32;
  if (work == DType::kHalf || work == DType::kBFloat16) work = DType::kFloat;
  std::vector<std::string> operands;
  for (const auto& e : ctx.optionalTensorList(ctx.input(node, 1))) {
    if (e.none) return ctx.fail(node, "einsum operand is None");
    operands.push_back(ctx.cast(e.name, e.dtype, work));
  }
  std::string y;
  if (ctx.opset() >= 12) {
    y = ctx.emit("Einsum", operands, {{"equation", equation}});
  } else {
    std::string why;
    auto products = einsumByProducts(ctx, equation, operands, &why);
    if (!products) return ctx.fail(node, why);
    y = *products;
  }
  ctx.bind(ctx.output(node), ctx.cast(y, work, dt));
  return Status::Ok();
}

}  // namespace

void registerLinearOps(Registry& r) {
  r.add("aten::linear", 9, linear);
  r.add("aten::matmul", 9, matmul);
  r.add("aten::mm", 9, matmul);
  r.add("aten::bmm", 9, matmul);
  r.add("aten::addmm", 9, [](Context& ctx, const Node& node) { return addmmLike(ctx, node, false); });
  r.add("aten::einsum", 9, einsum);
  r.add("aten::baddbmm", 9, [](Context& ctx, const Node& node) { return addmmLike(ctx, node, true); });
}

}  // namespace pt2onnx
