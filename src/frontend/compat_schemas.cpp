// Forward-compatibility shims: operators and overloads newer than LibTorch 1.13 that torch 2.x
// archives call.
//
// Each entry is the newest schema of the operator (older torch versions pass fewer arguments, all
// of which have defaults here) and a CPU kernel built from LibTorch 1.13 operators, so archives
// load, pt2onnx's example runs execute, and converters read the arguments by schema name. An entry
// is skipped when the running LibTorch already has the operator (built on LibTorch 2.x).
#include "frontend/compat_schemas.h"

#include <torch/csrc/jit/runtime/operator.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

namespace pt2onnx {
namespace {

using torch::jit::Stack;

// softmax(q @ k^T * scale + bias) @ v, as PyTorch's math backend computes it. q [..., Hq, L, E],
// k [..., Hk, S, E], v [..., Hk, S, Ev]; a bool mask (and the causal mask j <= i) keeps the True
// positions, a float mask is added. enable_gqa repeats each key/value head Hq / Hk times.
at::Tensor sdpa(const at::Tensor& query, at::Tensor key, at::Tensor value, const c10::optional<at::Tensor>& mask,
                double dropout_p, bool is_causal, c10::optional<double> scale, bool enable_gqa) {
  int64_t e = query.size(-1);
  double s = scale.has_value() ? *scale : 1.0 / std::sqrt(static_cast<double>(e));
  if (enable_gqa && query.dim() >= 3 && key.size(-3) != query.size(-3)) {
    TORCH_CHECK(query.size(-3) % key.size(-3) == 0, "scaled_dot_product_attention: ", query.size(-3),
                " query heads are not a multiple of ", key.size(-3), " key/value heads");
    int64_t groups = query.size(-3) / key.size(-3);
    key = key.repeat_interleave(groups, -3);
    value = value.repeat_interleave(groups, -3);
  }
  at::Tensor scores = at::matmul(query, key.transpose(-2, -1)) * s;
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (is_causal) {
    TORCH_CHECK(!mask.has_value(), "scaled_dot_product_attention: attn_mask and is_causal=True together");
    at::Tensor keep = at::ones({query.size(-2), key.size(-2)}, query.options().dtype(at::kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), neg_inf);
  } else if (mask.has_value() && mask->scalar_type() == at::kBool) {
    scores = scores.masked_fill(mask->logical_not(), neg_inf);
  } else if (mask.has_value()) {
    scores = scores + *mask;
  }
  at::Tensor attn = at::softmax(scores, -1);
  if (dropout_p > 0.0) attn = at::dropout(attn, dropout_p, /*train=*/true);
  return at::matmul(attn, value);
}

// input * rsqrt(mean(input^2 over the normalized dims) + eps) * weight; eps defaults to the
// machine epsilon of input's dtype (torch.finfo(dtype).eps).
at::Tensor rmsNorm(const at::Tensor& input, std::vector<int64_t> normalized_shape,
                   const c10::optional<at::Tensor>& weight, c10::optional<double> eps) {
  int64_t n = static_cast<int64_t>(normalized_shape.size());
  TORCH_CHECK(n >= 1 && n <= input.dim(), "rms_norm: normalized_shape has ", n, " dims, input has ", input.dim());
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < n; ++i) dims.push_back(input.dim() - n + i);
  double e = eps.has_value()
                 ? *eps
                 : AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "rms_norm_eps", [] {
                     return static_cast<double>(std::numeric_limits<scalar_t>::epsilon());
                   });
  at::Tensor y = input * at::rsqrt(input.pow(2).mean(dims, /*keepdim=*/true) + e);
  return weight.has_value() ? y * *weight : y;
}

// Each listed dim of size 1 removed (others kept), as torch 2.0's squeeze.dims.
at::Tensor squeezeDims(const at::Tensor& self, std::vector<int64_t> dims) {
  for (auto& d : dims) d = c10::maybe_wrap_dim(d, self.dim());
  std::sort(dims.rbegin(), dims.rend());
  at::Tensor out = self;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0 && dims[i] == dims[i - 1]) continue;
    if (self.dim() > 0 && out.size(dims[i]) == 1) out = out.squeeze(dims[i]);
  }
  return out;
}

// all/any over several dims (torch 2.2's all.dims/any.dims): None reduces every dim, an empty
// list none (the result is still bool, or uint8 for uint8 input, like the single-dim overloads).
at::Tensor allAnyDims(const at::Tensor& self, const c10::optional<std::vector<int64_t>>& dim, bool keepdim, bool any) {
  std::vector<int64_t> dims;
  if (dim.has_value()) {
    for (auto d : *dim) dims.push_back(c10::maybe_wrap_dim(d, self.dim()));
  } else {
    for (int64_t d = 0; d < self.dim(); ++d) dims.push_back(d);
  }
  std::sort(dims.rbegin(), dims.rend());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  at::Tensor out = self.scalar_type() == at::kByte ? self.ne(0).to(at::kByte) : self.ne(0);
  for (auto d : dims) out = any ? out.any(d, keepdim) : out.all(d, keepdim);
  return out;
}

c10::optional<at::Tensor> optionalTensor(const c10::IValue& v) {
  if (v.isNone()) return c10::nullopt;
  return v.toTensor();
}

c10::optional<double> optionalDouble(const c10::IValue& v) {
  if (v.isNone()) return c10::nullopt;
  return v.toDouble();
}

void pushAllAnyDims(Stack& stack, bool any) {
  auto args = torch::jit::last(stack, 3);
  c10::optional<std::vector<int64_t>> dim;
  if (!args[1].isNone()) dim = args[1].toIntVector();
  at::Tensor out = allAnyDims(args[0].toTensor(), dim, args[2].toBool(), any);
  torch::jit::drop(stack, 3);
  torch::jit::push(stack, std::move(out));
}

struct Shim {
  const char* schema;
  torch::jit::Operation kernel;
};

// Operator schemas newer than LibTorch 1.13, each with the torch version that introduced it.
std::vector<Shim> shims() {
  return {
      // torch 2.0; `*, float? scale=None` since 2.1, `bool enable_gqa=False` since 2.5.
      {"aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
       "float dropout_p=0., bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor",
       [](Stack& stack) {
         auto args = torch::jit::last(stack, 8);
         at::Tensor out = sdpa(args[0].toTensor(), args[1].toTensor(), args[2].toTensor(), optionalTensor(args[3]),
                               args[4].toDouble(), args[5].toBool(), optionalDouble(args[6]), args[7].toBool());
         torch::jit::drop(stack, 8);
         torch::jit::push(stack, std::move(out));
       }},
      // torch 2.4 (nn.RMSNorm, F.rms_norm).
      {"aten::rms_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, float? eps=None) -> Tensor",
       [](Stack& stack) {
         auto args = torch::jit::last(stack, 4);
         at::Tensor out =
             rmsNorm(args[0].toTensor(), args[1].toIntVector(), optionalTensor(args[2]), optionalDouble(args[3]));
         torch::jit::drop(stack, 4);
         torch::jit::push(stack, std::move(out));
       }},
      // torch 2.0 (x.squeeze((1, 2))).
      {"aten::squeeze.dims(Tensor(a) self, int[] dim) -> Tensor(a)",
       [](Stack& stack) {
         at::Tensor out = squeezeDims(stack[stack.size() - 2].toTensor(), stack.back().toIntVector());
         torch::jit::drop(stack, 2);
         torch::jit::push(stack, std::move(out));
       }},
      // torch 2.2 (x.all(dim=(0, 1)), x.any(dim=(0, 1))).
      {"aten::all.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
       [](Stack& stack) { pushAllAnyDims(stack, /*any=*/false); }},
      {"aten::any.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
       [](Stack& stack) { pushAllAnyDims(stack, /*any=*/true); }},
  };
}

// "aten::name.overload" of a schema string.
std::string qualifiedName(const std::string& schema) { return schema.substr(0, schema.find('(')); }

bool haveOperator(const std::string& qualified) {
  auto dot = qualified.find('.', qualified.find("::"));
  std::string name = qualified.substr(0, dot);
  std::string overload = dot == std::string::npos ? "" : qualified.substr(dot + 1);
  for (const auto& op : torch::jit::getAllOperatorsFor(c10::Symbol::fromQualString(name))) {
    if (op->schema().overload_name() == overload) return true;
  }
  return false;
}

}  // namespace

void registerCompatSchemas() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (auto& shim : shims()) {
      if (haveOperator(qualifiedName(shim.schema))) continue;
      torch::jit::registerOperator(
          torch::jit::Operator(shim.schema, std::move(shim.kernel), c10::AliasAnalysisKind::FROM_SCHEMA));
    }
  });
}

namespace {

bool identifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "ns::name" at `at` (after spaces): a namespace, "::", then name characters (`dots`: '.' too,
// trailing ones dropped). Empty when there is none.
std::string qualifiedName(const std::string& text, size_t at, bool dots) {
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  size_t end = at;
  while (end < text.size() && identifierChar(text[end])) ++end;
  if (end == at || std::isdigit(static_cast<unsigned char>(text[at])) || text.compare(end, 2, "::") != 0) return "";
  size_t name = end + 2, stop = name;
  while (stop < text.size() && (identifierChar(text[stop]) || (dots && text[stop] == '.'))) ++stop;
  while (stop > name && text[stop - 1] == '.') --stop;
  return stop == name ? "" : text.substr(at, stop - at);
}

}  // namespace

std::optional<std::string> missingOperator(const std::string& load_error) {
  // "Unknown builtin op: aten::foo." (no schema of that name), or "Arguments for call are not
  // valid. The following variants are available: aten::foo(...)" (a newer overload or argument).
  // Scanned by hand: a regex over a long message (a damaged archive's) can exhaust the stack.
  static const std::string unknown = "Unknown builtin op: ", invalid = "Arguments for call are not valid",
                           variants = "variants are available:";
  if (size_t at = load_error.find(unknown); at != std::string::npos)
    if (std::string name = qualifiedName(load_error, at + unknown.size(), true); !name.empty()) return name;
  if (size_t at = load_error.find(invalid); at != std::string::npos)
    if (size_t v = load_error.find(variants, at); v != std::string::npos)
      if (std::string name = qualifiedName(load_error, v + variants.size(), false); !name.empty())
        return "an overload of " + name;
  return std::nullopt;
}

std::string libtorchVersion() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR);
}

}  // namespace pt2onnx
