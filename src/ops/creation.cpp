// Converters: creation family.
#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

void registerCreationOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
