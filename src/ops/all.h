// Registration entry points of every converter family.
#pragma once

namespace pt2onnx {

class Registry;

void registerStructureOps(Registry& r);        // lists, tuples, scalars <-> tensors, size queries, no-ops
void registerElementwiseOps(Registry& r);      // arithmetic, comparison, math functions, where, clamp
void registerActivationOps(Registry& r);       // relu family, sigmoid family, gelu, softmax
void registerConvOps(Registry& r);             // convolution and transposed convolution
void registerPoolOps(Registry& r);             // max/avg/adaptive pooling
void registerNormOps(Registry& r);             // batch/layer/group/instance norm
void registerLinearOps(Registry& r);           // linear, matmul, addmm, bmm
void registerAttentionOps(Registry& r);        // fused attention kernels
void registerTransformerOps(Registry& r);      // fused transformer layers
void registerLinalgOps(Registry& r);           // linalg_norm, linalg_matrix_norm
void registerLossOps(Registry& r);             // cross entropy, nll, bce with logits, kl_div
void registerViewScatterOps(Registry& r);      // slice_scatter, select_scatter (writes into views)
void registerShapeOps(Registry& r);            // reshape, permute, concat, split, squeeze, expand, roll
void registerIndexOps(Registry& r);            // slice, select, gather, index
void registerIndexPutOps(Registry& r);         // index_put, index_put_ (accumulate too)
void registerReduceOps(Registry& r);           // mean, sum, max, argmax, ...
void registerCreationOps(Registry& r);         // zeros, ones, full, arange, *_like
void registerPadOps(Registry& r);              // pad, constant/reflection/replication pad
void registerResizeOps(Registry& r);           // upsample / interpolate
void registerPixelOps(Registry& r);            // pixel_shuffle, pixel_unshuffle, channel_shuffle
void registerSortOps(Registry& r);             // topk, sort, argsort, nonzero
void registerMathOps(Registry& r);             // less common math: triu/tril, scatter, atan2, lerp, grid_sample
void registerRnnOps(Registry& r);              // LSTM, GRU, RNN
void registerControlFlowOps(Registry& r);      // prim::If, prim::Loop
void registerViewOps(Registry& r);             // numpy_T/mT, view_as, diagonal, broadcast_tensors, _dim_arange
void registerProductOps(Registry& r);          // outer, dot, mv, tensordot, cross, cdist, cosine_similarity
void registerIndexUpdateOps(Registry& r);      // index_add, index_copy, index_fill
void registerRepeatOps(Registry& r);           // repeat, repeat_interleave
void registerWindowOps(Registry& r);           // hann/hamming/blackman windows
void registerBitwiseOps(Registry& r);          // bitwise and/or/xor/not, shifts
void registerPatchOps(Registry& r);            // Tensor.unfold, im2col, conv_tbc
void registerEmbeddingBagOps(Registry& r);     // embedding_bag, embedding_renorm
void registerSpecialOps(Registry& r);          // erfc, logit, xlogy, sinc, hypot, logaddexp, ...
void registerElementwiseLossOps(Registry& r);  // mse, l1, huber, bce, margin losses, pairwise_distance
void registerRearrangeOps(Registry& r);        // movedim, fliplr, rot90, tile, diff, trace, eye, kron, ...
void registerBlasOps(Registry& r);             // addmv, addr, addbmm, inner, matrix_power, bilinear, det
void registerStackingOps(Registry& r);         // atleast_nd, hstack/vstack/dstack/column_stack, ravel
void registerRandomOps(Registry& r);           // rand, randn, rand_like, randn_like
void registerTorchvisionOps(Registry& r);      // torchvision::nms, roi_align, roi_pool
void registerStridedOps(Registry& r);          // as_strided
void registerOrderStatOps(Registry& r);        // median, nanmedian, kthvalue, cummax, cummin, mode
void registerSpatialOps(Registry& r);          // max_unpool2d/3d, affine_grid_generator
void registerSpectralOps(Registry& r);         // stft, fft_rfft, fft_fft, abs/real/imag/view_as_real of them
void registerQuantizeOps(Registry& r);         // quantize_per_tensor/_channel, dequantize, fake_quantize_*
void registerInPlacePartOps(Registry& r);      // sigmoid_, tanh_, relu_, ... of a split's parts (traced LSTMCell)
void registerQuantizedOps(Registry& r);        // quantized:: conv, linear (static and dynamic), add, cat, norms
void registerQuantizedRnnOps(Registry& r);     // quantized_lstm (dynamic int8)

// Calls every family above in a fixed order.
void registerAllOps(Registry& r);

}  // namespace pt2onnx
