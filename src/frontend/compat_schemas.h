// Forward-compatibility shims: schemas (and CPU kernels) of operators newer than the LibTorch we build on.
#pragma once

#include <optional>
#include <string>

namespace pt2onnx {

// Registers, once per process, every shim whose operator the running LibTorch lacks, so that archives
// saved by a newer torch load, run and convert. Safe to call more than once.
void registerCompatSchemas();

// For a torch::jit::load error message: the qualified operator it names ("aten::foo", or
// "aten::foo.overload") when the archive calls an operator or overload this LibTorch lacks.
std::optional<std::string> missingOperator(const std::string& load_error);

// "MAJOR.MINOR" of the LibTorch this binary is built on.
std::string libtorchVersion();

}  // namespace pt2onnx
