// Unit tests: model-zoo test data written and read back, the JSON writer, the ONNX describers.
#include "io/test_data.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "onnx/describe.h"
#include "pt2onnx/pt2onnx.h"
#include "tools/json.h"

namespace pt2onnx {
namespace {
namespace fs = std::filesystem;

class TestDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "pt2onnx-unit-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(TestDataTest, WritesTheModelZooLayoutAndReadsItBack) {
  TestDataSet a{{{"image", at::randn({1, 3, 4, 4})}, {"ids", at::arange(6, at::kLong).view({2, 3})}},
                {{"logits", at::randn({1, 5}).to(at::kHalf)}, {"mask", at::rand({2, 2}) > 0.5}}};
  TestDataSet b{{{"image", at::randn({2, 3, 4, 4})}, {"ids", at::scalar_tensor(7, at::kLong)}},
                {{"logits", at::randn({2, 5}).to(at::kHalf)}, {"mask", at::ones({4, 2}, at::kBool)}}};
  writeTestData(dir_, {a, b});
  for (const char* f : {"test_data_set_0/input_0.pb", "test_data_set_0/input_1.pb", "test_data_set_0/output_1.pb",
                        "test_data_set_1/output_0.pb"})
    EXPECT_TRUE(fs::exists(fs::path(dir_) / f)) << f;
  // The files are plain TensorProtos named after the ONNX values, with raw_data.
  onnx::TensorProto proto;
  std::ifstream in(fs::path(dir_) / "test_data_set_0" / "input_1.pb", std::ios::binary);
  ASSERT_TRUE(proto.ParseFromIstream(&in));
  EXPECT_EQ(proto.name(), "ids");
  EXPECT_EQ(proto.data_type(), onnx::TensorProto_DataType_INT64);
  EXPECT_EQ(std::vector<int64_t>(proto.dims().begin(), proto.dims().end()), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(proto.raw_data().size(), 6 * sizeof(int64_t));

  auto sets = readTestData(dir_);
  ASSERT_EQ(sets.size(), 2u);
  for (size_t n = 0; n < 2; ++n) {
    const TestDataSet& want = n == 0 ? a : b;
    ASSERT_EQ(sets[n].inputs.size(), 2u);
    ASSERT_EQ(sets[n].outputs.size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(sets[n].inputs[k].name, want.inputs[k].name);
      EXPECT_TRUE(at::equal(sets[n].inputs[k].tensor, want.inputs[k].tensor)) << n << " input " << k;
      EXPECT_EQ(sets[n].outputs[k].name, want.outputs[k].name);
      EXPECT_EQ(sets[n].outputs[k].tensor.scalar_type(), want.outputs[k].tensor.scalar_type());
      EXPECT_TRUE(at::equal(sets[n].outputs[k].tensor, want.outputs[k].tensor)) << n << " output " << k;
    }
  }
  EXPECT_EQ(sets[1].inputs[1].tensor.dim(), 0);
}

TEST_F(TestDataTest, ARewriteRemovesSetsOfAnEarlierRun) {
  TestDataSet s{{{"x", at::ones({2})}}, {{"y", at::zeros({2})}}};
  writeTestData(dir_, {s, s, s});
  fs::create_directories(fs::path(dir_) / "test_data_set_7");
  fs::create_directories(fs::path(dir_) / "notes");
  std::ofstream(fs::path(dir_) / "test_data_set_0" / "input_1.pb") << "stale";
  writeTestData(dir_, {s});
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "test_data_set_1"));
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "test_data_set_2"));
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "test_data_set_7"));
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "notes"));  // not a set: left alone
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "test_data_set_0" / "input_1.pb"));
  EXPECT_EQ(readTestData(dir_).size(), 1u);
}

TEST_F(TestDataTest, ReadErrorsNameTheProblem) {
  auto message = [](const std::string& dir) {
    try {
      readTestData(dir);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kUsage);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dir_ + "/nope").find("does not exist"), std::string::npos);
  EXPECT_NE(message(dir_).find("holds no test_data_set_0"), std::string::npos);
  fs::create_directories(fs::path(dir_) / "test_data_set_0");
  EXPECT_NE(message(dir_).find("has no output_0.pb"), std::string::npos);
  std::ofstream(fs::path(dir_) / "test_data_set_0" / "output_0.pb") << "\x93NUMPY garbage";
  EXPECT_NE(message(dir_).find("output_0.pb"), std::string::npos);
}

TEST_F(TestDataTest, UnwritableDirectoryIsAnOutputError) {
  std::ofstream(fs::path(dir_) / "file") << "x";
  try {
    writeTestData(dir_ + "/file/sub", {TestDataSet{{{"x", at::ones({1})}}, {{"y", at::ones({1})}}}});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kOutputWrite);
    EXPECT_NE(std::string(e.what()).find("--test-data: cannot create"), std::string::npos) << e.what();
  }
}

TEST(JsonWriter, EscapesAndSeparates) {
  JsonWriter j;
  j.beginObject().key("a\"b").value("line\nnext\ttab\\").key("list").beginArray().value(1).value(int64_t{-2});
  j.value(0.5).value(true).null().endArray().key("empty").beginObject().endObject().key("inf").value(
      std::numeric_limits<double>::infinity());
  j.endObject();
  EXPECT_EQ(j.str(), R"({"a\"b":"line\nnext\ttab\\","list":[1,-2,0.5,true,null],"empty":{},"inf":null})");
}

TEST(Describe, TensorInfoShowsDimParamsAndUnknownDims) {
  onnx::ValueInfoProto vi;
  vi.set_name("x");
  auto* tt = vi.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto_DataType_INT64);
  tt->mutable_shape()->add_dim()->set_dim_param("batch");
  tt->mutable_shape()->add_dim()->set_dim_value(3);
  tt->mutable_shape()->add_dim();
  TensorInfo info = tensorInfo(vi);
  EXPECT_EQ(info.dtype, "int64");
  EXPECT_EQ(info.dims, (std::vector<std::string>{"batch", "3", "?"}));
  tt->set_elem_type(onnx::TensorProto_DataType_STRING);
  EXPECT_EQ(tensorInfo(vi).dtype, "string");
}

TEST(Describe, GraphStatsCountSubgraphsAndExternalData) {
  onnx::GraphProto g;
  g.add_node()->set_op_type("Relu");
  auto* if_node = g.add_node();
  if_node->set_op_type("If");
  auto* branch = if_node->add_attribute();
  branch->set_name("then_branch");
  branch->mutable_g()->add_node()->set_op_type("Relu");
  auto* w = g.add_initializer();
  w->set_data_type(onnx::TensorProto_DataType_FLOAT);
  w->add_dims(2);
  w->add_dims(3);
  w->set_raw_data(std::string(24, '\0'));
  auto* big = g.add_initializer();
  big->set_data_type(onnx::TensorProto_DataType_FLOAT);
  big->add_dims(1000);
  big->set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  auto* length = big->add_external_data();
  length->set_key("length");
  length->set_value("4000");
  GraphStats s = graphStats(g);
  EXPECT_EQ(s.nodes, 3u);
  EXPECT_EQ(s.operators.at("Relu"), 2u);
  EXPECT_EQ(s.operators.at("If"), 1u);
  EXPECT_EQ(s.parameters, 1006u);
  EXPECT_EQ(s.parameter_bytes, 4024u);
}

}  // namespace
}  // namespace pt2onnx
