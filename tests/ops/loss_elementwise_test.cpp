// Op tests: elementwise and embedding losses and pairwise_distance at their lowest and highest opsets.
#include "op_cases.h"

namespace pt2onnx::test {
namespace {

// %x and %t [4, 3]; `consts` defines the extra arguments used by `call`.
std::string lossIR(const std::string& consts, const std::string& call, const std::string& extra_inputs = "") {
  return "graph(%x : Tensor, %t : Tensor" + extra_inputs + "):\n" + consts + "  %y : Tensor = " + call +
         "\n  return (%y)";
}

const char* kMean = "  %r : int = prim::Constant[value=1]()\n";
const char* kNone = "  %r : int = prim::Constant[value=0]()\n";
const std::vector<std::string> kXT = {"x:4x3", "t:4x3"};

const std::vector<OpCase> kCases = {
    {"MseMean", lossIR(kMean, "aten::mse_loss(%x, %t, %r)"), kXT, 9, "ReduceMean", {}},
    {"L1Sum", lossIR("  %r : int = prim::Constant[value=2]()\n", "aten::l1_loss(%x, %t, %r)"), kXT, 9, "ReduceSum", {}},
    {"SmoothL1",
     lossIR(std::string(kMean) + "  %b : float = prim::Constant[value=0.5]()\n",
            "aten::smooth_l1_loss(%x, %t, %r, %b)"),
     kXT,
     9,
     "Where",
     {}},
    {"HuberNone",
     lossIR(std::string(kNone) + "  %d : float = prim::Constant[value=1.5]()\n", "aten::huber_loss(%x, %t, %r, %d)"),
     kXT,
     9,
     "Where",
     {4, 3}},
    {"SoftMargin", lossIR(kMean, "aten::soft_margin_loss(%x, %t, %r)"), kXT, 9, "Exp", {}},
    {"BinaryCrossEntropy",
     "graph(%x : Tensor, %t : Tensor):\n  %r : int = prim::Constant[value=1]()\n"
     "  %w : NoneType = prim::Constant()\n  %p : Tensor = aten::sigmoid(%x)\n  %q : Tensor = aten::sigmoid(%t)\n"
     "  %y : Tensor = aten::binary_cross_entropy(%p, %q, %w, %r)\n  return (%y)",
     kXT,
     9,
     "Log",
     {}},
    {"HingeEmbedding",
     lossIR(std::string(kMean) + "  %m : float = prim::Constant[value=1.]()\n",
            "aten::hinge_embedding_loss(%x, %t, %m, %r)"),
     kXT,
     9,
     "Where",
     {}},
    {"PoissonNllFull",
     lossIR(std::string(kMean) + "  %li : bool = prim::Constant[value=1]()\n  %f : bool = prim::Constant[value=1]()\n"
                                 "  %e : float = prim::Constant[value=1e-08]()\n",
            "aten::poisson_nll_loss(%x, %t, %li, %f, %e, %r)"),
     kXT,
     9,
     "Exp",
     {}},
    {"MarginRanking",
     lossIR(std::string(kMean) + "  %m : float = prim::Constant[value=0.5]()\n",
            "aten::margin_ranking_loss(%x, %t, %s, %m, %r)", ", %s : Tensor"),
     {"x:4x3", "t:4x3", "s:4x3"},
     9,
     "Max",
     {}},
    {"PairwiseDistance",
     lossIR("  %p : float = prim::Constant[value=2.]()\n  %e : float = prim::Constant[value=1e-06]()\n"
            "  %k : bool = prim::Constant[value=0]()\n",
            "aten::pairwise_distance(%x, %t, %p, %e, %k)"),
     kXT,
     9,
     "ReduceL2",
     {4}},
    {"PairwiseDistanceP3",
     lossIR("  %p : float = prim::Constant[value=3.]()\n  %e : float = prim::Constant[value=1e-06]()\n"
            "  %k : bool = prim::Constant[value=1]()\n",
            "aten::pairwise_distance(%x, %t, %p, %e, %k)"),
     kXT,
     9,
     "Pow",
     {4, 1}},
    {"TripletMarginSwap",
     lossIR(std::string(kMean) +
                "  %m : float = prim::Constant[value=1.]()\n  %p : float = prim::Constant[value=2.]()\n"
                "  %e : float = prim::Constant[value=1e-06]()\n  %sw : bool = prim::Constant[value=1]()\n",
            "aten::triplet_margin_loss(%x, %t, %n, %m, %p, %e, %sw, %r)", ", %n : Tensor"),
     {"x:4x3", "t:4x3", "n:4x3"},
     9,
     "Min",
     {}},
    {"CosineEmbeddingNone",
     lossIR(std::string(kNone) + "  %m : float = prim::Constant[value=0.1]()\n",
            "aten::cosine_embedding_loss(%x, %t, %s, %m, %r)", ", %s : Tensor"),
     {"x:4x3", "t:4x3", "s:4"},
     9,
     "Sqrt",
     {4}},
};

class ElementwiseLoss : public ::testing::TestWithParam<OpCaseAt> {};

TEST_P(ElementwiseLoss, Converts) { checkCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Ops, ElementwiseLoss, ::testing::ValuesIn(atLowestAndHighest(kCases)), caseName);

TEST(ElementwiseLoss, RefusedBelowLowestOpsetNamingIt) {
  for (const auto& c : kCases) checkRefusedBelow(c);
}

}  // namespace
}  // namespace pt2onnx::test
