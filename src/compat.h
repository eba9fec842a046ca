// What differs between the LibTorch and ONNX releases pt2onnx builds on (Debian 12: LibTorch 1.13,
// ONNX 1.12; Debian 13: LibTorch 2.6, ONNX 1.17), named in one place instead of version tests
// spread through the code.
#pragma once

#include <onnx/common/version.h>
#include <torch/version.h>

namespace pt2onnx::compat {

// The minor version of the ONNX library pt2onnx is built against ("1.17.0" -> 17).
constexpr int onnxMinorVersion() {
  const char* v = ONNX_NAMESPACE::LAST_RELEASE_VERSION;
  int i = 0, minor = 0;
  while (v[i] != '.') ++i;
  for (++i; v[i] >= '0' && v[i] <= '9'; ++i) minor = minor * 10 + (v[i] - '0');
  return minor;
}

// The highest ai.onnx opset the ONNX library knows: each release from 1.12 (opset 17) to 1.17
// (opset 22) added one. Its checker and shape inference know no operator version above it.
constexpr int kOnnxLastOpset = onnxMinorVersion() + 5;
static_assert(onnxMinorVersion() >= 12, "pt2onnx needs ONNX 1.12 or later");

// The highest opset pt2onnx converts to: the ONNX library's, up to 22, the last one whose operator
// changes the converters know.
constexpr int kMaxOpset = kOnnxLastOpset < 22 ? kOnnxLastOpset : 22;

// LibTorch 1.13's index_add broadcasts a source of fewer dims onto each slice of self; 2.x
// requires the source to have self's shape outside `dim`, so no model it runs has such a call.
constexpr bool kIndexAddBroadcastsSource = TORCH_VERSION_MAJOR < 2;

// ONNX 1.12 leaves the shape of Squeeze-11 without axes unknown when an input dim is; 1.17's shape
// inference gives it rank 0 instead, which strict inference then finds at odds with the declared
// output, so such a squeeze goes dim by dim there.
constexpr bool kOnnxInfersSqueeze11WithoutAxes = onnxMinorVersion() <= 12;

}  // namespace pt2onnx::compat
