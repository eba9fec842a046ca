// Unit tests: archives saved by torch 2.6 (tests/fixtures/torch26) load through the schema shims,
// and the shims' kernels give torch 2.6's outputs; load errors name operators no shim provides.
#include <gtest/gtest.h>
#include <torch/csrc/jit/runtime/operator.h>
#include <torch/script.h>

#include <string>
#include <vector>

#include "frontend/compat_schemas.h"
#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

const std::string kFixtures = PT2ONNX_TORCH26_FIXTURES;

// Buffers prefix_0, prefix_1, ... of a module.
std::vector<at::Tensor> numbered(const torch::jit::Module& m, const std::string& prefix) {
  std::vector<at::Tensor> out;
  for (int i = 0; m.hasattr(prefix + std::to_string(i)); ++i)
    out.push_back(m.attr(prefix + std::to_string(i)).toTensor());
  return out;
}

class Torch26Archive : public ::testing::TestWithParam<std::string> {};

// NAME.expected.pt (written by make_torch26.py) holds the example inputs and torch 2.6's outputs.
TEST_P(Torch26Archive, RunsLikeTorch26) {
  std::string base = kFixtures + "/" + GetParam();
  torch::jit::Module model = loadModule(base + ".pt");
  torch::jit::Module expected = torch::jit::load(base + ".expected.pt");
  std::vector<c10::IValue> inputs;
  for (const auto& t : numbered(expected, "input_")) inputs.emplace_back(t);
  std::vector<at::Tensor> want = numbered(expected, "output_");
  ASSERT_FALSE(want.empty());
  torch::NoGradGuard no_grad;
  c10::IValue out = model.forward(inputs);
  std::vector<at::Tensor> got;
  if (out.isTuple()) {
    for (const auto& v : out.toTupleRef().elements()) got.push_back(v.toTensor());
  } else {
    got.push_back(out.toTensor());
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].sizes(), want[i].sizes()) << "output " << i;
    EXPECT_TRUE(at::allclose(got[i], want[i], 1e-4, 1e-5))
        << "output " << i << ": max |diff| " << (got[i] - want[i]).abs().max().item<double>();
  }
}

INSTANTIATE_TEST_SUITE_P(Shims, Torch26Archive,
                         ::testing::Values("torch26_sdpa", "torch26_rms_norm", "torch26_vit", "torch26_vit_scripted",
                                           "torch26_bert", "torch26_bert_scripted", "torch26_decoder",
                                           "torch26_decoder_scripted", "torch26_overloads"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(CompatSchemas, RegisteringTwiceAddsNothing) {
  registerCompatSchemas();
  registerCompatSchemas();
  auto ops = torch::jit::getAllOperatorsFor(c10::Symbol::fromQualString("aten::scaled_dot_product_attention"));
  ASSERT_EQ(ops.size(), 1u);
  // torch 2.x's newest schema, whether native or shimmed: converters read these names.
  const auto& schema = ops[0]->schema();
  for (const char* name : {"attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa"})
    EXPECT_TRUE(schema.argumentIndexWithName(name).has_value()) << name;
}

TEST(CompatSchemas, MissingOperatorFromUnknownBuiltin) {
  EXPECT_EQ(missingOperator("Unknown builtin op: aten::_weight_int4pack_mm.\nHere are some suggestions: "),
            std::optional<std::string>("aten::_weight_int4pack_mm"));
}

TEST(CompatSchemas, MissingOperatorFromNewerOverload) {
  std::string error =
      "\nArguments for call are not valid.\nThe following variants are available:\n  \n"
      "  aten::squeeze(Tensor(a) self) -> Tensor(a):\n  Expected at most 1 argument(s) but received 2.\n";
  EXPECT_EQ(missingOperator(error), std::optional<std::string>("an overload of aten::squeeze"));
  EXPECT_EQ(missingOperator("PytorchStreamReader failed reading zip archive"), std::nullopt);
}

// A damaged archive's code can make a load error of any length (the loader fuzz target found a
// stack overflow in the regex this once used); the scan takes a megabyte in its stride.
TEST(CompatSchemas, MissingOperatorInALongMessage) {
  std::string error = "\nArguments for call are not valid.\n" + std::string(1 << 20, 'x') +
                      "\nThe following variants are available:\n  aten::view(Tensor self) -> Tensor\n";
  EXPECT_EQ(missingOperator(error), std::optional<std::string>("an overload of aten::view"));
  EXPECT_EQ(missingOperator("Arguments for call are not valid" + std::string(1 << 20, '\n')), std::nullopt);
  EXPECT_EQ(missingOperator("Unknown builtin op: " + std::string(1 << 20, 'a')), std::nullopt);
}

TEST(CompatSchemas, ArchiveWithUnshimmedOperatorNamesIt) {
  try {
    loadModule(kFixtures + "/needs_newer_libtorch.pt");
    if (libtorchVersion() == "1.13") FAIL() << "loaded an archive calling aten::_weight_int4pack_mm";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kMissingOps);
    EXPECT_NE(std::string(e.what()).find("calls aten::_weight_int4pack_mm, which LibTorch"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace pt2onnx
