// Op tests: random tensors and tensor factories at their lowest and highest opsets.
#include "op_cases.h"

namespace pt2onnx::test {
namespace {

const char* kNones = "  %none : NoneType = prim::Constant()\n";

const std::vector<OpCase> kCases = {
    {"RandLike",
     std::string("graph(%x : Tensor):\n") + kNones +
         "  %y : Tensor = aten::rand_like(%x, %none, %none, %none, %none, %none)\n  return (%y)",
     {"x:2x3"},
     9,
     "RandomUniformLike",
     {2, 3}},
    {"RandnLike",
     std::string("graph(%x : Tensor):\n") + kNones +
         "  %y : Tensor = aten::randn_like(%x, %none, %none, %none, %none, %none)\n  return (%y)",
     {"x:2x3"},
     9,
     "RandomNormalLike",
     {2, 3}},
    {"RandComputedSize",
     std::string("graph(%x : Tensor):\n") + kNones +
         "  %z : int = prim::Constant[value=0]()\n  %n : int = aten::size(%x, %z)\n"
         "  %four : int = prim::Constant[value=4]()\n  %s : int[] = prim::ListConstruct(%n, %four)\n"
         "  %y : Tensor = aten::rand(%s, %none, %none, %none, %none)\n  return (%y)",
     {"x:2x3"},
     9,
     "RandomUniformLike",
     {-1, 4},
     {"x:0=n"}},
    {"RandnComputedSize",
     std::string("graph(%x : Tensor):\n") + kNones +
         "  %z : int = prim::Constant[value=0]()\n  %n : int = aten::size(%x, %z)\n"
         "  %s : int[] = prim::ListConstruct(%n)\n"
         "  %y : Tensor = aten::randn(%s, %none, %none, %none, %none)\n  return (%y)",
     {"x:2x3"},
     9,
     "RandomNormalLike",
     {-1},
     {"x:0=n"}},
    {"EmptyStrided",
     std::string("graph(%x : Tensor):\n") + kNones +
         "  %z : int = prim::Constant[value=0]()\n  %n : int = aten::size(%x, %z)\n"
         "  %three : int = prim::Constant[value=3]()\n  %one : int = prim::Constant[value=1]()\n"
         "  %s : int[] = prim::ListConstruct(%n, %three)\n  %st : int[] = prim::ListConstruct(%three, %one)\n"
         "  %e : Tensor = aten::empty_strided(%s, %st, %none, %none, %none, %none)\n"
         "  %y : Tensor = aten::add(%x, %e, %one)\n  return (%y)",
     {"x:2x3"},
     9,
     "Expand",
     {-1, 3},
     {"x:0=n"}},
    {"FillScalar",
     "graph(%x : Tensor):\n  %v : float = prim::Constant[value=2.5]()\n  %y : Tensor = aten::fill(%x, %v)\n"
     "  return (%y)",
     {"x:2x3"},
     9,
     "Expand",
     {2, 3}},
};

class Random : public ::testing::TestWithParam<OpCaseAt> {};

TEST_P(Random, Converts) { checkCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Ops, Random, ::testing::ValuesIn(atLowestAndHighest(kCases)), caseName);

TEST(Random, RandLikeKeepsDouble) {
  auto model = convertIR(kCases[0].ir, {"x:2x3:float64"}, 17);
  EXPECT_EQ(outputType(model), onnx::TensorProto_DataType_DOUBLE);
}

TEST(Random, IntegerRandLikeIsRefused) { EXPECT_THROW(convertIR(kCases[0].ir, {"x:2x3:int64"}, 17), std::exception); }

}  // namespace
}  // namespace pt2onnx::test
