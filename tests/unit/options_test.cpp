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

TEST(InputSpec, NameAloneZeroSizeAndPaths) {
  auto alone = parseInputSpec("ids");
  EXPECT_EQ(alone.name, "ids");
  EXPECT_FALSE(alone.has_dims);
  EXPECT_FALSE(alone.has_dtype);
  EXPECT_EQ(parseInputSpec("x:0x4").dims, (std::vector<int64_t>{0, 4}));
  auto element = parseInputSpec("xs.1:2x3:int64");
  EXPECT_EQ(element.path, "xs.1");
  EXPECT_FALSE(element.renamed);
  auto renamed = parseInputSpec("pair.0=left:2x3");
  EXPECT_EQ(renamed.path, "pair.0");
  EXPECT_EQ(renamed.name, "left");
  EXPECT_TRUE(renamed.renamed);
  EXPECT_EQ(renamed.dims, (std::vector<int64_t>{2, 3}));
}

TEST(InputSpec, Rejects) {
  expectUsageError([] { parseInputSpec("xs..0:1x3"); }, "input name");
  expectUsageError([] { parseInputSpec("xs.0=:1x3"); }, "ONNX name after '='");
  expectUsageError([] { parseInputSpec("input:1x-3"); }, "dimension '-3'");
  expectUsageError([] { parseInputSpec("input:1xx3"); }, "dimension ''");
  expectUsageError([] { parseInputSpec("input:1x3:complex"); }, "unknown dtype 'complex'");
  expectUsageError([] { parseInputSpec(":1x3"); }, "input name");
  expectUsageError([] { parseInputSpec("a:1:float32:x"); }, "expected NAME[:DIMS");
}

TEST(InputData, NameAndFile) {
  auto data = parseInputData("ids=data/ids.npy");
  EXPECT_EQ(data.name, "ids");
  EXPECT_EQ(data.file, "data/ids.npy");
  expectUsageError([] { parseInputData("ids"); }, "expected NAME=FILE");
  expectUsageError([] { parseInputData("=f.npy"); }, "expected NAME=FILE");
  expectUsageError([] { parseInputData("ids="); }, "expected NAME=FILE");
}

TEST(ConstArg, NameAndValue) {
  auto c = parseConstArg("sizes=2,3");
  EXPECT_EQ(c.name, "sizes");
  EXPECT_EQ(c.value, "2,3");
  EXPECT_EQ(parseConstArg("mask=None").value, "None");
  expectUsageError([] { parseConstArg("steps"); }, "expected NAME=VALUE");
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
