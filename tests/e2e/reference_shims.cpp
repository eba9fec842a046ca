// pt2onnx_reference's forward-compat shims: registers src/frontend/compat_schemas.cpp before main(),
// so the reference loads torch 2.x archives (tests/fixtures/torch26) on LibTorch 1.13 too.
//
// A static initializer is safe here: this file is compiled into the executable itself, not a static
// library the linker could drop it from. The shims' kernels are checked against torch 2.6's own
// outputs by tests/unit/torch26_test.cpp, so the reference stays independent of the converters.
#include "frontend/compat_schemas.h"

namespace {
const bool kShimsRegistered = (pt2onnx::registerCompatSchemas(), true);
}  // namespace
