// Unit tests: loading an archive with its weights in a private mapping of the file
// (src/frontend/mapped_load.cpp): the weights are the file's pages, hold what torch::jit::load
// gives, can be written without touching the file, and give the mapping back when they go.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

class MappedLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::jit::Module module("Weights");
    // Three weights of one size (lent by size in file order), one of another, one too small to lend.
    for (const char* name : {"a", "b", "c"}) module.register_parameter(name, torch::randn({32, 48}), false);
    module.register_parameter("d", torch::randn({100, 7}).to(torch::kFloat64), false);
    module.register_parameter("e", torch::randn({3}), false);
    module.define("def forward(self, x):\n  return x + self.a.sum() + self.b.sum() + self.c.sum() + self.e.sum()\n");
    module.save(path_);
  }
  void TearDown() override { std::remove(path_.c_str()); }

  std::string fileBytes() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // Whether `p` lies in a mapping of the archive (/proc/self/maps names the mapped file).
  bool inFileMapping(const void* p) const {
    std::ifstream maps("/proc/self/maps");
    const auto at = reinterpret_cast<uintptr_t>(p);
    for (std::string line; std::getline(maps, line);) {
      if (line.find(path_) == std::string::npos) continue;
      std::istringstream fields(line);
      uintptr_t start = 0, end = 0;
      char dash = 0;
      fields >> std::hex >> start >> dash >> end;
      if (at >= start && at < end) return true;
    }
    return false;
  }

  std::string path_ = ::testing::TempDir() + "mapped_load_" + std::to_string(getpid()) + ".pt";
};

TEST_F(MappedLoad, WeightsAreTheFilesPagesWithTheLoadersValues) {
  torch::jit::Module expected = torch::jit::load(path_);
  torch::jit::Module mapped = loadMapped(path_);
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    const at::Tensor want = expected.attr(name).toTensor(), got = mapped.attr(name).toTensor();
    EXPECT_TRUE(torch::equal(want, got)) << name;
    EXPECT_EQ(inFileMapping(got.data_ptr()), std::string(name) != "e") << name;
  }
  const auto x = torch::randn({2, 2});
  EXPECT_TRUE(torch::allclose(expected.forward({x}).toTensor(), mapped.forward({x}).toTensor()));
}

TEST_F(MappedLoad, WritingAWeightLeavesTheFile) {
  const std::string before = fileBytes();
  {
    torch::jit::Module mapped = loadMapped(path_);
    mapped.attr("b").toTensor().add_(1.0);
    mapped.attr("d").toTensor().zero_();
  }
  EXPECT_EQ(fileBytes(), before);
  EXPECT_TRUE(torch::equal(loadMapped(path_).attr("b").toTensor(), torch::jit::load(path_).attr("b").toTensor()));
}

TEST_F(MappedLoad, TheMappingGoesWithTheLastWeight) {
  at::Tensor kept;
  {
    torch::jit::Module mapped = loadMapped(path_);
    kept = mapped.attr("c").toTensor();
  }
  EXPECT_TRUE(inFileMapping(kept.data_ptr()));
  const at::Tensor copy = kept.clone();
  const void* where = kept.data_ptr();
  kept.reset();
  EXPECT_FALSE(inFileMapping(where));
  EXPECT_EQ(copy.sizes(), (std::vector<int64_t>{32, 48}));
}

// Saved again in place (truncated) while converting: reading a weight past the new end raises
// SIGBUS, which ends the run with the model input's exit code and one line, not a crash.
TEST_F(MappedLoad, AFileCutShortEndsTheRunAsAModelInputError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        installSignalCleanup();
        torch::jit::Module mapped = loadMapped(path_);
        const at::Tensor d = mapped.attr("d").toTensor();
        if (truncate(path_.c_str(), 0) != 0) std::exit(1);
        const volatile double sum = d.sum().item<double>();
        (void)sum;
        std::exit(0);
      },
      ::testing::ExitedWithCode(static_cast<int>(ExitCode::kModelInput)), "cut short or rewritten");
}

}  // namespace
}  // namespace pt2onnx
