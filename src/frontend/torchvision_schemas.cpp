// torchvision 0.14's operators with CPU kernels written on LibTorch: archives that call them load and
// run in pt2onnx's example passes without torchvision (or Python) installed.
//
// The kernels follow torchvision's CPU semantics (sampling positions, rounding, clipping, averaging)
// and are checked against torchvision's own outputs by tests/unit/torchvision_kernels_test.cpp.
#include "frontend/torchvision_schemas.h"

#include <torch/csrc/jit/runtime/operator.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <tuple>
#include <vector>

namespace pt2onnx {
namespace {

using torch::jit::Stack;

// Keep indices of boxes [N, 4] (x1, y1, x2, y2) by decreasing score: a box is dropped when its IoU
// with a kept, higher-scoring box is strictly greater than the threshold. Ties in score keep
// their input order (a stable sort).
template <typename T>
std::vector<int64_t> nmsKeep(const at::Tensor& boxes, const at::Tensor& order, double iou_threshold) {
  const int64_t n = boxes.size(0);
  auto b = boxes.accessor<T, 2>();
  auto o = order.accessor<int64_t, 1>();
  std::vector<char> suppressed(n, 0);
  std::vector<int64_t> keep;
  for (int64_t a = 0; a < n; ++a) {
    int64_t i = o[a];
    if (suppressed[i]) continue;
    keep.push_back(i);
    T area_i = (b[i][2] - b[i][0]) * (b[i][3] - b[i][1]);
    for (int64_t c = a + 1; c < n; ++c) {
      int64_t j = o[c];
      if (suppressed[j]) continue;
      T w = std::max(T(0), std::min(b[i][2], b[j][2]) - std::max(b[i][0], b[j][0]));
      T h = std::max(T(0), std::min(b[i][3], b[j][3]) - std::max(b[i][1], b[j][1]));
      T inter = w * h;
      T area_j = (b[j][2] - b[j][0]) * (b[j][3] - b[j][1]);
      if (inter / (area_i + area_j - inter) > iou_threshold) suppressed[j] = 1;
    }
  }
  return keep;
}

at::Tensor nms(const at::Tensor& dets, const at::Tensor& scores, double iou_threshold) {
  TORCH_CHECK(dets.dim() == 2 && dets.size(1) == 4, "torchvision::nms: boxes must be [N, 4], got ", dets.sizes());
  TORCH_CHECK(scores.dim() == 1 && scores.size(0) == dets.size(0), "torchvision::nms: scores must be [N]");
  if (dets.numel() == 0) return at::empty({0}, dets.options().dtype(at::kLong));
  at::Tensor boxes = dets.contiguous();
  at::Tensor order = std::get<1>(scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true)).contiguous();
  std::vector<int64_t> keep;
  AT_DISPATCH_FLOATING_TYPES(boxes.scalar_type(), "torchvision_nms",
                             [&] { keep = nmsKeep<scalar_t>(boxes, order, iou_threshold); });
  return at::tensor(keep, dets.options().dtype(at::kLong));
}

// Bilinear sample of plane [H, W] at (y, x) the way RoIAlign does it: zero more than one pixel
// outside, coordinates below 0 clamp to 0, the last row/column repeats.
template <typename T>
T roiBilinear(const T* plane, int64_t height, int64_t width, T y, T x) {
  if (y < -1.0 || y > height || x < -1.0 || x > width) return 0;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  int64_t y0 = static_cast<int64_t>(y), x0 = static_cast<int64_t>(x), y1, x1;
  if (y0 >= height - 1) {
    y1 = y0 = height - 1;
    y = static_cast<T>(y0);
  } else {
    y1 = y0 + 1;
  }
  if (x0 >= width - 1) {
    x1 = x0 = width - 1;
    x = static_cast<T>(x0);
  } else {
    x1 = x0 + 1;
  }
  T ly = y - y0, lx = x - x0, hy = 1 - ly, hx = 1 - lx;
  return hy * hx * plane[y0 * width + x0] + hy * lx * plane[y0 * width + x1] + ly * hx * plane[y1 * width + x0] +
         ly * lx * plane[y1 * width + x1];
}

// One RoI [batch, x1, y1, x2, y2] of `rois`, checked against the input's batch.
template <typename T>
int64_t roiBatch(const T* roi, int64_t batch) {
  auto b = static_cast<int64_t>(roi[0]);
  TORCH_CHECK(b >= 0 && b < batch, "torchvision: RoI batch index ", b, " is outside the input's batch of ", batch);
  return b;
}

// Average of bilinear samples on a grid in each bin. `aligned` shifts by half a pixel (and lets
// RoIs be smaller than one pixel); `position_sensitive` takes bin (ph, pw) of output channel c
// from input channel (c * PH + ph) * PW + pw (ps_roi_align, which is always aligned).
template <typename T>
void roiAlignImpl(const at::Tensor& input, const at::Tensor& rois, double spatial_scale, int64_t ph_n, int64_t pw_n,
                  int64_t sampling_ratio, bool aligned, bool position_sensitive, at::Tensor& out, at::Tensor* mapping) {
  const int64_t channels = input.size(1), height = input.size(2), width = input.size(3);
  const int64_t out_channels = out.size(1);
  const T* in = input.data_ptr<T>();
  const T* r = rois.data_ptr<T>();
  T* o = out.data_ptr<T>();
  const T scale = static_cast<T>(spatial_scale), offset = aligned ? T(0.5) : T(0);
  for (int64_t k = 0; k < rois.size(0); ++k) {
    const T* roi = r + k * 5;
    int64_t b = roiBatch(roi, input.size(0));
    T start_w = roi[1] * scale - offset, start_h = roi[2] * scale - offset;
    T roi_w = roi[3] * scale - offset - start_w, roi_h = roi[4] * scale - offset - start_h;
    if (!aligned) {
      roi_w = std::max(roi_w, T(1));
      roi_h = std::max(roi_h, T(1));
    }
    T bin_h = roi_h / ph_n, bin_w = roi_w / pw_n;
    int64_t grid_h = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(roi_h / ph_n));
    int64_t grid_w = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(roi_w / pw_n));
    T count = position_sensitive ? T(grid_h * grid_w) : T(std::max<int64_t>(grid_h * grid_w, 1));
    for (int64_t c = 0; c < out_channels; ++c)
      for (int64_t ph = 0; ph < ph_n; ++ph)
        for (int64_t pw = 0; pw < pw_n; ++pw) {
          int64_t c_in = position_sensitive ? (c * ph_n + ph) * pw_n + pw : c;
          const T* plane = in + (b * channels + c_in) * height * width;
          T sum = 0;
          for (int64_t iy = 0; iy < grid_h; ++iy) {
            T y = start_h + ph * bin_h + (iy + T(0.5)) * bin_h / grid_h;
            for (int64_t ix = 0; ix < grid_w; ++ix) {
              T x = start_w + pw * bin_w + (ix + T(0.5)) * bin_w / grid_w;
              sum += roiBilinear(plane, height, width, y, x);
            }
          }
          int64_t at = ((k * out_channels + c) * ph_n + ph) * pw_n + pw;
          o[at] = sum / count;
          if (mapping) mapping->data_ptr<int32_t>()[at] = static_cast<int32_t>(c_in);
        }
  }
}

// Max (roi_pool) or average (ps_roi_pool) over the whole pixels of each bin; RoI corners are
// rounded to pixels. Empty bins give 0. `aux` receives the argmax (flat h * W + w) or the input
// channel of each bin.
template <typename T>
void roiPoolImpl(const at::Tensor& input, const at::Tensor& rois, double spatial_scale, int64_t ph_n, int64_t pw_n,
                 bool position_sensitive, at::Tensor& out, at::Tensor& aux) {
  const int64_t channels = input.size(1), height = input.size(2), width = input.size(3);
  const int64_t out_channels = out.size(1);
  const T* in = input.data_ptr<T>();
  const T* r = rois.data_ptr<T>();
  T* o = out.data_ptr<T>();
  int32_t* a = aux.data_ptr<int32_t>();
  // roi_pool clips bin edges to [0, H] and includes the rounded end pixel; ps_roi_pool clips to
  // [0, H - 1] and does not.
  const int64_t end_add = position_sensitive ? 0 : 1, clip_h = position_sensitive ? height - 1 : height,
                clip_w = position_sensitive ? width - 1 : width;
  for (int64_t k = 0; k < rois.size(0); ++k) {
    const T* roi = r + k * 5;
    int64_t b = roiBatch(roi, input.size(0));
    const T scale = static_cast<T>(spatial_scale);
    int64_t start_w = std::llround(roi[1] * scale), start_h = std::llround(roi[2] * scale);
    int64_t end_w = std::llround(roi[3] * scale), end_h = std::llround(roi[4] * scale);
    int64_t roi_w = std::max<int64_t>(end_w - start_w + end_add, 1),
            roi_h = std::max<int64_t>(end_h - start_h + end_add, 1);
    T bin_h = static_cast<T>(roi_h) / ph_n, bin_w = static_cast<T>(roi_w) / pw_n;
    for (int64_t c = 0; c < out_channels; ++c)
      for (int64_t ph = 0; ph < ph_n; ++ph)
        for (int64_t pw = 0; pw < pw_n; ++pw) {
          auto clip = [](int64_t v, int64_t hi) { return std::min(std::max<int64_t>(v, 0), hi); };
          int64_t h0 = clip(static_cast<int64_t>(std::floor(ph * bin_h)) + start_h, clip_h);
          int64_t h1 = clip(static_cast<int64_t>(std::ceil((ph + 1) * bin_h)) + start_h, clip_h);
          int64_t w0 = clip(static_cast<int64_t>(std::floor(pw * bin_w)) + start_w, clip_w);
          int64_t w1 = clip(static_cast<int64_t>(std::ceil((pw + 1) * bin_w)) + start_w, clip_w);
          bool empty = h1 <= h0 || w1 <= w0;
          int64_t c_in = position_sensitive ? (c * ph_n + ph) * pw_n + pw : c;
          const T* plane = in + (b * channels + c_in) * height * width;
          T best = empty ? T(0) : -std::numeric_limits<T>::max(), sum = 0;
          int64_t best_at = -1;
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) {
              T v = plane[h * width + w];
              sum += v;
              if (v > best) {
                best = v;
                best_at = h * width + w;
              }
            }
          int64_t at = ((k * out_channels + c) * ph_n + ph) * pw_n + pw;
          o[at] = position_sensitive ? (empty ? T(0) : sum / static_cast<T>((h1 - h0) * (w1 - w0))) : best;
          a[at] = static_cast<int32_t>(position_sensitive ? c_in : best_at);
        }
  }
}

void checkRoiArgs(const char* op, const at::Tensor& input, const at::Tensor& rois) {
  TORCH_CHECK(input.dim() == 4, "torchvision::", op, ": input must be [N, C, H, W], got ", input.sizes());
  TORCH_CHECK(rois.dim() == 2 && rois.size(1) == 5, "torchvision::", op,
              ": rois must be [K, 5] (batch index, x1, y1, x2, y2), got ", rois.sizes());
}

int64_t psChannels(const char* op, const at::Tensor& input, int64_t ph, int64_t pw) {
  TORCH_CHECK(input.size(1) % (ph * pw) == 0, "torchvision::", op, ": input channels (", input.size(1),
              ") must be a multiple of pooled_height * pooled_width (", ph * pw, ")");
  return input.size(1) / (ph * pw);
}

// roi_align, ps_roi_align (mapping != nullptr), on float or double inputs.
at::Tensor roiAlign(const at::Tensor& input_, const at::Tensor& rois_, double scale, int64_t ph, int64_t pw,
                    int64_t sampling_ratio, bool aligned, bool position_sensitive, at::Tensor* mapping) {
  const char* op = position_sensitive ? "ps_roi_align" : "roi_align";
  checkRoiArgs(op, input_, rois_);
  at::Tensor input = input_.contiguous(), rois = rois_.to(input.scalar_type()).contiguous();
  int64_t c = position_sensitive ? psChannels(op, input, ph, pw) : input.size(1);
  at::Tensor out = at::zeros({rois.size(0), c, ph, pw}, input.options());
  if (mapping) *mapping = at::zeros({rois.size(0), c, ph, pw}, input.options().dtype(at::kInt));
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "torchvision_roi_align", [&] {
    roiAlignImpl<scalar_t>(input, rois, scale, ph, pw, sampling_ratio, aligned, position_sensitive, out, mapping);
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> roiPool(const at::Tensor& input_, const at::Tensor& rois_, double scale, int64_t ph,
                                           int64_t pw, bool position_sensitive) {
  const char* op = position_sensitive ? "ps_roi_pool" : "roi_pool";
  checkRoiArgs(op, input_, rois_);
  at::Tensor input = input_.contiguous(), rois = rois_.to(input.scalar_type()).contiguous();
  int64_t c = position_sensitive ? psChannels(op, input, ph, pw) : input.size(1);
  at::Tensor out = at::zeros({rois.size(0), c, ph, pw}, input.options());
  at::Tensor aux = at::zeros({rois.size(0), c, ph, pw}, input.options().dtype(at::kInt));
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "torchvision_roi_pool",
                             [&] { roiPoolImpl<scalar_t>(input, rois, scale, ph, pw, position_sensitive, out, aux); });
  return {out, aux};
}

// Bilinear sample for deformable convolution: zero outside (-1, H) x (-1, W), each corner outside
// the image counts as zero.
template <typename T>
T deformBilinear(const T* plane, int64_t height, int64_t width, T y, T x) {
  if (y <= -1 || y >= height || x <= -1 || x >= width) return 0;
  int64_t y0 = static_cast<int64_t>(std::floor(y)), x0 = static_cast<int64_t>(std::floor(x));
  int64_t y1 = y0 + 1, x1 = x0 + 1;
  T ly = y - y0, lx = x - x0, hy = 1 - ly, hx = 1 - lx;
  auto at = [&](int64_t yy, int64_t xx) {
    return yy >= 0 && xx >= 0 && yy < height && xx < width ? plane[yy * width + xx] : T(0);
  };
  return hy * hx * at(y0, x0) + hy * lx * at(y0, x1) + ly * hx * at(y1, x0) + ly * lx * at(y1, x1);
}

struct DeformArgs {
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, offset_groups;
  bool use_mask;
};

// Columns [B, Cin * kh * kw, Hout * Wout] of input samples at the offset kernel taps, times the mask.
template <typename T>
void deformColumns(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask, int64_t kh, int64_t kw,
                   const DeformArgs& d, at::Tensor& cols) {
  const int64_t batch = input.size(0), cin = input.size(1), height = input.size(2), width = input.size(3);
  const int64_t hout = offset.size(2), wout = offset.size(3), hw = hout * wout;
  const int64_t per_group = cin / d.offset_groups;
  const T* in = input.data_ptr<T>();
  const T* off = offset.data_ptr<T>();
  const T* m = d.use_mask ? mask.data_ptr<T>() : nullptr;
  T* col = cols.data_ptr<T>();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < cin; ++c) {
      int64_t g = c / per_group;
      const T* plane = in + (b * cin + c) * height * width;
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j) {
          int64_t tap = g * kh * kw + i * kw + j;
          const T* off_y = off + (b * offset.size(1) + 2 * tap) * hw;
          const T* off_x = off_y + hw;
          const T* mk = m ? m + (b * mask.size(1) + tap) * hw : nullptr;
          T* dst = col + ((b * cin + c) * kh * kw + i * kw + j) * hw;
          for (int64_t y = 0; y < hout; ++y)
            for (int64_t x = 0; x < wout; ++x) {
              int64_t p = y * wout + x;
              T sy = static_cast<T>(y * d.stride_h - d.pad_h + i * d.dil_h) + off_y[p];
              T sx = static_cast<T>(x * d.stride_w - d.pad_w + j * d.dil_w) + off_x[p];
              T v = deformBilinear(plane, height, width, sy, sx);
              dst[p] = mk ? v * mk[p] : v;
            }
        }
    }
}

at::Tensor deformConv2d(const at::Tensor& input_, const at::Tensor& weight, const at::Tensor& offset_,
                        const at::Tensor& mask_, const at::Tensor& bias, const DeformArgs& d) {
  TORCH_CHECK(input_.dim() == 4 && weight.dim() == 4 && offset_.dim() == 4,
              "torchvision::deform_conv2d: input, weight and offset must be 4-d");
  const int64_t batch = input_.size(0), cin = input_.size(1), cout = weight.size(0);
  const int64_t kh = weight.size(2), kw = weight.size(3);
  TORCH_CHECK(d.groups > 0 && d.offset_groups > 0 && cin % d.groups == 0 && cin % d.offset_groups == 0 &&
                  cout % d.groups == 0 && weight.size(1) * d.groups == cin,
              "torchvision::deform_conv2d: channels do not fit groups/offset_groups");
  TORCH_CHECK(offset_.size(1) == 2 * d.offset_groups * kh * kw,
              "torchvision::deform_conv2d: offset must have 2 * offset_groups * kh * kw channels");
  const int64_t hout = (input_.size(2) + 2 * d.pad_h - (d.dil_h * (kh - 1) + 1)) / d.stride_h + 1;
  const int64_t wout = (input_.size(3) + 2 * d.pad_w - (d.dil_w * (kw - 1) + 1)) / d.stride_w + 1;
  TORCH_CHECK(offset_.size(2) == hout && offset_.size(3) == wout,
              "torchvision::deform_conv2d: offset's spatial size must be the output's");
  at::Tensor input = input_.contiguous(), offset = offset_.to(input.scalar_type()).contiguous();
  at::Tensor mask = d.use_mask ? mask_.to(input.scalar_type()).contiguous() : mask_;
  at::Tensor cols = at::zeros({batch, cin * kh * kw, hout * wout}, input.options());
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "torchvision_deform_conv2d",
                             [&] { deformColumns<scalar_t>(input, offset, mask, kh, kw, d, cols); });
  // Grouped matrix product: [G, Cout/G, Cin/G*kh*kw] x [B, G, Cin/G*kh*kw, HW].
  at::Tensor w = weight.to(input.scalar_type()).reshape({d.groups, cout / d.groups, -1});
  at::Tensor c = cols.reshape({batch, d.groups, cin / d.groups * kh * kw, hout * wout});
  at::Tensor out = at::matmul(w.unsqueeze(0), c).reshape({batch, cout, hout, wout});
  if (bias.defined() && bias.numel() == cout) out = out + bias.to(out.scalar_type()).reshape({1, cout, 1, 1});
  return out;
}

struct Schema {
  const char* schema;
  torch::jit::Operation kernel;
};

template <typename... Ts>
void replace(Stack& stack, size_t n, Ts&&... outs) {
  torch::jit::drop(stack, n);
  (torch::jit::push(stack, std::forward<Ts>(outs)), ...);
}

// The schemas exactly as torchvision 0.14 declares them (torch.ops.torchvision.*).
std::vector<Schema> schemas() {
  return {
      {"torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
       [](Stack& s) {
         auto a = torch::jit::last(s, 3);
         at::Tensor out = nms(a[0].toTensor(), a[1].toTensor(), a[2].toDouble());
         replace(s, 3, std::move(out));
       }},
      {"torchvision::roi_align(Tensor input, Tensor rois, float spatial_scale, int pooled_height, int pooled_width, "
       "int sampling_ratio, bool aligned) -> Tensor",
       [](Stack& s) {
         auto a = torch::jit::last(s, 7);
         at::Tensor out = roiAlign(a[0].toTensor(), a[1].toTensor(), a[2].toDouble(), a[3].toInt(), a[4].toInt(),
                                   a[5].toInt(), a[6].toBool(), false, nullptr);
         replace(s, 7, std::move(out));
       }},
      {"torchvision::ps_roi_align(Tensor input, Tensor rois, float spatial_scale, int pooled_height, "
       "int pooled_width, int sampling_ratio) -> (Tensor, Tensor)",
       [](Stack& s) {
         auto a = torch::jit::last(s, 6);
         at::Tensor mapping;
         at::Tensor out = roiAlign(a[0].toTensor(), a[1].toTensor(), a[2].toDouble(), a[3].toInt(), a[4].toInt(),
                                   a[5].toInt(), true, true, &mapping);
         replace(s, 6, std::move(out), std::move(mapping));
       }},
      {"torchvision::roi_pool(Tensor input, Tensor rois, float spatial_scale, int pooled_height, int pooled_width) "
       "-> (Tensor, Tensor)",
       [](Stack& s) {
         auto a = torch::jit::last(s, 5);
         auto [out, argmax] =
             roiPool(a[0].toTensor(), a[1].toTensor(), a[2].toDouble(), a[3].toInt(), a[4].toInt(), false);
         replace(s, 5, std::move(out), std::move(argmax));
       }},
      {"torchvision::ps_roi_pool(Tensor input, Tensor rois, float spatial_scale, int pooled_height, "
       "int pooled_width) -> (Tensor, Tensor)",
       [](Stack& s) {
         auto a = torch::jit::last(s, 5);
         auto [out, mapping] =
             roiPool(a[0].toTensor(), a[1].toTensor(), a[2].toDouble(), a[3].toInt(), a[4].toInt(), true);
         replace(s, 5, std::move(out), std::move(mapping));
       }},
      {"torchvision::deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, "
       "int stride_h, int stride_w, int pad_h, int pad_w, int dilation_h, int dilation_w, int groups, "
       "int offset_groups, bool use_mask) -> Tensor",
       [](Stack& s) {
         auto a = torch::jit::last(s, 14);
         DeformArgs d{a[5].toInt(),  a[6].toInt(),  a[7].toInt(),  a[8].toInt(),  a[9].toInt(),
                      a[10].toInt(), a[11].toInt(), a[12].toInt(), a[13].toBool()};
         at::Tensor out =
             deformConv2d(a[0].toTensor(), a[1].toTensor(), a[2].toTensor(), a[3].toTensor(), a[4].toTensor(), d);
         replace(s, 14, std::move(out));
       }},
  };
}

bool haveOperator(const std::string& schema) {
  std::string name = schema.substr(0, schema.find('('));
  return !torch::jit::getAllOperatorsFor(c10::Symbol::fromQualString(name)).empty();
}

}  // namespace

void registerTorchvisionSchemas() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (auto& entry : schemas()) {
      if (haveOperator(entry.schema)) continue;
      torch::jit::registerOperator(
          torch::jit::Operator(entry.schema, std::move(entry.kernel), c10::AliasAnalysisKind::FROM_SCHEMA));
    }
  });
}

}  // namespace pt2onnx
