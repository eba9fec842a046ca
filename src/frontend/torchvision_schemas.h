// torchvision's operators (torchvision::nms, roi_align, ...) registered by pt2onnx itself, with CPU kernels.
#pragma once

namespace pt2onnx {

// Registers, once per process, the schemas of torchvision 0.14's operators with CPU kernels built
// on LibTorch, so archives that call them load and pt2onnx's example runs execute without
// torchvision installed. An operator that is already registered (torchvision's own library loaded
// with --load-library) is left as it is. Safe to call more than once.
void registerTorchvisionSchemas();

}  // namespace pt2onnx
