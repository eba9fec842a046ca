// A tiny operator library for the --load-library and --fallback tests: my_ops::scale_add and
// my_ops::clip_to, registered with LibTorch when the library is loaded.
#include <torch/library.h>
#include <torch/torch.h>

namespace {

// x + alpha * y.
at::Tensor scaleAdd(const at::Tensor& x, const at::Tensor& y, double alpha) { return x + alpha * y; }

// x clamped to [-bound, bound], element-wise; mode "abs" takes |x| first.
at::Tensor clipTo(const at::Tensor& x, double bound, std::string mode) {
  at::Tensor v = mode == "abs" ? x.abs() : x;
  return v.clamp(-bound, bound);
}

}  // namespace

TORCH_LIBRARY(my_ops, m) {
  m.def("scale_add(Tensor x, Tensor y, float alpha=1.0) -> Tensor", &scaleAdd);
  m.def("clip_to(Tensor x, float bound, str mode=\"plain\") -> Tensor", &clipTo);
}
