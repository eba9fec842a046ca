// libFuzzer target: the --input-data readers (.npy and TensorProto .pb). A malformed file must
// end in TensorFileError saying what is wrong; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/tensor_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    pt2onnx::readNpy(bytes);
  } catch (const pt2onnx::TensorFileError&) {
  }
  try {
    pt2onnx::readTensorProto(bytes);
  } catch (const pt2onnx::TensorFileError&) {
  }
  return 0;
}
