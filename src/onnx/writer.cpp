// ONNX model finishing and writing.
#include "onnx/writer.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/diagnostics.h"
#include "io/atomic_file.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace {

constexpr uint64_t kExternalDataThreshold = 1800ull << 20;  // stay clear of protobuf's 2 GiB cap
constexpr size_t kExternalTensorMinBytes = 1024;
constexpr uint64_t kProgressStep = 4ull << 20;

// Writes protobuf's serialized bytes to a descriptor, keeping the errno of a failed write and
// telling `progress` every kProgressStep bytes.
class CountingFileStream : public google::protobuf::io::CopyingOutputStream {
 public:
  CountingFileStream(int fd, uint64_t base, uint64_t total, const WriteProgress& progress)
      : fd_(fd), done_(base), total_(total), progress_(progress) {}
  bool Write(const void* buffer, int size) override {
    const char* at = static_cast<const char*>(buffer);
    for (int left = size; left > 0;) {
      const ssize_t n = ::write(fd_, at, static_cast<size_t>(left));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        errno_ = n < 0 ? errno : EIO;
        return false;
      }
      at += n;
      left -= static_cast<int>(n);
    }
    done_ += static_cast<uint64_t>(size);
    if (progress_ && done_ >= next_report_) {
      progress_(done_, total_);
      next_report_ = done_ + kProgressStep;
    }
    return true;
  }
  int error() const { return errno_; }

 private:
  int fd_;
  uint64_t done_;
  uint64_t total_;
  const WriteProgress& progress_;
  uint64_t next_report_ = 0;
  int errno_ = 0;
};

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
  for (const auto& vi : copy.graph().input()) types[vi.name()] = &vi.type();
  std::map<std::string, const onnx::NodeProto*> producers;
  for (const auto& node : graph->node())
    for (const auto& o : node.output()) producers[o] = &node;
  for (auto& out : *graph->mutable_output()) {
    if (out.has_type()) continue;
    auto it = types.find(out.name());
    if (it == types.end()) continue;
    *out.mutable_type() = *it->second;
    // Shape inference leaves out the shape of a Slice with computed bounds; its rank is its input's,
    // and the checker wants a shape on every graph output.
    auto* tt = out.mutable_type()->mutable_tensor_type();
    auto p = producers.find(out.name());
    if (tt->has_shape() || p == producers.end() || p->second->op_type() != "Slice") continue;
    auto in = types.find(p->second->input(0));
    if (in == types.end() || !in->second->tensor_type().has_shape()) continue;
    auto* shape = tt->mutable_shape();
    for (int k = 0; k < in->second->tensor_type().shape().dim_size(); ++k) shape->add_dim();
  }
}

void renameValue(onnx::GraphProto& graph, const std::string& from, const std::string& to) {
  for (auto& node : *graph.mutable_node()) renameInNode(node, from, to);
  for (auto& out : *graph.mutable_output())
    if (out.name() == from) out.set_name(to);
  for (auto& vi : *graph.mutable_value_info())
    if (vi.name() == from) vi.set_name(to);
}

uint64_t writeModel(onnx::ModelProto& model, const std::string& path, bool force_external_data,
                    const WriteProgress& progress) {
  const std::string data_name = std::filesystem::path(path).filename().string() + ".data";
  uint64_t weight_bytes = 0;
  for (const auto& init : model.graph().initializer()) weight_bytes += init.raw_data().size();
  const bool external = force_external_data || weight_bytes > kExternalDataThreshold;

  // Weights that go to the data file leave the model first, so both sizes are known up front.
  std::vector<std::string> external_raw;
  uint64_t data_bytes = 0;
  if (external) {
    for (auto& init : *model.mutable_graph()->mutable_initializer()) {
      if (init.raw_data().size() < kExternalTensorMinBytes) continue;
      const uint64_t length = init.raw_data().size();
      init.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
      auto add = [&init](const std::string& key, const std::string& value) {
        auto* entry = init.add_external_data();
        entry->set_key(key);
        entry->set_value(value);
      };
      add("location", data_name);
      add("offset", std::to_string(data_bytes));
      add("length", std::to_string(length));
      data_bytes += length;
      external_raw.push_back(std::move(*init.mutable_raw_data()));
      init.clear_raw_data();
    }
  }
  const uint64_t total = data_bytes + model.ByteSizeLong();
  if (progress) progress(0, total);

  uint64_t written = 0;
  std::optional<AtomicFile> data;
  if (external) {
    data.emplace(path + ".data");
    uint64_t done = 0, next_report = kProgressStep;
    for (auto& raw : external_raw) {
      data->write(raw.data(), raw.size());
      done += raw.size();
      std::string().swap(raw);  // freed as written, as the model's copy would have been
      if (progress && done >= next_report) {
        progress(done, total);
        next_report = done + kProgressStep;
      }
    }
  }
  AtomicFile out(path);
  int error = 0;
  {
    // Serialization fails only on a write error, whose errno the stream keeps.
    CountingFileStream file(out.fd(), data_bytes, total, progress);
    google::protobuf::io::CopyingOutputStreamAdaptor stream(&file);
    if (!model.SerializeToZeroCopyStream(&stream) || !stream.Flush()) error = file.error() ? file.error() : EIO;
  }
  if (error) out.fail(error);  // after the stream is gone: fail() closes the descriptor
  // The weights go into place first: a model file never points at a missing or older data file.
  if (data) written += data->commit();
  written += out.commit();
  if (progress) progress(total, total);
  return written;
}

}  // namespace pt2onnx
