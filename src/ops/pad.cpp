// Converters: pad family.
#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

void registerPadOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
