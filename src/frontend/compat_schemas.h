// Forward-compatibility shims: schemas (and CPU kernels) of operators newer than the LibTorch we build on.
#pragma once

#include <optional>
#include <string>

namespace pt2onnx {

// Registers, once per process, every shim whose operator the running LibTorch lacks, so that archives
// saved by a newer torch load, run and convert. Safe to call more than once.
void registerCompatSchemas();

// For a torch::jit::load error message: what the archive calls that this LibTorch lacks, as the
// object of "calls ...": "aten::foo" (no such operator) or "an overload of aten::foo" (no schema
// of aten::foo accepts the arguments: a newer overload or argument).
std::optional<std::string> missingOperator(const std::string& load_error);

// "MAJOR.MINOR" of the LibTorch this binary is built on.
std::string libtorchVersion();

}  // namespace pt2onnx
