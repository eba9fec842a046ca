// Converters: rnn family.
#include "ops/common.h"

namespace pt2onnx {

void registerRnnOps(Registry& r) { (void)r; }

}  // namespace pt2onnx
