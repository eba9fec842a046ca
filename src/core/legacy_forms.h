// Spellings of ONNX operators at the opsets before their arguments became inputs (opsets 9 and 10),
// and the check that an emitted node fits its operator's schema at the target opset.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/context.h"

namespace onnx {
class OpSchema;
}

namespace pt2onnx {

// The since-version of the first schema of `op_type` after `opset` (up to the build's last opset)
// that `takes` accepts, or 0 when none does.
int laterOpsetWhere(const std::string& op_type, int opset, const std::function<bool(const onnx::OpSchema&)>& takes);

// The small constant tensor behind an ONNX name, or nullptr when the name is computed.
using ConstantLookup = std::function<const at::Tensor*(const std::string&)>;

// Rewrites Clip (before 11), Pad (before 11), Slice (before 10) and TopK (before 10) whose bounds,
// pads or k are constants into the older spelling that takes them as attributes. Other nodes, and
// these with arguments computed at run time, are left as they are.
void spellForOpset(const std::string& op_type, std::vector<std::string>& inputs, std::vector<Attr>& attrs, int opset,
                   const ConstantLookup& constant);

// Range before opset 11, which introduced it: the positions of a run of ones of the range's length
// (Expand and NonZero), scaled and shifted in float64 and cast to the arguments' element type, read
// from whichever argument is a constant. Refused, naming opset 11, when none is.
std::string rangeBeforeOpset11(Context& ctx, const std::vector<std::string>& inputs, const ConstantLookup& constant);

// Slice before opset 10 with bounds computed at run time or steps other than 1 (Slice-1 takes
// constant bounds only, and no steps): along each axis, a Gather of the range between the bounds
// by the step, the bounds counted from the end when negative and clamped as Slice does. Empty when
// the attribute spelling serves (constant bounds, steps of 1) or the axes or steps are computed.
std::optional<std::string> sliceBeforeOpset10(Context& ctx, const std::vector<std::string>& inputs,
                                              const ConstantLookup& constant);

// Throws ConvertError naming the first later opset whose schema takes the node, when the schema at
// `opset` does not (too many inputs, an attribute it lacks). Operators ONNX does not know (custom
// domains) pass.
void checkFormFits(const std::string& op_type, size_t inputs, size_t outputs, const std::vector<Attr>& attrs,
                   int opset);

}  // namespace pt2onnx
