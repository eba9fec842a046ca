// Op tests: prim::If and prim::Loop become ONNX If and Loop with subgraphs.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

const char* kIf = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %zero : int = prim::Constant[value=0]()
  %s : Tensor = aten::sum(%x, %none)
  %gt : Tensor = aten::gt(%s, %zero)
  %c : bool = aten::Bool(%gt)
  %y : Tensor = prim::If(%c)
    block0():
      %a : Tensor = aten::relu(%x)
      -> (%a)
    block1():
      %b : Tensor = aten::neg(%x)
      -> (%b)
  return (%y))IR";

const onnx::GraphProto& attributeGraph(const onnx::ModelProto& model, const std::string& op, const std::string& name) {
  for (const auto& node : model.graph().node())
    if (node.op_type() == op)
      for (const auto& a : node.attribute())
        if (a.name() == name) return a.g();
  throw std::runtime_error("no " + op + "." + name);
}

// size(x) == size(y) on lists: one bool for the whole lists (the If condition), not one per
// element; lengths may differ (rank 2 against rank 1), so both are padded to the longer one.
constexpr const char* kListEqualIf = R"IR(
graph(%x : Tensor, %y : Tensor):
  %a : int[] = aten::size(%x)
  %b : int[] = aten::size(%y)
  %c : bool = aten::eq(%a, %b)
  %z : Tensor = prim::If(%c)
    block0():
      -> (%x)
    block1():
      %n : Tensor = aten::neg(%x)
      -> (%n)
  return (%z))IR";

TEST(ControlFlow, IntListEqualityIsOneBool) {
  for (int opset : {11, maxOpset()}) {
    auto model = convertIR(kListEqualIf, {"x:2x3", "y:6"}, opset, {"x:0=batch", "y:0=len"});
    EXPECT_EQ(countOps(model, "If"), 1) << opset;
    EXPECT_EQ(countOps(model, "Pad"), 2) << opset;
    EXPECT_EQ(countOps(model, "And"), 1) << opset;
  }
}

TEST(ControlFlow, IfOpset11) {
  auto model = convertIR(kIf, {"x:2x3"}, 11);
  ASSERT_EQ(countOps(model, "If"), 1);
  EXPECT_EQ(attributeGraph(model, "If", "then_branch").node(0).op_type(), "Relu");
  EXPECT_EQ(attributeGraph(model, "If", "else_branch").node(0).op_type(), "Neg");
}

TEST(ControlFlow, IfOpset17DynamicBatch) {
  auto model = convertIR(kIf, {"x:2x3"}, 17, {"x:0=batch"});
  ASSERT_EQ(countOps(model, "If"), 1);
  EXPECT_EQ(attributeGraph(model, "If", "then_branch").output_size(), 1);
}

const char* kForLoop = R"IR(
graph(%x : Tensor):
  %n : int = prim::Constant[value=3]()
  %true : bool = prim::Constant[value=1]()
  %one : int = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n, %true, %x)
    block0(%i : int, %acc : Tensor):
      %next : Tensor = aten::add(%acc, %x, %one)
      -> (%true, %next)
  return (%y))IR";

TEST(ControlFlow, ForLoopOpset11) {
  auto model = convertIR(kForLoop, {"x:2x3"}, 11);
  ASSERT_EQ(countOps(model, "Loop"), 1);
  const auto& body = attributeGraph(model, "Loop", "body");
  EXPECT_EQ(body.input_size(), 3);   // iteration, condition, carried tensor
  EXPECT_EQ(body.output_size(), 2);  // condition, carried tensor
  EXPECT_EQ(model.graph().node(model.graph().node_size() - 1).input_size(), 3);
}

TEST(ControlFlow, ForLoopOpset17) {
  auto model = convertIR(kForLoop, {"x:4"}, 17, {"x:0=n"});
  ASSERT_EQ(countOps(model, "Loop"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1}));
}

// A while loop: TorchScript passes the largest int64 as the trip count; ONNX leaves M empty.
TEST(ControlFlow, WhileLoopHasNoTripCount) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %max : int = prim::Constant[value=9223372036854775807]()
  %true : bool = prim::Constant[value=1]()
  %one : int = prim::Constant[value=1]()
  %limit : int = prim::Constant[value=10]()
  %y : Tensor = prim::Loop(%max, %true, %x)
    block0(%i : int, %acc : Tensor):
      %next : Tensor = aten::add(%acc, %one, %one)
      %lt : Tensor = aten::lt(%next, %limit)
      %any : Tensor = aten::all(%lt)
      %go : bool = aten::Bool(%any)
      -> (%go, %next)
  return (%y))IR",
                         {"x:3"}, 13);
  for (const auto& node : model.graph().node())
    if (node.op_type() == "Loop") EXPECT_EQ(node.input(0), "");
}

// for i in range(n - 1, -1, -3) over a dynamic size: the trip count and the loop value are computed.
const char* kRange = R"IR(
graph(%x : Tensor):
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %m1 : int = prim::Constant[value=-1]()
  %m3 : int = prim::Constant[value=-3]()
  %true : bool = prim::Constant[value=1]()
  %n : int = aten::size(%x, %zero)
  %hi : int = aten::sub(%n, %one)
  %trips : int = aten::__range_length(%hi, %m1, %m3)
  %out : Tensor = prim::Loop(%trips, %true, %x)
    block0(%k : int, %acc : Tensor):
      %i : int = aten::__derive_index(%k, %hi, %m3)
      %row : Tensor = aten::select(%x, %zero, %i)
      %next : Tensor = aten::add(%acc, %row, %one)
      -> (%true, %next)
  return (%out))IR";

TEST(ControlFlow, RangeLengthAndDeriveIndexOpset11) {
  auto model = convertIR(kRange, {"x:5x2"}, 11, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Loop"), 1);
  EXPECT_EQ(countOps(model, "Where"), 1);  // max(0, n): int64 Max needs opset 12
  EXPECT_EQ(countOps(model, "Mod"), 1);    // the floor division of the trip count
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 2}));
}

TEST(ControlFlow, RangeLengthAndDeriveIndexOpset17) {
  auto model = convertIR(kRange, {"x:5x2"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Loop"), 1);
  EXPECT_EQ(countOps(model, "Where"), 1);
}

// `y = None if x.size(0) > 1 else x` and `z = None; for ...: z = x`: Optional results are ONNX
// optionals (If and Loop carry them from opset 16), read back with OptionalHasElement and
// OptionalGetElement where `is not None` guards a use.
const char* kOptionalResults = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %true : bool = prim::Constant[value=1]()
  %n : int = aten::size(%x, %zero)
  %big : bool = aten::gt(%n, %one)
  %y : Tensor? = prim::If(%big)
    block0():
      -> (%none)
    block1():
      -> (%x)
  %z : Tensor? = prim::Loop(%n, %true, %none)
    block0(%i : int, %last : Tensor?):
      -> (%true, %x)
  %has : bool = aten::__isnot__(%y, %none)
  %w : Tensor = prim::If(%has)
    block0():
      %yy : Tensor = prim::unchecked_cast(%y)
      %a : Tensor = aten::neg(%yy)
      -> (%a)
    block1():
      -> (%x)
  return (%w, %z))IR";

TEST(ControlFlow, OptionalResultsOpset16AndLater) {
  for (int opset : {16, maxOpset()}) {
    auto model = convertIR(kOptionalResults, {"x:1x3"}, opset, {"x:0=batch"});
    EXPECT_EQ(countOps(model, "OptionalHasElement"), 1) << opset;
    const auto& then_branch = attributeGraph(model, "If", "then_branch");
    ASSERT_EQ(then_branch.output_size(), 1);
    EXPECT_TRUE(then_branch.output(0).type().has_optional_type()) << opset;
    const auto& body = attributeGraph(model, "Loop", "body");
    EXPECT_TRUE(body.input(2).type().has_optional_type()) << opset;
    ASSERT_EQ(model.graph().output_size(), 2);
    EXPECT_TRUE(model.graph().output(0).type().has_tensor_type()) << opset;
    EXPECT_TRUE(model.graph().output(1).type().has_optional_type()) << opset;
    EXPECT_EQ(model.graph().output(1).type().optional_type().elem_type().tensor_type().elem_type(),
              onnx::TensorProto::FLOAT);
  }
}

TEST(ControlFlow, OptionalResultsBeforeOpset16SayWhichOpset) {
  try {
    convertIR(kOptionalResults, {"x:1x3"}, 15, {"x:0=batch"});
    ADD_FAILURE() << "converted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("None on some paths"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("try --opset 16"), std::string::npos) << e.what();
  }
}

// An if whose branches both build a two-item list: the If returns the two items, and cat reads
// the list built after it; no sequence is made.
constexpr const char* kBranchLists = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %s : Tensor = aten::sum(%x, %none)
  %gt : Tensor = aten::gt(%s, %zero)
  %c : bool = aten::Bool(%gt)
  %parts : Tensor[] = prim::If(%c)
    block0():
      %a : Tensor = aten::relu(%x)
      %l : Tensor[] = prim::ListConstruct(%a, %x)
      -> (%l)
    block1():
      %b : Tensor = aten::neg(%x)
      %m : Tensor[] = prim::ListConstruct(%x, %b)
      -> (%m)
  %y : Tensor = aten::cat(%parts, %one)
  return (%y))IR";

TEST(ControlFlow, BranchListsBecomeItemOutputsOpset11) {
  auto model = convertIR(kBranchLists, {"x:2x3"}, 11, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "If"), 1);
  EXPECT_EQ(countOps(model, "SequenceConstruct"), 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 6}));
}

TEST(ControlFlow, BranchListsBecomeItemOutputsOpset17) {
  auto model = convertIR(kBranchLists, {"x:2x3"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "If"), 1);
  EXPECT_EQ(attributeGraph(model, "If", "then_branch").output_size(), 2);
}

}  // namespace
}  // namespace pt2onnx::test
