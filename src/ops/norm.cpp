// Converters: norm family.
#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

void registerNormOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
