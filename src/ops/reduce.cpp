// Converters: reduce family.
#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

void registerReduceOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
