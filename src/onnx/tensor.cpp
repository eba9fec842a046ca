// LibTorch tensors to ONNX TensorProto (raw little-endian data).
#include "onnx/tensor.h"

#include <ATen/ATen.h>

#include "core/diagnostics.h"
#include "onnx/dtype.h"

namespace pt2onnx {

void toTensorProto(const at::Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  DType dtype = fromTorch(tensor.scalar_type());
  if (dtype == DType::kUndefined)
    throw ConvertError(std::string("tensor element type ") + c10::toString(tensor.scalar_type()) +
                       " has no ONNX equivalent");
  at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  proto->set_name(name);
  proto->set_data_type(toOnnx(dtype));
  for (auto d : t.sizes()) proto->add_dims(d);
  proto->set_raw_data(t.data_ptr(), t.numel() * t.element_size());
}

}  // namespace pt2onnx
