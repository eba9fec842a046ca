// ONNX TensorProto files (model-zoo test data) read into tensors, and format detection by content.
#include <ATen/ATen.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "io/tensor_file.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

// Copies a typed repeated field into t, converting each element to t's type.
template <typename Field>
void fillFrom(const Field& field, at::Tensor& t, const char* what) {
  if (static_cast<int64_t>(field.size()) != t.numel())
    throw TensorFileError(std::string("the TensorProto has ") + std::to_string(field.size()) + " " + what +
                          " values but its dims need " + std::to_string(t.numel()));
  std::vector<typename Field::value_type> values(field.begin(), field.end());
  using T = typename Field::value_type;
  auto source = at::from_blob(values.data(), {t.numel()}, at::CppTypeToScalarType<T>::value);
  t.view({t.numel()}).copy_(source);
}

}  // namespace

at::Tensor readTensorProto(const std::string& bytes) {
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) throw TensorFileError("neither a .npy file nor a serialized ONNX TensorProto");
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw TensorFileError("the TensorProto keeps its data in an external file, which is not supported");
  if (!proto.has_data_type())
    throw TensorFileError("neither a .npy file nor a serialized ONNX TensorProto (it has no data_type)");
  const DType dtype = fromOnnx(proto.data_type());
  if (dtype == DType::kUndefined || dtype == DType::kBFloat16)
    throw TensorFileError("the TensorProto's element type " + std::to_string(proto.data_type()) +
                          " is not supported (bool, int8, uint8, int16, int32, int64, float16, float32, float64)");
  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  int64_t numel = 1;
  for (int64_t d : dims) {
    if (d < 0) throw TensorFileError("the TensorProto has a negative dimension");
    if (d > 0 && numel > (int64_t{1} << 40) / d) throw TensorFileError("the TensorProto's dims are too large");
    numel *= d;
  }
  at::Tensor t = at::empty(dims, at::TensorOptions().dtype(toTorch(dtype)));
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != t.nbytes())
      throw TensorFileError("the TensorProto has " + std::to_string(raw.size()) + " bytes of raw_data but its dims " +
                            "and type need " + std::to_string(t.nbytes()));
    if (!raw.empty()) std::memcpy(t.data_ptr(), raw.data(), raw.size());
    return t;
  }
  switch (dtype) {
    case DType::kFloat:
      fillFrom(proto.float_data(), t, "float_data");
      break;
    case DType::kDouble:
      fillFrom(proto.double_data(), t, "double_data");
      break;
    case DType::kInt64:
      fillFrom(proto.int64_data(), t, "int64_data");
      break;
    case DType::kHalf: {  // int32_data holds the bit patterns
      at::Tensor bits = at::empty(dims, at::kInt);
      fillFrom(proto.int32_data(), bits, "int32_data");
      t = bits.to(at::kShort).view(at::kHalf);
      break;
    }
    default:  // bool, int8, uint8, int16, int32 are stored widened in int32_data
      fillFrom(proto.int32_data(), t, "int32_data");
  }
  return t;
}

at::Tensor readTensorFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TensorFileError("cannot be read (check that it exists and its permissions)");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  if (bytes.compare(0, 6, "\x93NUMPY") == 0) return readNpy(bytes);
  if (bytes.empty()) throw TensorFileError("the file is empty");
  if (bytes.compare(0, 4, "PK\x03\x04") == 0)
    throw TensorFileError(
        "neither a .npy file nor a TensorProto but a zip archive (.npz files are not read: save one "
        "array with numpy.save)");
  return readTensorProto(bytes);
}

}  // namespace pt2onnx
