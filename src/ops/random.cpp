// Converters: random tensors (rand, randn and their _like forms) as ONNX's random generators.
// The values cannot match PyTorch's generator; the distribution, shape and dtype do.
#include "onnx/dtype.h"
#include "ops/common.h"

namespace pt2onnx {
namespace {

// RandomUniformLike/RandomNormalLike take float types only.
bool randomType(DType dt) { return dt == DType::kFloat || dt == DType::kDouble || dt == DType::kHalf; }

// rand/randn(size, [generator,] dtype, ...) and rand_like/randn_like(self, dtype, ...): the
// generator's *Like form on zeros of the size, which may be computed, or on self.
ConvertFn random(bool normal, bool like) {
  return [normal, like](Context& ctx, const Node& node) {
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    if (!randomType(dt)) return ctx.fail(node, std::string("random ") + dtypeName(dt) + " tensors");
    if (!like && ctx.inputCount(node) == 6 && !ctx.isNone(ctx.input(node, 1)))
      return ctx.fail(node, "a random generator object cannot be carried into ONNX");
    std::string base =
        like ? ctx.tensor(ctx.input(node, 0)) : ctx.emit("ConstantOfShape", {ctx.intsTensor(ctx.input(node, 0))});
    std::vector<Attr> attrs = {{"dtype", static_cast<int64_t>(toOnnx(dt))}};
    ctx.bind(out, ctx.emit(normal ? "RandomNormalLike" : "RandomUniformLike", {base}, attrs));
    return Status::Ok();
  };
}

}  // namespace

void registerRandomOps(Registry& r) {
  r.add("aten::rand", 9, random(false, false));
  r.add("aten::randn", 9, random(true, false));
  r.add("aten::rand_like", 9, random(false, true));
  r.add("aten::randn_like", 9, random(true, true));
}

}  // namespace pt2onnx
