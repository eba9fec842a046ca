// Converters: resize family.
#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

void registerResizeOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
