// Op tests: stft, FFTs and their inverses (opset 17) with the readers of their complex results.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// stft(x, n_fft=16, hop=4, win_length=12, window=None, normalized, onesided=None,
// return_complex=True) read through `tail`.
std::string stftIR(const std::string& tail, const std::string& ret) {
  return R"IR(
graph(%x : Tensor):
  %n : int = prim::Constant[value=16]()
  %h : int = prim::Constant[value=4]()
  %l : int = prim::Constant[value=12]()
  %none : NoneType = prim::Constant()
  %f : bool = prim::Constant[value=0]()
  %t : bool = prim::Constant[value=1]()
  %s : Tensor = aten::stft(%x, %n, %h, %l, %none, %f, %none, %t)
)IR" + tail +
         "  return (" + ret + ")";
}

// A magnitude spectrogram: [B, n_fft/2+1, 1 + (L - n_fft) / hop].
TEST(Spectral, StftMagnitudeOpset17) {
  auto model = convertIR(stftIR("  %m : Tensor = aten::abs(%s)\n", "%m"), {"x:2x64"}, 17);
  EXPECT_EQ(countOps(model, "STFT"), 1);
  EXPECT_EQ(countOps(model, "ReduceL2"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 9, 13}));
}

TEST(Spectral, StftViewAsRealOfOneSignalOpset17) {
  auto model = convertIR(stftIR("  %m : Tensor = aten::view_as_real(%s)\n", "%m"), {"x:64"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{9, 13, 2}));
}

TEST(Spectral, StftBelowOpset17IsRefused) {
  try {
    convertIR(stftIR("  %m : Tensor = aten::abs(%s)\n", "%m"), {"x:2x64"}, 16);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs opset 17"), std::string::npos) << e.what();
  }
}

// A complex graph output has no ONNX dtype: refused with what to read instead.
TEST(Spectral, ComplexOutputIsRefused) {
  try {
    convertIR(stftIR("", "%s"), {"x:2x64"}, 17);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ONNX has no complex dtype"), std::string::npos) << e.what();
  }
}

// fft_rfft(x, None, dim=1, "ortho") of a dynamic-length signal, read as .real and .imag.
const char* kRfft = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %d : int = prim::Constant[value=1]()
  %o : str = prim::Constant[value="ortho"]()
  %f : Tensor = aten::fft_rfft(%x, %none, %d, %o)
  %re : Tensor = aten::real(%f)
  %im : Tensor = aten::imag(%f)
  return (%re, %im))IR";

TEST(Spectral, RfftRealImagOpset17) {
  auto model = convertIR(kRfft, {"x:3x32"}, 17, {"x:1=n"});
  EXPECT_EQ(countOps(model, "DFT"), 1);
  EXPECT_EQ(countOps(model, "Sqrt"), 1);
  EXPECT_EQ(outputDims(model, 0).size(), 2u);
  EXPECT_EQ(outputDims(model, 1)[0], 3);
}

// .real of a real tensor is the tensor itself, at any opset.
TEST(Spectral, RealOfRealTensorOpset9) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::real(%x)
  return (%y))IR",
                         {"x:3x4"}, 9);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Identity"}));  // the output is the input
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

// fft(x, n) of a dynamic-length signal: cut to n when longer, zero-padded by a computed amount
// when shorter; the output has n points either way.
TEST(Spectral, FftWithLengthOfDynamicSignalOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %n : int = prim::Constant[value=48]()
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %f : Tensor = aten::fft_fft(%x, %n, %d, %none)
  %y : Tensor = aten::view_as_real(%f)
  return (%y))IR",
                         {"x:3x32"}, 17, {"x:1=n"});
  EXPECT_EQ(countOps(model, "Slice"), 1);
  EXPECT_EQ(countOps(model, "Pad"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 48, 2}));
}

// ifft of an fft: the inverse DFT reads the pair form; "ortho" scales both ways.
TEST(Spectral, IfftOfFftOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=-1]()
  %o : str = prim::Constant[value="ortho"]()
  %none : NoneType = prim::Constant()
  %f : Tensor = aten::fft_fft(%x, %none, %d, %o)
  %g : Tensor = aten::fft_ifft(%f, %none, %d, %o)
  %y : Tensor = aten::real(%g)
  return (%y))IR",
                         {"x:2x16"}, 17);
  EXPECT_EQ(countOps(model, "DFT"), 2);
  EXPECT_EQ(countOps(model, "Mul"), 1);
  EXPECT_EQ(countOps(model, "Div"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 16}));
}

// irfft of an rfft: the spectrum mirrored to its full length (2 (m - 1) points, m known only at run
// time), the inverse DFT and its real part.
TEST(Spectral, IrfftOfDynamicSpectrumOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %f : Tensor = aten::fft_rfft(%x, %none, %d, %none)
  %y : Tensor = aten::fft_irfft(%f, %none, %d, %none)
  return (%y))IR",
                         {"x:2x16"}, 17, {"x:1=n"});
  EXPECT_EQ(countOps(model, "DFT"), 2);
  EXPECT_EQ(countOps(model, "Concat"), 1);
  EXPECT_EQ(outputDims(model).size(), 2u);
}

// irfft with an odd n: the spectrum is cut to n / 2 + 1 points and n of them come back.
TEST(Spectral, IrfftWithOddLengthOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %n : int = prim::Constant[value=15]()
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %f : Tensor = aten::fft_rfft(%x, %none, %d, %none)
  %y : Tensor = aten::fft_irfft(%f, %n, %d, %none)
  return (%y))IR",
                         {"x:2x16"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{2, 15}));
}

// angle of a real tensor needs no complex numbers: any opset.
TEST(Spectral, AngleOfRealTensorOpset9) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::angle(%x)
  return (%y))IR",
                         {"x:3x4"}, 9);
  EXPECT_EQ(countOps(model, "IsNaN"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

// irfft of a real tensor (not a spectrum computed in the graph) is refused with the reason.
TEST(Spectral, IrfftOfRealInputIsRefused) {
  try {
    convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::fft_irfft(%x, %none, %d, %none)
  return (%y))IR",
              {"x:2x16"}, 17);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("complex result of an FFT"), std::string::npos) << e.what();
  }
}

// fft2 is one DFT per dim; rfftn over every dim ends one-sided on the last; irfft2 with s
// restores the lengths.
TEST(Spectral, Fft2AndRfftnOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %d : int[] = prim::Constant[value=[-2, -1]]()
  %s : int[] = prim::Constant[value=[4, 6]]()
  %f : Tensor = aten::fft_fft2(%x, %none, %d, %none)
  %a : Tensor = aten::abs(%f)
  %r : Tensor = aten::fft_rfftn(%x, %none, %none, %none)
  %b : Tensor = aten::view_as_real(%r)
  %i : Tensor = aten::fft_irfft2(%r, %s, %d, %none)
  return (%a, %b, %i))IR",
                         {"x:2x4x6"}, 17);
  EXPECT_EQ(countOps(model, "DFT"), 2 + 3 + 2);
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 4, 6}));
  EXPECT_EQ(outputDims(model, 1), (Dims{2, 4, 4, 2}));
  EXPECT_EQ(outputDims(model, 2), (Dims{2, 4, 6}));
}

}  // namespace
}  // namespace pt2onnx::test
