// Unit tests: the .npy and TensorProto readers behind --input-data, well-formed and malformed files.
#include "io/tensor_file.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <fstream>

namespace pt2onnx {
namespace {

// A .npy file: magic, version, header length, the header dict padded to 64 bytes, then `data`.
std::string npy(const std::string& dict, const std::string& data, int version = 1) {
  std::string header = dict;
  const size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(version) + '\0';
  const size_t n = header.size();
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (version != 1) out += std::string(2, '\0');
  return out + header + data;
}

template <typename T>
std::string bytesOf(std::initializer_list<T> values) {
  std::vector<T> v(values);
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string expectError(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const TensorFileError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a TensorFileError";
  return "";
}

TEST(Npy, ReadsVersions1To3) {
  auto t =
      readNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", bytesOf<int64_t>({0, 1, 2, 3, 4, 7})));
  EXPECT_EQ(t.scalar_type(), at::kLong);
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t[1][2].item<int64_t>(), 7);
  for (int version : {2, 3}) {
    auto f =
        readNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", bytesOf<float>({1.5f, -2}), version));
    EXPECT_EQ(f.scalar_type(), at::kFloat);
    EXPECT_FLOAT_EQ(f[0].item<float>(), 1.5f);
  }
}

TEST(Npy, ScalarZeroSizeAndEveryDType) {
  auto scalar = readNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", bytesOf<double>({3.0})));
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_DOUBLE_EQ(scalar.item<double>(), 3.0);
  auto empty = readNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", ""));
  EXPECT_EQ(empty.sizes().vec(), (std::vector<int64_t>{0, 4}));
  const std::pair<const char*, at::ScalarType> types[] = {{"|b1", at::kBool}, {"|i1", at::kChar}, {"|u1", at::kByte},
                                                          {"<i4", at::kInt},  {"<f2", at::kHalf}, {"<i2", at::kShort}};
  for (const auto& [descr, type] : types) {
    const size_t size = at::elementSize(type);
    auto t = readNpy(npy(std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (2,), }",
                         std::string(2 * size, '\1').substr(0, 2 * size)));
    EXPECT_EQ(t.scalar_type(), type) << descr;
  }
}

TEST(Npy, RejectsMalformedFiles) {
  EXPECT_NE(expectError([] { readNpy("NOTNUMPY-at-all"); }).find("magic"), std::string::npos);
  const std::string good = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", bytesOf<int64_t>({1, 2}));
  EXPECT_NE(expectError([&] { readNpy(good.substr(0, 30)); }).find("truncated"), std::string::npos);
  EXPECT_NE(expectError([&] { readNpy(good.substr(0, good.size() - 3)); }).find("need 16"), std::string::npos);
  EXPECT_NE(expectError([] {
              readNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", bytesOf<int64_t>({1, 2})));
            }).find("need 24"),
            std::string::npos);
  EXPECT_NE(expectError([] {
              readNpy(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "12345678"));
            }).find("not supported"),
            std::string::npos);
  EXPECT_NE(expectError([] {
              readNpy(npy("{'descr': '<i8', 'fortran_order': True, 'shape': (1,), }", bytesOf<int64_t>({1})));
            }).find("Fortran"),
            std::string::npos);
  EXPECT_NE(expectError([] {
              readNpy(npy("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }", bytesOf<int64_t>({1})));
            }).find("big-endian"),
            std::string::npos);
  EXPECT_NE(expectError([] { readNpy(npy("{'descr': '<i8', 'fortran_order': False, }", "")); }).find("'shape'"),
            std::string::npos);
  EXPECT_NE(
      expectError([] { readNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (a,), }", "")); }).find("shape"),
      std::string::npos);
  std::string v9 = good;
  v9[6] = 9;
  EXPECT_NE(expectError([&] { readNpy(v9); }).find("version 9"), std::string::npos);
}

TEST(TensorProto, RawAndTypedData) {
  onnx::TensorProto raw;
  raw.set_data_type(onnx::TensorProto_DataType_INT64);
  raw.add_dims(2);
  raw.set_raw_data(bytesOf<int64_t>({5, 9}));
  auto t = readTensorProto(raw.SerializeAsString());
  EXPECT_EQ(t.scalar_type(), at::kLong);
  EXPECT_EQ(t[1].item<int64_t>(), 9);

  onnx::TensorProto typed;
  typed.set_data_type(onnx::TensorProto_DataType_FLOAT);
  typed.add_dims(1);
  typed.add_dims(2);
  typed.add_float_data(0.25f);
  typed.add_float_data(-1.0f);
  auto f = readTensorProto(typed.SerializeAsString());
  EXPECT_EQ(f.sizes().vec(), (std::vector<int64_t>{1, 2}));
  EXPECT_FLOAT_EQ(f[0][1].item<float>(), -1.0f);

  onnx::TensorProto flags;
  flags.set_data_type(onnx::TensorProto_DataType_BOOL);
  flags.add_dims(3);
  for (int v : {1, 0, 1}) flags.add_int32_data(v);
  auto b = readTensorProto(flags.SerializeAsString());
  EXPECT_EQ(b.scalar_type(), at::kBool);
  EXPECT_FALSE(b[1].item<bool>());
}

TEST(TensorProto, RejectsMalformedData) {
  onnx::TensorProto short_raw;
  short_raw.set_data_type(onnx::TensorProto_DataType_FLOAT);
  short_raw.add_dims(4);
  short_raw.set_raw_data(bytesOf<float>({1, 2}));
  EXPECT_NE(expectError([&] { readTensorProto(short_raw.SerializeAsString()); }).find("need 16"), std::string::npos);
  onnx::TensorProto typed;
  typed.set_data_type(onnx::TensorProto_DataType_INT64);
  typed.add_dims(3);
  typed.add_int64_data(1);
  EXPECT_NE(expectError([&] { readTensorProto(typed.SerializeAsString()); }).find("need 3"), std::string::npos);
  onnx::TensorProto strings;
  strings.set_data_type(onnx::TensorProto_DataType_STRING);
  strings.add_dims(1);
  EXPECT_NE(expectError([&] { readTensorProto(strings.SerializeAsString()); }).find("not supported"),
            std::string::npos);
  EXPECT_NE(expectError([] { readTensorProto(std::string("\xff\xff\xff\xff garbage", 12)); }).find("neither"),
            std::string::npos);
}

// Dims that claim far more values than the file holds are refused before anything is allocated
// (found by tests/fuzz: 87 GB for a 10-byte file).
TEST(TensorProto, HugeDimsWithoutTheDataAllocateNothing) {
  onnx::TensorProto huge;
  huge.set_data_type(onnx::TensorProto_DataType_FLOAT);
  huge.add_dims(int64_t{1} << 35);
  EXPECT_NE(
      expectError([&] { readTensorProto(huge.SerializeAsString()); }).find("0 float_data values but its dims need"),
      std::string::npos);
  onnx::TensorProto empty_but_wide;  // no elements, yet the other dims overflow the strides
  empty_but_wide.set_data_type(onnx::TensorProto_DataType_FLOAT16);
  for (int64_t d : {int64_t{0}, int64_t{1} << 32, int64_t{1} << 32}) empty_but_wide.add_dims(d);
  EXPECT_NE(expectError([&] { readTensorProto(empty_but_wide.SerializeAsString()); }).find("dims are too large"),
            std::string::npos);
  huge.set_raw_data("abcd");
  EXPECT_NE(expectError([&] { readTensorProto(huge.SerializeAsString()); }).find("4 bytes of raw_data"),
            std::string::npos);
}

TEST(TensorFile, DetectsTheFormatAndNamesMissingFiles) {
  const std::string path = testing::TempDir() + "/pt2onnx_tensor_file_test.npy";
  {
    std::ofstream out(path, std::ios::binary);
    out << npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", bytesOf<int32_t>({42}));
  }
  EXPECT_EQ(readTensorFile(path).item<int32_t>(), 42);
  std::remove(path.c_str());
  EXPECT_NE(expectError([&] { readTensorFile(path); }).find("cannot be read"), std::string::npos);
}

}  // namespace
}  // namespace pt2onnx
