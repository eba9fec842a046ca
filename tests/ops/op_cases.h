// Table-driven op tests: each case converts at its lowest opset and at maxOpset() (one test each),
// and a case whose lowest opset is above kMinOpset is refused one opset lower with a message
// naming the opset it needs.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {

struct OpCase {
  std::string name;                       // test name suffix
  std::string ir;                         // TorchScript IR; the graph's output is checked
  std::vector<std::string> inputs;        // --input specs
  int lowest;                             // lowest opset with a converter
  std::string op;                         // an ONNX op the result must contain ("" for none)
  std::vector<int64_t> dims;              // the output's dims (-1 for a dim_param)
  std::vector<std::string> dynamic = {};  // --dynamic-axes specs
};

struct OpCaseAt {
  OpCase c;
  int opset;
};

inline std::vector<OpCaseAt> atLowestAndHighest(const std::vector<OpCase>& cases) {
  std::vector<OpCaseAt> out;
  for (const auto& c : cases) {
    out.push_back({c, c.lowest});
    if (c.lowest < maxOpset()) out.push_back({c, maxOpset()});
  }
  return out;
}

inline std::string caseName(const ::testing::TestParamInfo<OpCaseAt>& info) {
  return info.param.c.name + "_opset" + std::to_string(info.param.opset);
}

inline void checkCase(const OpCaseAt& p) {
  auto model = convertIR(p.c.ir, p.c.inputs, p.opset, p.c.dynamic);
  EXPECT_EQ(model.opset_import(0).version(), p.opset);
  if (!p.c.op.empty()) EXPECT_GE(countOps(model, p.c.op), 1) << p.c.op << " missing";
  EXPECT_EQ(outputDims(model), p.c.dims);
}

// Below the lowest opset the support check names the opset to use.
inline void checkRefusedBelow(const OpCase& c) {
  if (c.lowest <= kMinOpset) return;
  try {
    convertIR(c.ir, c.inputs, c.lowest - 1, c.dynamic);
    ADD_FAILURE() << c.name << " converted at opset " << c.lowest - 1;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("needs opset " + std::to_string(c.lowest)), std::string::npos) << e.what();
  }
}

}  // namespace pt2onnx::test
