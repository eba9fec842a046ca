// Unit tests: the atomic output file (temporary file, rename, error causes) and load-error helpers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "frontend/frontend.h"
#include "io/atomic_file.h"
#include "onnx/writer.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pt2onnx_atomic_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    target_ = (dir_ / "out.onnx").string();
    std::ofstream(target_) << "previous";
  }
  void TearDown() override { fs::remove_all(dir_); }
  size_t filesInDir() const { return std::distance(fs::directory_iterator(dir_), fs::directory_iterator()); }

  fs::path dir_;
  std::string target_;
};

TEST_F(AtomicFileTest, TargetChangesOnlyAtCommit) {
  AtomicFile file(target_);
  file.write("new model", 9);
  EXPECT_EQ(readAll(target_), "previous");
  EXPECT_TRUE(fs::exists(file.tempPath()));
  EXPECT_EQ(file.commit(), 9u);
  EXPECT_EQ(readAll(target_), "new model");
  EXPECT_EQ(filesInDir(), 1u);
}

TEST_F(AtomicFileTest, LargeWritesInOddPiecesArriveWhole) {
  // More than two staging buffers, in pieces that straddle their ends, then a short tail.
  std::string bytes(20'000'123, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  AtomicFile file(target_);
  constexpr size_t kPiece = 3'000'001;
  for (size_t at = 0; at < bytes.size(); at += kPiece)
    file.write(bytes.data() + at, std::min(kPiece, bytes.size() - at));
  EXPECT_EQ(file.commit(), bytes.size());
  EXPECT_TRUE(readAll(target_) == bytes);
  EXPECT_EQ(filesInDir(), 1u);
}

TEST_F(AtomicFileTest, AbandonedFileLeavesTargetAndNoTemporary) {
  {
    AtomicFile file(target_);
    file.write("half", 4);
  }
  EXPECT_EQ(readAll(target_), "previous");
  EXPECT_EQ(filesInDir(), 1u);
}

// Abandoned with a full buffer still being written by the background thread.
TEST_F(AtomicFileTest, AbandonedDuringABackgroundWriteLeavesNoTemporary) {
  const std::string bytes(17u << 20, '\x05');
  {
    AtomicFile file(target_);
    file.write(bytes.data(), bytes.size());
  }
  EXPECT_EQ(readAll(target_), "previous");
  EXPECT_EQ(filesInDir(), 1u);
}

TEST_F(AtomicFileTest, FailureNamesTheCauseAndRemovesTheTemporary) {
  AtomicFile file(target_);
  try {
    file.fail(ENOSPC);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kOutputWrite);
    EXPECT_EQ(std::string(e.what()),
              "cannot write '" + target_ + "': no space left on device; free some space or write elsewhere with -o");
  }
  EXPECT_EQ(readAll(target_), "previous");
  EXPECT_EQ(filesInDir(), 1u);
}

TEST_F(AtomicFileTest, ReplacedOutputKeepsItsPermissions) {
  fs::permissions(target_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  AtomicFile file(target_);
  file.write("x", 1);
  file.commit();
  EXPECT_EQ(fs::status(target_).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(AtomicFileTest, ExternalWeightsGoBesideTheModel) {
  onnx::ModelProto model;
  auto* weight = model.mutable_graph()->add_initializer();
  weight->set_name("w");
  weight->set_data_type(onnx::TensorProto_DataType_FLOAT);
  weight->add_dims(512);
  weight->set_raw_data(std::string(2048, '\x01'));
  const uint64_t written = writeModel(model, target_, /*force_external_data=*/true);
  EXPECT_EQ(written, 2048u + fs::file_size(target_));
  EXPECT_EQ(readAll(target_ + ".data"), std::string(2048, '\x01'));
  onnx::ModelProto back;
  std::ifstream in(target_, std::ios::binary);
  ASSERT_TRUE(back.ParseFromIstream(&in));
  const auto& w = back.graph().initializer(0);
  EXPECT_EQ(w.data_location(), onnx::TensorProto_DataLocation_EXTERNAL);
  EXPECT_FALSE(w.has_raw_data());
  ASSERT_EQ(w.external_data_size(), 3);
  EXPECT_EQ(w.external_data(0).value(), "out.onnx.data");
  EXPECT_EQ(filesInDir(), 2u);  // no temporary file of either
}

// The weights' checksums are waited for once every byte is written: a damaged weight found then
// leaves neither file, and the previous output in place.
TEST_F(AtomicFileTest, CheckBeforeCommitThatFailsLeavesNoFile) {
  onnx::ModelProto model;
  auto* weight = model.mutable_graph()->add_initializer();
  weight->set_name("w");
  weight->set_data_type(onnx::TensorProto_DataType_FLOAT);
  weight->add_dims(1 << 22);
  weight->set_raw_data(std::string(16u << 20, '\x02'));
  bool checked = false;
  EXPECT_THROW(writeModel(model, target_, /*force_external_data=*/true, nullptr, nullptr,
                          [&] {
                            checked = true;
                            throw Error(ExitCode::kModelInput, "damaged");
                          }),
               Error);
  EXPECT_TRUE(checked);
  EXPECT_EQ(readAll(target_), "previous");
  EXPECT_EQ(filesInDir(), 1u);
}

TEST(WriteErrors, NameTheCause) {
  EXPECT_EQ(describeWriteError(ENOSPC), "no space left on device");
  EXPECT_EQ(describeWriteError(EACCES), "permission denied");
  EXPECT_EQ(describeWriteError(EROFS), "read-only file system");
  EXPECT_EQ(describeWriteError(EDQUOT), "disk quota exceeded");
  EXPECT_EQ(describeWriteError(ENOENT), "no such file or directory");  // strerror, lower-cased
}

TEST(OperatorLibrary, NamesTheLibraryOfANamespace) {
  EXPECT_EQ(operatorLibrary("torchvision::nms"), "torchvision");
  EXPECT_EQ(operatorLibrary("torchvision::roi_align"), "torchvision");
  EXPECT_EQ(operatorLibrary("torchaudio::rnnt_loss"), "torchaudio");
  EXPECT_EQ(operatorLibrary("torch_scatter::scatter_max"), "torch-scatter");
  EXPECT_EQ(operatorLibrary("my_ops::fused_gelu"), "my_ops");
  EXPECT_EQ(operatorLibrary("aten::_weight_int4pack_mm"), std::nullopt);
  EXPECT_EQ(operatorLibrary("prim::Foo"), std::nullopt);
  EXPECT_EQ(operatorLibrary("quantized::linear"), std::nullopt);
}

}  // namespace
}  // namespace pt2onnx
