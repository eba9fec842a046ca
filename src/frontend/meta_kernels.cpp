// Meta kernels (sizes and dtypes, no data) for the LibTorch operators that common models call and
// that have none in C++ (PyTorch registers these from Python), so the example runs go on meta
// tensors (Recorder::runShapesOnly). Each gives what the CPU kernel's result would have,
// and refuses the inputs the CPU kernel refuses. An operator that already has a meta kernel keeps it.
#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/jit/runtime/operator.h>
#include <torch/library.h>
#include <torch/version.h>

#include <deque>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

// What _convolution asks of its backend once it has checked the arguments and given the input a
// batch dim: [N, C_out, spatial...].
at::Tensor convolutionMeta(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>&,
                           at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, bool transposed,
                           at::IntArrayRef output_padding, int64_t groups) {
  const int64_t spatial = input.dim() - 2;
  TORCH_CHECK(spatial >= 1 && weight.dim() == input.dim(), "convolution: expected batched input and weight of rank ",
              input.dim(), ", got ", input.sizes(), " and ", weight.sizes());
  auto at = [](at::IntArrayRef values, int64_t k, int64_t otherwise) {
    if (values.empty()) return otherwise;
    return values.size() == 1 ? values[0] : values[k];
  };
  std::vector<int64_t> sizes{input.size(0), transposed ? weight.size(1) * groups : weight.size(0)};
  for (int64_t k = 0; k < spatial; ++k) {
    const int64_t in = input.size(k + 2), kernel = weight.size(k + 2);
    const int64_t s = at(stride, k, 1), p = at(padding, k, 0), d = at(dilation, k, 1);
    const int64_t out = transposed ? (in - 1) * s - 2 * p + d * (kernel - 1) + at(output_padding, k, 0) + 1
                                   : (in + 2 * p - d * (kernel - 1) - 1) / s + 1;
    TORCH_CHECK(out > 0, "convolution: the output would have size ", out, " along spatial dim ", k);
    sizes.push_back(out);
  }
  return at::empty(sizes, input.options());
}

// The encoder fast path's attention: the output has the query's sizes; the weights are [B, L, L]
// averaged over heads, [B, H, L, L] per head, or none.
std::tuple<at::Tensor, at::Tensor> multiHeadAttentionMeta(const at::Tensor& query, const at::Tensor& key,
                                                          const at::Tensor& value, int64_t embed_dim, int64_t num_head,
                                                          const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                                          const at::Tensor&, const c10::optional<at::Tensor>&,
                                                          bool need_weights, bool average_attn_weights,
                                                          c10::optional<int64_t>) {
  TORCH_CHECK(query.dim() == 3, "expected 3-D `query`, got ", query.dim(), "-D tensor");
  TORCH_CHECK(key.sizes() == query.sizes() && value.sizes() == query.sizes(),
              "expected `query`/`key`/`value` shapes to match");
  TORCH_CHECK(query.size(2) == embed_dim && num_head > 0 && embed_dim % num_head == 0,
              "_native_multi_head_attention: embed_dim and num_head do not fit the query");
  at::Tensor out = at::empty(query.sizes(), query.options());
  if (!need_weights) return {out, at::Tensor()};
  const int64_t batch = query.size(0), length = query.size(1);
  at::Tensor weights = average_attn_weights ? at::empty({batch, length, length}, query.options())
                                            : at::empty({batch, num_head, length, length}, query.options());
  return {out, weights};
}

// A gather of whole slices (embedding's lookup): self's sizes with `dim` as long as the index.
// Through the shape-only fallback it would fill a zero table as large as the weight.
at::Tensor indexSelectMeta(const at::Tensor& self, int64_t dim, const at::Tensor& index) {
  TORCH_CHECK(index.dim() <= 1, "index_select(): Index is supposed to be a vector");
  TORCH_CHECK(index.scalar_type() == at::kLong || index.scalar_type() == at::kInt,
              "index_select(): Expected dtype int32 or int64 for index");
  if (self.dim() == 0) {
    TORCH_CHECK(index.numel() == 1, "index_select(): Index to scalar can have only 1 value, got ", index.numel(),
                " value(s)");
    return at::empty({}, self.options());
  }
  std::vector<int64_t> sizes = self.sizes().vec();
  sizes[c10::maybe_wrap_dim(dim, self.dim())] = index.numel();
  return at::empty(sizes, self.options());
}

// Operators whose results' sizes follow from their arguments' sizes and scalars alone, never from
// tensor data, and that LibTorch has no meta kernel for: metaFallback runs their CPU kernel
// on zeros of the same sizes (cheap for these) and hands back meta tensors. Every other operator
// without a meta kernel (nonzero, item, unique, ...) still fails, and the run goes on real values.
const std::unordered_set<std::string>& shapeOnlyOperators() {
  static const std::unordered_set<std::string> names = {
      // activations and elementwise
      "aten::relu",
      "aten::relu_",
      "aten::hardtanh",
      "aten::hardtanh_",
      "aten::hardswish",
      "aten::hardswish_",
      "aten::hardsigmoid",
      "aten::hardsigmoid_",
      "aten::abs",
      "aten::abs_",
      "aten::logit",
      "aten::logical_not",
      "aten::logical_not_",
      "aten::isnan",
      "aten::angle",
      "aten::log_sigmoid_forward",
      "aten::where",
      "aten::floor_divide",
      "aten::floor_divide_",
      // normalization, pooling, resizing, sampling
      "aten::native_batch_norm",
      "aten::_adaptive_avg_pool2d",
      "aten::_adaptive_avg_pool3d",
      "aten::upsample_nearest3d",
      "aten::max_unpool2d",
      "aten::max_unpool3d",
      "aten::grid_sampler_2d",
      "aten::grid_sampler_3d",
      "aten::max_pool3d_with_indices",
      // gathers and rearrangements: sizes from the index's sizes, never its values
      "aten::index_select",
      "aten::flip",
      "aten::roll",
      // reductions and scans
      "aten::count_nonzero",
      "aten::nansum",
      "aten::_logcumsumexp",
      "aten::nll_loss2d_forward",
      "aten::huber_loss",
      "aten::median",
      "aten::nanmedian",
      "aten::kthvalue",
      "aten::std",
      "aten::var",
      "aten::binary_cross_entropy",
      // searches: one index per value, whatever the values
      "aten::searchsorted",
      // spectral
      "aten::_fft_r2c",
      "aten::_fft_c2r",
      "aten::_fft_c2c",
  };
  return names;
}

// Of the shape-only operators, those whose first result has their first argument's sizes
// (elementwise operators of one tensor, and batch norm, whose per-channel arguments need the channel
// dim, 1, kept): the CPU kernel runs on one element per dim, or the channels, instead of zeros of
// the full size (a ReLU after every convolution of a large model adds up), and the full-size result
// is a meta tensor with the CPU result's dtype.
const std::unordered_map<std::string, int64_t>& sameSizeOperators() {
  static const std::unordered_map<std::string, int64_t> kept_dim = {
      {"aten::relu", -1},         {"aten::relu_", -1},      {"aten::hardtanh", -1},    {"aten::hardtanh_", -1},
      {"aten::hardswish", -1},    {"aten::hardswish_", -1}, {"aten::hardsigmoid", -1}, {"aten::hardsigmoid_", -1},
      {"aten::abs", -1},          {"aten::abs_", -1},       {"aten::logit", -1},       {"aten::logical_not", -1},
      {"aten::logical_not_", -1}, {"aten::isnan", -1},      {"aten::angle", -1},       {"aten::native_batch_norm", 1},
  };
  return kept_dim;
}

// A CPU tensor of zeros with a meta tensor's sizes and strides (expanded and permuted views too).
at::Tensor zerosLike(const at::Tensor& t) {
  int64_t elements = 1;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) == 0) return at::zeros(t.sizes(), t.options().device(c10::kCPU));
    elements += (t.size(d) - 1) * t.stride(d);
  }
  return at::zeros({elements}, t.options().device(c10::kCPU)).as_strided(t.sizes(), t.strides());
}

// Meta tensors (alone or in a list) to CPU zeros, or CPU tensors back to meta ones.
void carryTo(c10::IValue& v, bool to_meta) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (t.defined() && t.is_meta() != to_meta) v = to_meta ? metaLike(t) : zerosLike(t);
  } else if (v.isTensorList()) {
    auto list = v.toTensorList();
    for (size_t i = 0; i < list.size(); ++i) {
      c10::IValue item(list.get(i));
      carryTo(item, to_meta);
      list.set(i, item.toTensor());
    }
  }
}

bool writes(const c10::Argument& argument) { return argument.alias_info() && argument.alias_info()->isWrite(); }

void metaFallback(const c10::OperatorHandle& op, torch::jit::Stack* stack) {
  const auto& schema = op.schema();
  TORCH_CHECK_NOT_IMPLEMENTED(shapeOnlyOperators().count(schema.name()), "Could not run '", schema.name(),
                              "' with arguments from the 'Meta' backend.");
  const size_t n = schema.arguments().size(), first = stack->size() - n;
  std::vector<c10::IValue> meta(stack->begin() + static_cast<std::ptrdiff_t>(first), stack->end());
  // The full-size first argument when the kernel runs on a small one instead.
  at::Tensor full;
  const auto same = sameSizeOperators().find(schema.name());
  if (same != sameSizeOperators().end() && n > 0 && meta[0].isTensor() && meta[0].toTensor().defined() &&
      meta[0].toTensor().numel() > 1) {
    full = meta[0].toTensor();
    std::vector<int64_t> small(static_cast<size_t>(full.dim()), 1);
    if (same->second >= 0 && same->second < full.dim()) small[same->second] = full.size(same->second);
    (*stack)[first] = at::empty(small, full.options());
  }
  for (size_t i = first; i < stack->size(); ++i) carryTo((*stack)[i], false);
  std::vector<c10::IValue> cpu(stack->begin() + static_cast<std::ptrdiff_t>(first), stack->end());
  op.callBoxed(stack);
  // A tensor written in place or as out= stays the caller's meta tensor, with the sizes the CPU
  // kernel gave it (an out= result of size 0 grows), or the first argument's full sizes for the
  // first one when the kernel ran small; a result that aliases it is that tensor.
  bool first_written = true;
  for (size_t i = 0; i < n; ++i)
    if (writes(schema.arguments()[i]) && meta[i].isTensor() && meta[i].toTensor().defined()) {
      meta[i].toTensor().resize_(full.defined() && first_written ? full.sizes() : cpu[i].toTensor().sizes());
      first_written = false;
    }
  const size_t results = schema.returns().size(), base = stack->size() - results;
  for (size_t j = 0; j < results; ++j) {
    c10::IValue& result = (*stack)[base + j];
    const auto& ret = schema.returns()[j];
    bool aliased = false;
    if (ret.alias_info())
      for (size_t i = 0; i < n && !aliased; ++i)
        if (writes(schema.arguments()[i]) &&
            schema.arguments()[i].alias_info()->beforeSets() == ret.alias_info()->beforeSets()) {
          result = meta[i];
          aliased = true;
        }
    if (aliased) continue;
    if (j == 0 && full.defined() && result.isTensor())
      result = at::empty_like(full, full.options().dtype(result.toTensor().scalar_type()));
    else
      carryTo(result, true);
  }
}

bool hasMetaKernel(const char* name) {
  auto op = c10::Dispatcher::singleton().findOp({name, ""});
  return op && op->hasKernelForDispatchKey(c10::DispatchKey::Meta);
}

}  // namespace

at::Tensor metaLike(const at::Tensor& t) {
  return at::empty_strided(t.sizes(), t.strides(), t.options().device(c10::kMeta));
}

void registerMetaKernels() {
  static std::once_flag once;
  std::call_once(once, [] {
    static torch::Library library(torch::Library::IMPL, "aten", c10::DispatchKey::Meta, __FILE__, __LINE__);
    if (!hasMetaKernel("aten::convolution_overrideable"))
      library.impl("convolution_overrideable", TORCH_FN(convolutionMeta));
    if (!hasMetaKernel("aten::_native_multi_head_attention"))
      library.impl("_native_multi_head_attention", TORCH_FN(multiHeadAttentionMeta));
    if (!hasMetaKernel("aten::index_select")) library.impl("index_select", TORCH_FN(indexSelectMeta));
    // Every overload of the shape-only operators that has no meta kernel and does not decompose
    // into other operators first (those reach their parts' kernels, which decide).
    for (const auto& name : c10::Dispatcher::singleton().getAllOpNames()) {
      if (!shapeOnlyOperators().count(name.name)) continue;
      auto op = c10::Dispatcher::singleton().findOp(name);
      if (!op || op->hasKernelForDispatchKey(c10::DispatchKey::Meta) ||
          op->hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd))
        continue;
      static std::deque<std::string> names;  // the registrations may keep the pointer
      const std::string local = name.name.substr(name.name.find("::") + 2);
      names.push_back(name.overload_name.empty() ? local : local + "." + name.overload_name);
      library.impl(names.back().c_str(), torch::CppFunction::makeFromBoxedFunction<&metaFallback>());
    }
  });
}

}  // namespace pt2onnx
