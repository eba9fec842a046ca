// ONNX model finishing: IR version, checker, strict shape inference, atomic write with external data.
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <string>
#include <unordered_map>

namespace pt2onnx {

class Weights;

int irVersionForOpset(int opset);

// Runs onnx::checker::check_model and strict shape inference (which also records value_info).
// A failure is a bug in pt2onnx: throws Error(kInternal) saying so.
void checkModel(onnx::ModelProto& model);

// Drops initializers that no node (in any subgraph) and no graph output reads. Returns how many.
size_t pruneUnusedInitializers(onnx::GraphProto& graph);

// Gives graph outputs that have no type (elements of a list output) the type shape inference
// finds for them.
void fillOutputTypes(onnx::ModelProto& model);

// Renames every use of the value names in `renames` (from -> to) in a graph and its subgraphs, in
// one walk.
void renameValues(onnx::GraphProto& graph, const std::unordered_map<std::string, std::string>& renames);

// Writes to a temporary file beside `path`, then renames it into place. Weights move to
// `<path>.data` when the model would pass protobuf's 2 GiB limit (or when forced): initializers of
// 1 KiB or more, each at a 4096-byte aligned offset. `weights` holds the tensors behind the
// model's placeholders (onnx/weights.h); their bytes go to the file straight from the tensors.
// Returns the number of bytes written. `progress`, when given, hears (bytes written, bytes in all)
// as the write goes, every few megabytes and once at the end. `before_commit`, when given, runs once
// every byte is in the temporary files and before either is renamed into place: what it throws
// leaves no file behind. Throws Error(kOutputWrite).
using WriteProgress = std::function<void(uint64_t written, uint64_t total)>;
uint64_t writeModel(onnx::ModelProto& model, const std::string& path, bool force_external_data = false,
                    const Weights* weights = nullptr, const WriteProgress& progress = nullptr,
                    const std::function<void()>& before_commit = nullptr);

}  // namespace pt2onnx
