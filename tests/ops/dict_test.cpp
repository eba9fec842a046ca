// Op tests: dicts built in the graph and read whole (values, keys, items, len), dicts kept in a
// list and written after, and Python's min()/max() of sizes.
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

// An assignment to a key already there keeps its place; len() and keys() count the entries.
TEST(DictReads, LenAndKeysAfterWritesOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %y : Tensor):
  %1 : int = prim::Constant[value=1]()
  %a : str = prim::Constant[value="a"]()
  %b : str = prim::Constant[value="b"]()
  %d : Dict(str, Tensor) = prim::DictConstruct(%a, %x)
  = aten::_set_item(%d, %b, %y)
  = aten::_set_item(%d, %a, %y)
  %n : int = aten::len(%d)
  %ks : str[] = aten::keys(%d)
  %k : int = aten::len(%ks)
  %vs : Tensor[] = aten::values(%d)
  %c : Tensor = aten::cat(%vs, %1)
  %nk : int = aten::mul(%n, %k)
  %out : Tensor = aten::mul(%c, %nk)
  return (%out))IR",
                         {"x:4x3", "y:4x3"}, 17);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{4, 6}));
  EXPECT_EQ(countOps(model, "Concat"), 1);
}

// A dict put in a list and written after: the list holds it as written (width 3, not 2).
TEST(DictReads, ListHoldsTheDictAsWrittenLastOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %y : Tensor):
  %0 : int = prim::Constant[value=0]()
  %a : str = prim::Constant[value="a"]()
  %d : Dict(str, Tensor) = prim::DictConstruct(%a, %x)
  %l : Dict(str, Tensor)[] = prim::ListConstruct(%d)
  = aten::_set_item(%d, %a, %y)
  %e : Dict(str, Tensor) = aten::__getitem__(%l, %0)
  %out : Tensor = aten::__getitem__(%e, %a)
  return (%out))IR",
                         {"x:4x2", "y:4x3"}, 17);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{4, 3}));
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
