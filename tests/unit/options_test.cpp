// Unit tests: parsing of --input, --dynamic-axes and --output-names.
#include <gtest/gtest.h>

#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace {

void expectUsageError(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    FAIL() << "expected a usage error mentioning " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(InputSpec, NameDimsDefaultDType) {
  auto spec = parseInputSpec("input:1x3x224x224");
  EXPECT_EQ(spec.name, "input");
  EXPECT_EQ(spec.dims, (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(spec.dtype, InputDType::kFloat32);
}

TEST(InputSpec, ScalarAndDType) {
  auto spec = parseInputSpec("steps:scalar:int64");
  EXPECT_TRUE(spec.dims.empty());
  EXPECT_EQ(spec.dtype, InputDType::kInt64);
  EXPECT_EQ(parseInputSpec("m:4:bool").dtype, InputDType::kBool);
  EXPECT_EQ(parseInputSpec("img:1x3x8x8:uint8").dtype, InputDType::kUInt8);
}

TEST(InputSpec, Rejects) {
  expectUsageError([] { parseInputSpec("input"); }, "expected NAME:DIMS");
  expectUsageError([] { parseInputSpec("input:1x0x3"); }, "dimension '0'");
  expectUsageError([] { parseInputSpec("input:1x-3"); }, "dimension '-3'");
  expectUsageError([] { parseInputSpec("input:1xx3"); }, "dimension ''");
  expectUsageError([] { parseInputSpec("input:1x3:complex"); }, "unknown dtype 'complex'");
  expectUsageError([] { parseInputSpec(":1x3"); }, "input name");
  expectUsageError([] { parseInputSpec("a:1:float32:x"); }, "expected NAME:DIMS");
}

TEST(DynamicAxes, LabelsAndGeneratedLabels) {
  auto spec = parseDynamicAxesSpec("input:0=batch,2");
  EXPECT_EQ(spec.tensor, "input");
  ASSERT_EQ(spec.axes.size(), 2u);
  EXPECT_EQ(spec.axes[0].axis, 0);
  EXPECT_EQ(spec.axes[0].label, "batch");
  EXPECT_EQ(spec.axes[1].axis, 2);
  EXPECT_EQ(spec.axes[1].label, "input_dim2");
}

TEST(DynamicAxes, Rejects) {
  expectUsageError([] { parseDynamicAxesSpec("input"); }, "expected NAME:AXIS");
  expectUsageError([] { parseDynamicAxesSpec("input:a=batch"); }, "axis 'a'");
  expectUsageError([] { parseDynamicAxesSpec("input:-1=batch"); }, "axis '-1'");
  expectUsageError([] { parseDynamicAxesSpec("input:0=batch,0=b2"); }, "listed twice");
  expectUsageError([] { parseDynamicAxesSpec("input:0="); }, "label");
}

TEST(OutputNames, SplitsAndRejects) {
  EXPECT_EQ(parseNameList("logits,embedding"), (std::vector<std::string>{"logits", "embedding"}));
  expectUsageError([] { parseNameList("a,,b"); }, "--output-names");
  expectUsageError([] { parseNameList("a,a"); }, "given twice");
}

TEST(InputDType, Names) {
  EXPECT_EQ(inputDTypeName(InputDType::kFloat16), "float16");
  EXPECT_EQ(inputDTypeName(InputDType::kUInt8), "uint8");
}

}  // namespace
}  // namespace pt2onnx
