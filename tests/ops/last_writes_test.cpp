// Op tests: an in-place write to a fresh tensor read before the write, which LibTorch's mutation
// removal keeps, becomes functional (src/frontend/view_writes.cpp).
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

// offset = x * 2; r = y + offset; offset += y (the traced RPN's `offset += num_anchors`).
const char* kReadThenWrite =
    "graph(%x : Tensor, %y : Tensor):\n"
    "  %one : int = prim::Constant[value=1]()\n"
    "  %two : int = prim::Constant[value=2]()\n"
    "  %offset : Tensor = aten::mul(%x, %two)\n"
    "  %r : Tensor = aten::add(%y, %offset, %one)\n"
    "  %w : Tensor = aten::add_(%offset, %y, %one)\n"
    "  return (%r, %w)";

TEST(LastWrites, ReadThenWriteOpset11) {
  auto model = convertIR(kReadThenWrite, {"x:2x3", "y:2x3"}, 11);
  EXPECT_EQ(countOps(model, "Add"), 2);
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 3}));
}

TEST(LastWrites, ReadThenWriteOpset17) {
  auto model = convertIR(kReadThenWrite, {"x:2x3", "y:2x3"}, 17, {"x:0=n", "y:0=n"});
  EXPECT_EQ(countOps(model, "Add"), 2);
}

}  // namespace
}  // namespace pt2onnx::test
