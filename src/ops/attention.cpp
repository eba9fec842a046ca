// Converters: attention family.
#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

void registerAttentionOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
