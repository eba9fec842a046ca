// Unit tests: pt2onnx's meta kernels and the shape-only fallback give the sizes the CPU kernels give,
// and operators whose sizes follow data still refuse meta tensors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/version.h>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

at::Tensor meta(at::IntArrayRef sizes, at::ScalarType dtype = at::kFloat) {
  return at::empty(sizes, at::TensorOptions().dtype(dtype).device(c10::kMeta));
}

TEST(MetaKernels, ConvolutionSizesMatchTheCpuKernel) {
  registerMetaKernels();
  const at::Tensor x = at::randn({2, 4, 17, 12}), w = at::randn({8, 4, 3, 5}), b = at::randn({8});
  for (bool transposed : {false, true}) {
    const at::Tensor weight = transposed ? at::randn({4, 3, 3, 5}) : w;  // groups 2: 6 out
    const at::Tensor bias = transposed ? at::randn({6}) : b;
    const auto cpu = at::_convolution(x, weight, bias, {2, 1}, {1, 2}, {1, 2}, transposed, {1, 0}, transposed ? 2 : 1,
                                      false, false, true, true);
    const auto on_meta = at::_convolution(meta(x.sizes()), meta(weight.sizes()), meta(bias.sizes()), {2, 1}, {1, 2},
                                          {1, 2}, transposed, {1, 0}, transposed ? 2 : 1, false, false, true, true);
    EXPECT_EQ(on_meta.sizes(), cpu.sizes()) << "transposed " << transposed;
  }
}

TEST(MetaKernels, ShapeOnlyFallbackKeepsInPlaceAndOutResults) {
  registerMetaKernels();
  at::Tensor x = meta({4, 5});
  EXPECT_EQ(at::relu(x).sizes(), x.sizes());
  EXPECT_TRUE(at::relu_(x).is_same(x));                                            // in place: the caller's tensor
  EXPECT_EQ(at::logical_not(meta({3, 7})).sizes(), (std::vector<int64_t>{3, 7}));  // through logical_not.out
  EXPECT_EQ(at::index_select(x, 1, meta({9}, at::kLong)).sizes(), (std::vector<int64_t>{4, 9}));
  EXPECT_EQ(at::relu(x.t()).sizes(), (std::vector<int64_t>{5, 4}));  // a transposed view
  EXPECT_TRUE(at::relu(x).is_meta());
}

// Operators whose result sizes follow from their arguments' sizes alone, through the fallback.
TEST(MetaKernels, ShapeOnlyFallbackGivesTheCpuSizes) {
  registerMetaKernels();
  const at::Tensor x = at::randn({2, 3, 4, 5, 6});
  auto same = [](const at::Tensor& on_meta, const at::Tensor& cpu) {
    EXPECT_TRUE(on_meta.is_meta());
    EXPECT_EQ(on_meta.sizes(), cpu.sizes());
    EXPECT_EQ(on_meta.scalar_type(), cpu.scalar_type());
  };
  const at::Tensor m = meta(x.sizes());
  same(at::angle(m), at::angle(x));
  same(at::log_sigmoid(m), at::log_sigmoid(x));
  same(std::get<0>(at::max_pool3d_with_indices(m, {2, 2, 2})), std::get<0>(at::max_pool3d_with_indices(x, {2, 2, 2})));
  same(std::get<1>(at::max_pool3d_with_indices(m, {2, 2, 2})), std::get<1>(at::max_pool3d_with_indices(x, {2, 2, 2})));
  same(at::huber_loss(m, m, at::Reduction::None), at::huber_loss(x, x, at::Reduction::None));
  same(at::median(m), at::median(x));
  same(std::get<1>(at::median(m, 2)), std::get<1>(at::median(x, 2)));
  same(std::get<0>(at::nanmedian(m, 1, true)), std::get<0>(at::nanmedian(x, 1, true)));
  same(std::get<1>(at::kthvalue(m, 2, 3)), std::get<1>(at::kthvalue(x, 2, 3)));
  same(at::std(m, at::IntArrayRef{1, 2}, 1, false), at::std(x, at::IntArrayRef{1, 2}, 1, false));
  same(at::var(m, at::IntArrayRef{0}, 0, true), at::var(x, at::IntArrayRef{0}, 0, true));
  const at::Tensor p = at::rand({3, 4});
  same(at::binary_cross_entropy(meta(p.sizes()), meta(p.sizes())), at::binary_cross_entropy(p, p));
  const at::Tensor sorted = std::get<0>(at::randn({2, 7}).sort()), values = at::randn({2, 9});
  same(at::searchsorted(meta(sorted.sizes()), meta(values.sizes())), at::searchsorted(sorted, values));
}

// embedding's lookup on meta: the table's sizes only, never a table of zeros (4 TiB here).
TEST(MetaKernels, IndexSelectNeedsNoTable) {
  registerMetaKernels();
  const at::Tensor table = meta({int64_t{1} << 20, int64_t{1} << 20});
  const at::Tensor ids = meta({2, 5}, at::kLong);
  EXPECT_EQ(at::embedding(table, ids).sizes(), (std::vector<int64_t>{2, 5, int64_t{1} << 20}));
  const at::Tensor x = at::randn({3, 4, 5});
  for (int64_t dim : {0, 1, -1}) {
    const at::Tensor index = at::tensor({1, 0, 2}, at::kInt);
    const at::Tensor on_meta = at::index_select(meta(x.sizes()), dim, meta(index.sizes(), at::kInt));
    EXPECT_EQ(on_meta.sizes(), at::index_select(x, dim, index).sizes()) << "dim " << dim;
  }
  EXPECT_EQ(at::index_select(meta({}), 0, meta({1}, at::kLong)).dim(), 0);
  EXPECT_ANY_THROW(at::index_select(meta({3, 4}), 0, meta({2, 2}, at::kLong)));
  EXPECT_ANY_THROW(at::index_select(meta({3, 4}), 0, meta({2})));
}

// Elementwise operators and batch norm run their CPU kernel on one element (per channel), so a
// meta tensor far larger than memory still gets its result: the full sizes, the CPU result's dtype.
TEST(MetaKernels, ElementwiseFallbackNeedsNoFullSizeZeros) {
  registerMetaKernels();
  const int64_t big = int64_t{1} << 20;
  const at::Tensor x = meta({4, 3, big, big});
  EXPECT_EQ(at::relu(x).sizes(), x.sizes());
  EXPECT_EQ(at::isnan(x).scalar_type(), at::kBool);
  EXPECT_EQ(at::logical_not(x).sizes(), x.sizes());  // through logical_not.out
  EXPECT_EQ(at::hardtanh(x, -1, 1).sizes(), x.sizes());
  at::Tensor y = meta({2, big, big});
  EXPECT_TRUE(at::relu_(y).is_same(y));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, big, big}));
  const at::Tensor channels = meta({3}), small = at::randn({2, 3, 5, 4});
  const auto cpu =
      at::native_batch_norm(small, at::ones({3}), at::zeros({3}), at::zeros({3}), at::ones({3}), false, 0.1, 1e-5);
  const auto on_meta =
      at::native_batch_norm(meta({2, 3, big, big}), channels, channels, channels, channels, false, 0.1, 1e-5);
  EXPECT_EQ(std::get<0>(on_meta).sizes(), (std::vector<int64_t>{2, 3, big, big}));
  EXPECT_EQ(std::get<1>(on_meta).sizes(), std::get<1>(cpu).sizes());
  EXPECT_EQ(std::get<2>(on_meta).sizes(), std::get<2>(cpu).sizes());
  // A dtype the CPU kernel refuses is still refused.
  EXPECT_ANY_THROW(at::hardswish(meta({big, big}, at::kBool)));
}

TEST(MetaKernels, SizesThatFollowDataStillRefuseMeta) {
  registerMetaKernels();
  EXPECT_ANY_THROW(at::nonzero(meta({4, 5})));
  EXPECT_ANY_THROW(meta({1}).item());
  EXPECT_ANY_THROW(at::masked_select(meta({4}), meta({4}, at::kBool)));
}

}  // namespace
}  // namespace pt2onnx
