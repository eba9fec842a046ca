// Example-value files for --input-data: NumPy .npy and ONNX TensorProto .pb, read into tensors.
#pragma once

#include <ATen/core/Tensor.h>

#include <stdexcept>
#include <string>

namespace pt2onnx {

// A file that is not a valid tensor file; the message says what is wrong with it.
class TensorFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// NumPy .npy, format versions 1-3, C order, little-endian (or single-byte) elements of bool,
// int8, uint8, int16, int32, int64, float16, float32 or float64.
at::Tensor readNpy(const std::string& bytes);

// A serialized onnx.TensorProto (raw_data or the typed *_data fields), as in the model zoo's
// test_data_set_N/input_K.pb.
at::Tensor readTensorProto(const std::string& bytes);

// Reads a file, choosing the format by its content (.npy magic, otherwise TensorProto).
at::Tensor readTensorFile(const std::string& path);

}  // namespace pt2onnx
