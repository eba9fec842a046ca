// registerAllOps: the fixed order in which converter families register.
#include "ops/all.h"

#include "core/registry.h"

namespace pt2onnx {

void registerAllOps(Registry& r) {
  registerStructureOps(r);
  registerElementwiseOps(r);
  registerActivationOps(r);
  registerConvOps(r);
  registerPoolOps(r);
  registerNormOps(r);
  registerLinearOps(r);
  registerAttentionOps(r);
  registerTransformerOps(r);
  registerViewScatterOps(r);
  registerLossOps(r);
  registerLinalgOps(r);
  registerShapeOps(r);
  registerIndexOps(r);
  registerIndexPutOps(r);
  registerReduceOps(r);
  registerCreationOps(r);
  registerPadOps(r);
  registerResizeOps(r);
  registerPixelOps(r);
  registerSortOps(r);
  registerMathOps(r);
  registerRnnOps(r);
  registerControlFlowOps(r);
  registerViewOps(r);
  registerProductOps(r);
  registerIndexUpdateOps(r);
  registerRepeatOps(r);
  registerWindowOps(r);
  registerBitwiseOps(r);
  registerPatchOps(r);
  registerEmbeddingBagOps(r);
  registerSpecialOps(r);
  registerElementwiseLossOps(r);
  registerRearrangeOps(r);
  registerBlasOps(r);
  registerStackingOps(r);
  registerRandomOps(r);
  registerTorchvisionOps(r);
  registerStridedOps(r);
  registerOrderStatOps(r);
  registerSpatialOps(r);
  registerQuantizeOps(r);
  registerQuantizedOps(r);
  registerQuantizedRnnOps(r);
  registerInPlacePartOps(r);
  registerSpectralOps(r);
}

}  // namespace pt2onnx
