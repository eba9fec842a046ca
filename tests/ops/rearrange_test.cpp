// Op tests: rearranging and constructor converters at their lowest and highest opsets.
#include "op_cases.h"

namespace pt2onnx::test {
namespace {

const std::vector<OpCase> kCases = {
    {"Movedim",
     "graph(%x : Tensor):\n  %s : int = prim::Constant[value=0]()\n  %d : int = prim::Constant[value=2]()\n"
     "  %y : Tensor = aten::movedim(%x, %s, %d)\n  return (%y)",
     {"x:2x3x4"},
     9,
     "Transpose",
     {3, 4, 2}},
    {"Fliplr", "graph(%x : Tensor):\n  %y : Tensor = aten::fliplr(%x)\n  return (%y)", {"x:2x3"}, 9, "", {2, 3}},
    {"Flipud", "graph(%x : Tensor):\n  %y : Tensor = aten::flipud(%x)\n  return (%y)", {"x:2x3"}, 9, "", {2, 3}},
    {"Rot90",
     "graph(%x : Tensor):\n  %k : int = prim::Constant[value=1]()\n  %a : int = prim::Constant[value=0]()\n"
     "  %b : int = prim::Constant[value=1]()\n  %d : int[] = prim::ListConstruct(%a, %b)\n"
     "  %y : Tensor = aten::rot90(%x, %k, %d)\n  return (%y)",
     {"x:2x3"},
     9,
     "Transpose",
     {3, 2}},
    {"TileShort",
     "graph(%x : Tensor):\n  %a : int = prim::Constant[value=2]()\n  %d : int[] = prim::ListConstruct(%a)\n"
     "  %y : Tensor = aten::tile(%x, %d)\n  return (%y)",
     {"x:2x3"},
     9,
     "Tile",
     {2, 6}},
    {"TileLong",
     "graph(%x : Tensor):\n  %a : int = prim::Constant[value=2]()\n  %o : int = prim::Constant[value=1]()\n"
     "  %d : int[] = prim::ListConstruct(%a, %o, %o)\n  %y : Tensor = aten::tile(%x, %d)\n  return (%y)",
     {"x:2x3"},
     9,
     "Tile",
     {2, 2, 3}},
    {"Diff",
     "graph(%x : Tensor):\n  %n : int = prim::Constant[value=2]()\n  %d : int = prim::Constant[value=-1]()\n"
     "  %none : NoneType = prim::Constant()\n  %y : Tensor = aten::diff(%x, %n, %d, %none, %none)\n  return (%y)",
     {"x:3x5"},
     9,
     "Sub",
     {3, 3}},
    {"Trace", "graph(%x : Tensor):\n  %y : Tensor = aten::trace(%x)\n  return (%y)", {"x:3x4"}, 9, "EyeLike", {}},
    {"EyeComputed",
     "graph(%x : Tensor):\n  %z : int = prim::Constant[value=0]()\n  %n : int = aten::size(%x, %z)\n"
     "  %m : int = prim::Constant[value=4]()\n  %none : NoneType = prim::Constant()\n"
     "  %e : Tensor = aten::eye(%n, %m, %none, %none, %none, %none)\n  %o : int = prim::Constant[value=1]()\n"
     "  %y : Tensor = aten::add(%x, %e, %o)\n  return (%y)",
     {"x:3x4"},
     9,
     "EyeLike",
     {-1, 4},
     {"x:0=n"}},
    {"TriuIndicesComputed",
     "graph(%x : Tensor):\n  %z : int = prim::Constant[value=0]()\n  %r : int = aten::size(%x, %z)\n"
     "  %off : int = prim::Constant[value=1]()\n  %none : NoneType = prim::Constant()\n"
     "  %y : Tensor = aten::triu_indices(%r, %r, %off, %none, %none, %none, %none)\n  return (%y)",
     {"x:4x3"},
     9,
     "NonZero",
     {2, -1},
     {"x:0=n"}},
    {"Kron",
     "graph(%a : Tensor, %b : Tensor):\n  %y : Tensor = aten::kron(%a, %b)\n  return (%y)",
     {"a:2x3", "b:2x2"},
     9,
     "Reshape",
     {4, 6}},
    {"CartesianProd",
     "graph(%a : Tensor, %b : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b)\n"
     "  %y : Tensor = aten::cartesian_prod(%l)\n  return (%y)",
     {"a:3", "b:2"},
     9,
     "Expand",
     {6, 2}},
    {"Vander",
     "graph(%x : Tensor):\n  %none : NoneType = prim::Constant()\n  %f : bool = prim::Constant[value=0]()\n"
     "  %y : Tensor = aten::vander(%x, %none, %f)\n  return (%y)",
     {"x:4"},
     9,
     "Pow",
     {4, 4}},
    {"Msort", "graph(%x : Tensor):\n  %y : Tensor = aten::msort(%x)\n  return (%y)", {"x:4x3"}, 10, "TopK", {4, 3}},
    {"SearchsortedRight",
     "graph(%s : Tensor, %x : Tensor):\n  %f : bool = prim::Constant[value=0]()\n  %none : NoneType = "
     "prim::Constant()\n"
     "  %side : str = prim::Constant[value=\"right\"]()\n"
     "  %y : Tensor = aten::searchsorted(%s, %x, %f, %f, %side, %none)\n  return (%y)",
     {"s:5", "x:2x3"},
     9,
     "ReduceSum",
     {2, 3}},
    {"SearchsortedRows",
     "graph(%s : Tensor, %x : Tensor):\n  %f : bool = prim::Constant[value=0]()\n  %none : NoneType = "
     "prim::Constant()\n"
     "  %y : Tensor = aten::searchsorted(%s, %x, %f, %f, %none, %none)\n  return (%y)",
     {"s:2x5", "x:2x3"},
     9,
     "ReduceSum",
     {2, 3}},
    {"BroadcastTo",
     "graph(%x : Tensor):\n  %a : int = prim::Constant[value=2]()\n  %b : int = prim::Constant[value=3]()\n"
     "  %d : int[] = prim::ListConstruct(%a, %b)\n  %y : Tensor = aten::broadcast_to(%x, %d)\n  return (%y)",
     {"x:1x3"},
     9,
     "Expand",
     {2, 3}},
    {"NarrowCopy",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=0]()\n  %s : int = prim::Constant[value=1]()\n"
     "  %l : int = prim::Constant[value=2]()\n  %y : Tensor = aten::narrow_copy(%x, %d, %s, %l)\n  return (%y)",
     {"x:4x3"},
     9,
     "Slice",
     {2, 3}},
    {"Take",
     "graph(%x : Tensor, %i : Tensor):\n  %y : Tensor = aten::take(%x, %i)\n  return (%y)",
     {"x:3x4", "i:2x2:int64"},
     9,
     "Gather",
     {2, 2}},
    {"Argwhere",
     "graph(%x : Tensor):\n  %y : Tensor = aten::argwhere(%x)\n  return (%y)",
     {"x:3x4"},
     9,
     "NonZero",
     {-1, 2}},
    {"Atleast3dOf1d",
     "graph(%x : Tensor):\n  %y : Tensor = aten::atleast_3d(%x)\n  return (%y)",
     {"x:5"},
     9,
     "Unsqueeze",
     {1, 5, 1}},
    {"Atleast2dOf0d",
     "graph(%x : Tensor):\n  %y : Tensor = aten::atleast_2d(%x)\n  return (%y)",
     {"x:scalar"},
     9,
     "Reshape",
     {1, 1}},
    {"Atleast1dOf2d",
     "graph(%x : Tensor):\n  %y : Tensor = aten::atleast_1d(%x)\n  return (%y)",
     {"x:2x3"},
     9,
     "",
     {2, 3}},
    {"Hstack1d",
     "graph(%a : Tensor, %b : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b)\n"
     "  %y : Tensor = aten::hstack(%l)\n  return (%y)",
     {"a:3", "b:2"},
     9,
     "Concat",
     {5}},
    {"Vstack1d",
     "graph(%a : Tensor, %b : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b)\n"
     "  %y : Tensor = aten::vstack(%l)\n  return (%y)",
     {"a:3", "b:3"},
     9,
     "Concat",
     {2, 3}},
    {"Dstack2d",
     "graph(%a : Tensor, %b : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b)\n"
     "  %y : Tensor = aten::dstack(%l)\n  return (%y)",
     {"a:2x3", "b:2x3"},
     9,
     "Concat",
     {2, 3, 2}},
    {"ColumnStack",
     "graph(%a : Tensor, %b : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b)\n"
     "  %y : Tensor = aten::column_stack(%l)\n  return (%y)",
     {"a:3", "b:3x2"},
     9,
     "Concat",
     {3, 3}},
    {"Ravel", "graph(%x : Tensor):\n  %y : Tensor = aten::ravel(%x)\n  return (%y)", {"x:2x3"}, 9, "Reshape", {6}},
    {"PixelUnshuffleDynamicChannels",
     "graph(%x : Tensor):\n  %r : int = prim::Constant[value=2]()\n  %y : Tensor = aten::pixel_unshuffle(%x, %r)\n"
     "  return (%y)",
     {"x:1x3x4x6"},
     9,
     "Transpose",
     {1, -1, 2, 3},
     {"x:1=c"}},
    {"ResolveConj",
     "graph(%x : Tensor):\n  %y : Tensor = aten::resolve_conj(%x)\n  return (%y)",
     {"x:2x3"},
     9,
     "",
     {2, 3}},
    {"ResolveNeg",
     "graph(%x : Tensor):\n  %y : Tensor = aten::resolve_neg(%x)\n  return (%y)",
     {"x:2x3"},
     9,
     "",
     {2, 3}},
    {"PrimData", "graph(%x : Tensor):\n  %y : Tensor = prim::data(%x)\n  return (%y)", {"x:2x3"}, 9, "", {2, 3}},
    {"ListCopy",
     "graph(%a : Tensor, %b : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b)\n"
     "  %c : Tensor[] = aten::list(%l)\n  %d : int = prim::Constant[value=0]()\n"
     "  %y : Tensor = aten::cat(%c, %d)\n  return (%y)",
     {"a:2x3", "b:1x3"},
     9,
     "Concat",
     {3, 3}},
};

class Rearrange : public ::testing::TestWithParam<OpCaseAt> {};

TEST_P(Rearrange, Converts) { checkCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Ops, Rearrange, ::testing::ValuesIn(atLowestAndHighest(kCases)), caseName);

TEST(Rearrange, RefusedBelowLowestOpsetNamingIt) {
  for (const auto& c : kCases) checkRefusedBelow(c);
}

}  // namespace
}  // namespace pt2onnx::test
