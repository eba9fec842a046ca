// Unit tests: weights kept in tensors until written (inline and as external data), shared
// tensors stored once, and value renames in one walk.
#include "onnx/weights.h"

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "onnx/writer.h"

namespace pt2onnx {
namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string bytesOf(const at::Tensor& t) {
  return std::string(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
}

// y = x + w + b with a large w (kept in the tensor) and a small b (in raw_data, still external-sized).
class WeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pt2onnx_weights_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "m.onnx").string();
    model_.set_ir_version(8);
    model_.add_opset_import()->set_version(17);
    auto* g = model_.mutable_graph();
    g->set_name("g");
    w_ = torch::arange(1024, torch::kFloat32).reshape({4, 256});  // 4 KiB: kept in the tensor
    b_ = torch::arange(256, torch::kFloat32) * -1;                // 1 KiB: raw_data
    EXPECT_EQ(weights_.add(w_, "w", g->add_initializer()), "w");
    EXPECT_EQ(weights_.add(b_, "b", g->add_initializer()), "b");
    for (const char* name : {"x", "y"}) {
      auto* vi = name[0] == 'x' ? g->add_input() : g->add_output();
      vi->set_name(name);
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
      tt->mutable_shape()->add_dim()->set_dim_value(4);
      tt->mutable_shape()->add_dim()->set_dim_value(256);
    }
    auto* add1 = g->add_node();
    add1->set_op_type("Add");
    *add1->add_input() = "x";
    *add1->add_input() = "w";
    *add1->add_output() = "t";
    auto* add2 = g->add_node();
    add2->set_op_type("Add");
    *add2->add_input() = "t";
    *add2->add_input() = "b";
    *add2->add_output() = "y";
  }
  void TearDown() override { fs::remove_all(dir_); }

  onnx::ModelProto readBack() const {
    onnx::ModelProto back;
    std::ifstream in(path_, std::ios::binary);
    EXPECT_TRUE(back.ParseFromIstream(&in));
    return back;
  }

  fs::path dir_;
  std::string path_;
  onnx::ModelProto model_;
  Weights weights_;
  at::Tensor w_, b_;
};

TEST_F(WeightsTest, LargeTensorsAreHeldAsPlaceholdersThatPassTheChecker) {
  const auto& w = model_.graph().initializer(0);
  EXPECT_EQ(w.raw_data().size(), 1u);
  ASSERT_EQ(w.dims_size(), 2);
  EXPECT_EQ(w.dims(1), 256);
  EXPECT_EQ(weights_.bytes(w), 4096u);
  ASSERT_NE(weights_.find("w"), nullptr);
  EXPECT_EQ(weights_.find("w")->data_ptr(), w_.data_ptr());  // no copy of a contiguous tensor
  EXPECT_EQ(weights_.find("b"), nullptr);
  EXPECT_EQ(model_.graph().initializer(1).raw_data(), bytesOf(b_));
  EXPECT_NO_THROW(checkModel(model_));
}

TEST_F(WeightsTest, InlineWriteStreamsTheTensorBytes) {
  const uint64_t written = writeModel(model_, path_, /*force_external_data=*/false, &weights_);
  EXPECT_EQ(written, fs::file_size(path_));
  EXPECT_FALSE(fs::exists(path_ + ".data"));
  onnx::ModelProto back = readBack();
  ASSERT_EQ(back.graph().initializer_size(), 2);
  EXPECT_EQ(back.graph().initializer(0).name(), "w");
  EXPECT_EQ(back.graph().initializer(0).raw_data(), bytesOf(w_));
  EXPECT_EQ(back.graph().initializer(1).raw_data(), bytesOf(b_));
  EXPECT_EQ(back.graph().node_size(), 2);
  EXPECT_EQ(back.opset_import(0).version(), 17);
  EXPECT_NO_THROW(onnx::checker::check_model(back));
  // The caller's model is as it was: placeholders and all.
  EXPECT_EQ(model_.graph().initializer_size(), 2);
  EXPECT_EQ(model_.graph().initializer(0).raw_data().size(), 1u);
  // The same file as embedding the bytes first and serializing in one go, up to field order.
  Weights copy = weights_;
  onnx::ModelProto embedded = model_;
  copy.embed(*embedded.mutable_graph());
  EXPECT_EQ(embedded.graph().initializer(0).raw_data(), bytesOf(w_));
  EXPECT_EQ(back.ByteSizeLong(), embedded.ByteSizeLong());
}

TEST_F(WeightsTest, ExternalDataComesFromTheTensorsAtAlignedOffsets) {
  writeModel(model_, path_, /*force_external_data=*/true, &weights_);
  const std::string data = readAll(path_ + ".data");
  onnx::ModelProto back = readBack();
  ASSERT_EQ(back.graph().initializer_size(), 2);
  std::vector<std::string> seen;
  for (const auto& init : back.graph().initializer()) {
    EXPECT_EQ(init.data_location(), onnx::TensorProto_DataLocation_EXTERNAL);
    EXPECT_FALSE(init.has_raw_data());
    ASSERT_EQ(init.external_data_size(), 3);
    EXPECT_EQ(init.external_data(0).value(), "m.onnx.data");
    const uint64_t offset = std::stoull(init.external_data(1).value());
    const uint64_t length = std::stoull(init.external_data(2).value());
    EXPECT_EQ(offset % 4096, 0u);
    ASSERT_LE(offset + length, data.size());
    seen.push_back(data.substr(offset, length));
  }
  EXPECT_EQ(seen[0], bytesOf(w_));
  EXPECT_EQ(seen[1], bytesOf(b_));
  EXPECT_EQ(data.size(), 4096u + 1024u);  // w at 0, b on the next page
}

TEST_F(WeightsTest, SharedTensorIsStoredOnce) {
  onnx::TensorProto again;
  EXPECT_EQ(weights_.add(w_, "w_again", &again), "w");
  EXPECT_FALSE(again.has_name());
  onnx::TensorProto other;
  EXPECT_EQ(weights_.add(w_.view({256, 4}), "w_view", &other), "w_view");  // other dims: another initializer
}

TEST_F(WeightsTest, EmbedFillsThePlaceholders) {
  weights_.embed(*model_.mutable_graph());
  EXPECT_TRUE(weights_.empty());
  EXPECT_EQ(model_.graph().initializer(0).raw_data(), bytesOf(w_));
}

// A scaled weight (a batch norm folded into it) is multiplied as it is written: the file holds the
// same bytes as the elementwise product, inline and as external data, along either dim, in float32
// and float64, across pieces of the stream (w2 is larger than one piece).
TEST_F(WeightsTest, ScaledWeightsAreWrittenAsTheProduct) {
  for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
    for (int64_t dim : {0, 1}) {
      for (bool external : {false, true}) {
        SCOPED_TRACE(::testing::Message() << dtype << " dim " << dim << (external ? " external" : " inline"));
        onnx::ModelProto model = model_;
        Weights weights = weights_;
        const at::Tensor w = torch::randn({4, 256}, dtype), s = torch::randn({w.size(dim)}, dtype);
        std::vector<int64_t> shape{1, 1};
        shape[dim] = w.size(dim);
        const at::Tensor expected = w * s.reshape(shape);
        const at::Tensor w2 = torch::randn({300, 7, 5, 3}, dtype), s2 = torch::randn({w2.size(dim)}, dtype);
        std::vector<int64_t> shape2{1, 1, 1, 1};
        shape2[dim] = w2.size(dim);
        auto* init = model.mutable_graph()->mutable_initializer(0);
        weights.setScaled(w, s, dim, "w", init);
        EXPECT_EQ(init->raw_data().size(), 1u);
        EXPECT_EQ(weights.bytes(*init), bytesOf(expected).size());
        onnx::TensorProto extra;
        weights.setScaled(w2, s2, dim, "w2", &extra);
        *model.mutable_graph()->add_initializer() = extra;
        writeModel(model, path_, external, &weights);
        onnx::ModelProto back = readBack();
        std::string data = external ? readAll(path_ + ".data") : "";
        auto bytes = [&](int i) {
          const auto& t = back.graph().initializer(i);
          if (!external) return t.raw_data();
          return data.substr(std::stoull(t.external_data(1).value()), std::stoull(t.external_data(2).value()));
        };
        EXPECT_EQ(bytes(0), bytesOf(expected));
        EXPECT_EQ(bytes(2), bytesOf(w2 * s2.reshape(shape2)));
        // Asked for as a tensor, the product is computed then: the same values.
        ASSERT_NE(weights.find("w"), nullptr);
        EXPECT_EQ(bytesOf(*weights.find("w")), bytesOf(expected));
        fs::remove(path_);
        fs::remove(path_ + ".data");
      }
    }
  }
}

TEST_F(WeightsTest, ScaledWeightsGoWithTheirInitializers) {
  const at::Tensor w = torch::randn({4, 256}), s = torch::randn({4});
  weights_.setScaled(w, s, 0, "w", model_.mutable_graph()->mutable_initializer(0));
  EXPECT_TRUE(weights_.holds("w"));
  weights_.retainOnly(onnx::GraphProto());  // no initializers left in the graph
  EXPECT_FALSE(weights_.holds("w"));
  EXPECT_TRUE(weights_.empty());
  // Embedded, a scaled weight's bytes are the product.
  Weights again;
  onnx::GraphProto graph;
  again.setScaled(w, s, 0, "w", graph.add_initializer());
  again.embed(graph);
  EXPECT_EQ(graph.initializer(0).raw_data(), bytesOf(w * s.reshape({4, 1})));
  EXPECT_TRUE(again.empty());
  // A scaled weight smaller than kMinBytes gets its product's raw_data at once.
  onnx::TensorProto small;
  again.setScaled(torch::ones({2, 3}), torch::tensor({2.0f, 3.0f}), 0, "small", &small);
  EXPECT_FALSE(again.holds("small"));
  EXPECT_EQ(small.raw_data(), bytesOf(torch::tensor({2.0f, 2.0f, 2.0f, 3.0f, 3.0f, 3.0f})));
}

TEST(RenameValues, RenamesUsesOutputsAndSubgraphsInOneWalk) {
  onnx::GraphProto g;
  auto* n = g.add_node();
  *n->add_input() = "a";
  *n->add_output() = "b";
  auto* attr = n->add_attribute();
  auto* sub = attr->mutable_g()->add_node();
  *sub->add_input() = "b";
  *sub->add_output() = "c";
  g.add_output()->set_name("b");
  g.add_value_info()->set_name("a");
  renameValues(g, {{"a", "x"}, {"b", "y"}});
  EXPECT_EQ(g.node(0).input(0), "x");
  EXPECT_EQ(g.node(0).output(0), "y");
  EXPECT_EQ(g.node(0).attribute(0).g().node(0).input(0), "y");
  EXPECT_EQ(g.node(0).attribute(0).g().node(0).output(0), "c");
  EXPECT_EQ(g.output(0).name(), "y");
  EXPECT_EQ(g.value_info(0).name(), "x");
}

}  // namespace
}  // namespace pt2onnx
