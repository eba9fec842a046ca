// Converters: index family.
#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

void registerIndexOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
