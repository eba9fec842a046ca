// ONNX model finishing and writing.
#include "onnx/writer.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_set>

#include "core/diagnostics.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace {

constexpr uint64_t kExternalDataThreshold = 1800ull << 20;  // stay clear of protobuf's 2 GiB cap
constexpr size_t kExternalTensorMinBytes = 1024;

void renameInNode(onnx::NodeProto& node, const std::string& from, const std::string& to) {
  for (auto& in : *node.mutable_input())
    if (in == from) in = to;
  for (auto& out : *node.mutable_output())
    if (out == from) out = to;
  for (auto& attr : *node.mutable_attribute()) {
    if (attr.has_g()) renameValue(*attr.mutable_g(), from, to);
    for (auto& g : *attr.mutable_graphs()) renameValue(g, from, to);
  }
}

void collectUses(const onnx::GraphProto& graph, std::unordered_set<std::string>& used) {
  for (const auto& node : graph.node()) {
    for (const auto& in : node.input()) used.insert(in);
    for (const auto& attr : node.attribute()) {
      if (attr.has_g()) collectUses(attr.g(), used);
      for (const auto& g : attr.graphs()) collectUses(g, used);
    }
  }
  for (const auto& out : graph.output()) used.insert(out.name());
}

}  // namespace

size_t pruneUnusedInitializers(onnx::GraphProto& graph) {
  std::unordered_set<std::string> used;
  collectUses(graph, used);
  auto* inits = graph.mutable_initializer();
  const int before = inits->size();
  inits->erase(
      std::remove_if(inits->begin(), inits->end(), [&](const onnx::TensorProto& t) { return !used.count(t.name()); }),
      inits->end());
  return static_cast<size_t>(before - inits->size());
}

int irVersionForOpset(int opset) {
  if (opset <= 8) return 3;
  if (opset == 9) return 4;
  if (opset == 10) return 5;
  if (opset == 11) return 6;
  if (opset <= 14) return 7;
  return 8;
}

void checkModel(onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(ExitCode::kInternal,
                "the ONNX checker rejected the converted model; this is a bug in pt2onnx, "
                "please report it with the model: " +
                    firstLine(e.what()));
  }
  try {
    onnx::ShapeInferenceOptions options{/*check_type=*/true, /*error_mode=*/1, /*enable_data_propagation=*/false};
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    throw Error(ExitCode::kInternal,
                "ONNX shape inference failed on the converted model; this is a bug in "
                "pt2onnx, please report it with the model: " +
                    firstLine(e.what()));
  }
}

void fillOutputTypes(onnx::ModelProto& model) {
  auto* graph = model.mutable_graph();
  bool missing = false;
  for (const auto& out : graph->output()) missing = missing || !out.has_type();
  if (!missing) return;
  // The elements of a list output have no TorchScript value of their own: ONNX's shape inference
  // knows their types from the nodes that make them.
  onnx::ModelProto copy = model;
  for (auto& out : *copy.mutable_graph()->mutable_output())
    if (!out.has_type()) out.clear_type();
  try {
    onnx::ShapeInferenceOptions options{/*check_type=*/false, /*error_mode=*/0, /*enable_data_propagation=*/false};
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception&) {
    return;  // the checker will report it
  }
  std::map<std::string, const onnx::TypeProto*> types;
  for (const auto& vi : copy.graph().value_info()) types[vi.name()] = &vi.type();
  for (const auto& vi : copy.graph().output())
    if (vi.has_type()) types[vi.name()] = &vi.type();
  for (auto& out : *graph->mutable_output()) {
    if (out.has_type()) continue;
    auto it = types.find(out.name());
    if (it != types.end()) *out.mutable_type() = *it->second;
  }
}

void renameValue(onnx::GraphProto& graph, const std::string& from, const std::string& to) {
  for (auto& node : *graph.mutable_node()) renameInNode(node, from, to);
  for (auto& out : *graph.mutable_output())
    if (out.name() == from) out.set_name(to);
  for (auto& vi : *graph.mutable_value_info())
    if (vi.name() == from) vi.set_name(to);
}

uint64_t writeModel(onnx::ModelProto& model, const std::string& path, bool force_external_data) {
  namespace fs = std::filesystem;
  const std::string suffix = ".tmp" + std::to_string(getpid());
  const std::string tmp_model = path + suffix;
  const std::string data_name = fs::path(path).filename().string() + ".data";
  const std::string data_path = path + ".data";
  const std::string tmp_data = data_path + suffix;

  uint64_t weight_bytes = 0;
  for (const auto& init : model.graph().initializer()) weight_bytes += init.raw_data().size();
  const bool external = force_external_data || weight_bytes > kExternalDataThreshold;

  auto cleanup = [&] {
    std::error_code ec;
    fs::remove(tmp_model, ec);
    fs::remove(tmp_data, ec);
  };
  auto fail = [&](const std::string& why) {
    cleanup();
    throw Error(ExitCode::kOutputWrite, "cannot write '" + path + "': " + why);
  };

  uint64_t written = 0;
  if (external) {
    std::ofstream data(tmp_data, std::ios::binary | std::ios::trunc);
    if (!data) fail(std::strerror(errno));
    uint64_t offset = 0;
    for (auto& init : *model.mutable_graph()->mutable_initializer()) {
      if (init.raw_data().size() < kExternalTensorMinBytes) continue;
      const std::string& raw = init.raw_data();
      data.write(raw.data(), static_cast<std::streamsize>(raw.size()));
      init.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
      auto add = [&init](const std::string& key, const std::string& value) {
        auto* entry = init.add_external_data();
        entry->set_key(key);
        entry->set_value(value);
      };
      add("location", data_name);
      add("offset", std::to_string(offset));
      add("length", std::to_string(raw.size()));
      offset += raw.size();
      init.clear_raw_data();
    }
    data.close();
    if (!data) fail("writing the weights failed (disk full?)");
    written += offset;
  }
  {
    std::ofstream out(tmp_model, std::ios::binary | std::ios::trunc);
    if (!out) fail(std::strerror(errno));
    if (!model.SerializeToOstream(&out)) fail("serializing the model failed");
    out.close();
    if (!out) fail("writing failed (disk full?)");
  }
  std::error_code ec;
  written += fs::file_size(tmp_model, ec);
  if (external) {
    fs::rename(tmp_data, data_path, ec);
    if (ec) fail(ec.message());
  }
  fs::rename(tmp_model, path, ec);
  if (ec) fail(ec.message());
  return written;
}

}  // namespace pt2onnx
