// Converters: sort family.
#include "ops/common.h"

namespace pt2onnx {

void registerSortOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
