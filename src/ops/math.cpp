// Converters: math family.
#include "ops/common.h"

namespace pt2onnx {

void registerMathOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
