// Unit tests: the model-file recognizer (src/frontend/model_file.cpp) on damaged zip directories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

std::string le(uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

// A zip file made of only its end records: a zip64 end of central directory, its locator and the
// classic record pointing at them, with the given central directory offset and size.
std::string zip64Ends(uint64_t cd_offset, uint64_t cd_size) {
  std::string z64 = std::string("PK\x06\x06", 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(1, 8) +
                    le(1, 8) + le(cd_size, 8) + le(cd_offset, 8);
  std::string locator = std::string("PK\x06\x07", 4) + le(0, 4) + le(0, 8) + le(1, 4);
  std::string eocd = std::string("PK\x05\x06", 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) +
                     le(0xFFFFFFFF, 4) + le(0xFFFFFFFF, 4) + le(0, 2);
  return z64 + locator + eocd;
}

class ModelFile : public ::testing::Test {
 protected:
  void write(const std::string& bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_ = ::testing::TempDir() + "model_file_" + std::to_string(getpid()) + ".pt";
};

void expectDamagedZip(const std::string& path) {
  try {
    checkModelFile(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kModelInput);
    EXPECT_NE(std::string(e.what()).find("is a truncated or damaged zip archive"), std::string::npos) << e.what();
  }
}

// A central directory size near 2^64 once made offset + size wrap to a small number that passed
// the bounds check, and the read then asked for an impossible allocation (std::length_error).
TEST_F(ModelFile, Zip64DirectorySizeThatWrapsIsDamaged) {
  write(zip64Ends(16, ~uint64_t{0} - 7));
  expectDamagedZip(path_);
}

TEST_F(ModelFile, Zip64DirectoryOffsetPastTheEndIsDamaged) {
  write(zip64Ends(~uint64_t{0} - 3, 8));
  expectDamagedZip(path_);
}

TEST_F(ModelFile, Zip64DirectoryInsideTheFileButNotADirectoryIsDamaged) {
  write(zip64Ends(0, 60));  // points at the zip64 record itself
  expectDamagedZip(path_);
}

std::string formatError(const std::string& path) {
  try {
    checkModelFile(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kModelFormat);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

// A plain pickle names the classes it holds; a module pickled whole is told apart from weights.
TEST_F(ModelFile, PickledModuleIsNamed) {
  write(std::string("\x80\x02", 2) + "cbuiltins\nset\nq" + std::string(1, '\0') + "cmy_models.net\nResNet\nq\x01.");
  EXPECT_NE(formatError(path_).find("class my_models.net.ResNet"), std::string::npos);
}

// Names that hold a 'c' (collections) are not read again from that 'c' on ("ollections").
TEST_F(ModelFile, PickledWeightsAreAStateDict) {
  write(std::string("\x80\x02", 2) + "ccollections\nOrderedDict\nq\x00)Rq\x01.");
  EXPECT_NE(formatError(path_).find("a state_dict saved with torch.save"), std::string::npos) << formatError(path_);
}

// A megabyte of name characters (a damaged file) is scanned in its stride: the regex this once
// used recursed once per character.
TEST_F(ModelFile, PickleOfOneLongNameIsAStateDict) {
  write(std::string("\x80\x02", 2) + "c" + std::string(1 << 20, 'a') + "\nb\n");
  EXPECT_NE(formatError(path_).find("a state_dict saved with torch.save"), std::string::npos);
}

// An archive whose code entry no longer matches its checksum is refused before LibTorch parses it
// (LibTorch 1.13 segfaulted on this one, found by the loader fuzz target).
TEST(DamagedArchive, ChecksumMismatchIsRefusedBeforeLoading) {
  try {
    checkModelFile(std::string(PT2ONNX_DAMAGED_FIXTURES) + "/debug_info_crash.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kModelInput);
    EXPECT_NE(std::string(e.what()).find("is a damaged zip archive"), std::string::npos) << e.what();
  }
}

// A zip whose bytes 4-7 read "PTMF": LibTorch parses it as a flatbuffer without checking its sizes
// (the loader fuzz target's 15 GB allocation); it is refused before LibTorch reads it.
TEST(DamagedArchive, FlatbufferMagicInAZipIsRefusedBeforeLoading) {
  try {
    checkModelFile(std::string(PT2ONNX_DAMAGED_FIXTURES) + "/flatbuffer_magic_oom.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kModelFormat);
    EXPECT_NE(std::string(e.what()).find("flatbuffer file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pt2onnx
