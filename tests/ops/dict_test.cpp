// Op tests: dicts built in the graph and read whole (values, keys, items, len), and Python's
// min()/max() of sizes.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

// dict([("a", x), ("b", y)]).values() concatenated: widths 2 and 3 show both, in order.
TEST(DictReads, ValuesOfADictFromPairsOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %y : Tensor):
  %1 : int = prim::Constant[value=1]()
  %a : str = prim::Constant[value="a"]()
  %b : str = prim::Constant[value="b"]()
  %pa : (str, Tensor) = prim::TupleConstruct(%a, %x)
  %pb : (str, Tensor) = prim::TupleConstruct(%b, %y)
  %pairs : (str, Tensor)[] = prim::ListConstruct(%pa, %pb)
  %d : Dict(str, Tensor) = aten::dict(%pairs)
  %vs : Tensor[] = aten::values(%d)
  %out : Tensor = aten::cat(%vs, %1)
  return (%out))IR",
                         {"x:4x2", "y:4x3"}, 11, {"x:0=batch", "y:0=batch"});
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 5}));
}

// len(), keys() and items() of a dict read only, in a loop body too. (Writes return nothing, which
// IR text cannot state; e2e.scripted_objects covers them, and dicts written through a list.)
TEST(DictReads, LenKeysAndItemsOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %y : Tensor):
  %1 : int = prim::Constant[value=1]()
  %true : bool = prim::Constant[value=1]()
  %a : str = prim::Constant[value="a"]()
  %b : str = prim::Constant[value="b"]()
  %d : Dict(str, Tensor) = prim::DictConstruct(%a, %x, %b, %y)
  %n : int = aten::len(%d)
  %ks : str[] = aten::keys(%d)
  %k : int = aten::len(%ks)
  %its : (str, Tensor)[] = aten::items(%d)
  %m : int = aten::len(%its)
  %vs : Tensor[] = aten::values(%d)
  %c : Tensor = aten::cat(%vs, %1)
  %nk : int = aten::mul(%n, %k)
  %nkm : int = aten::mul(%nk, %m)
  %out : Tensor = aten::mul(%c, %nkm)
  return (%out))IR",
                         {"x:4x3", "y:4x2"}, 17);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(countOps(model, "Concat"), 1);
}

// min(x.size(0), 3) and max([h, w]) on dynamic sizes are computed in the graph.
TEST(PythonMinMax, OfTwoIntsAndOfAnIntListOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %3 : int = prim::Constant[value=3]()
  %n : int = aten::size(%x, %0)
  %m : int = aten::size(%x, %1)
  %small : int = prim::min(%n, %3)
  %l : int[] = prim::ListConstruct(%n, %m)
  %big : int = prim::max(%l)
  %s : int = aten::add(%small, %big)
  %out : Tensor = prim::NumToTensor(%s)
  return (%out))IR",
                         {"x:4x5"}, 11, {"x:0=batch,1=width"});
  EXPECT_EQ(countOps(model, "Min"), 1);
  EXPECT_EQ(countOps(model, "ReduceMax"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{}));
}

}  // namespace
}  // namespace pt2onnx::test
