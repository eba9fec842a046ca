// ONNX TensorProto files (model-zoo test data) read into tensors, and format detection by content.
#include <ATen/ATen.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
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

// How many values the typed field for dtype holds, and its name.
std::pair<int64_t, const char*> typedValues(const onnx::TensorProto& proto, DType dtype) {
  switch (dtype) {
    case DType::kFloat:
      return {proto.float_data_size(), "float_data"};
    case DType::kDouble:
      return {proto.double_data_size(), "double_data"};
    case DType::kInt64:
      return {proto.int64_data_size(), "int64_data"};
    default:  // float16 bit patterns, bool, int8, uint8, int16, int32
      return {proto.int32_data_size(), "int32_data"};
  }
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
  // A 0 in the dims makes no elements, but the other dims must still fit LibTorch's strides.
  int64_t numel = 1, span = 1;
  for (int64_t d : dims) {
    if (d < 0) throw TensorFileError("the TensorProto has a negative dimension");
    if (d > 0 && span > (int64_t{1} << 40) / d) throw TensorFileError("the TensorProto's dims are too large");
    span *= std::max<int64_t>(d, 1);
    numel *= d;
  }
  // The values must all be there before anything is allocated: dims alone may claim terabytes.
  const uint64_t nbytes = static_cast<uint64_t>(numel) * at::elementSize(toTorch(dtype));
  if (proto.has_raw_data() && proto.raw_data().size() != nbytes)
    throw TensorFileError("the TensorProto has " + std::to_string(proto.raw_data().size()) +
                          " bytes of raw_data but its dims and type need " + std::to_string(nbytes));
  if (!proto.has_raw_data()) {
    auto [count, field] = typedValues(proto, dtype);
    if (count != numel)
      throw TensorFileError("the TensorProto has " + std::to_string(count) + " " + field +
                            " values but its dims need " + std::to_string(numel));
  }
  at::Tensor t = at::empty(dims, at::TensorOptions().dtype(toTorch(dtype)));
  if (proto.has_raw_data()) {
    if (nbytes) std::memcpy(t.data_ptr(), proto.raw_data().data(), nbytes);
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
