// ONNX model finishing and writing.
#include "onnx/writer.h"

#include <ATen/core/Tensor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/diagnostics.h"
#include "io/atomic_file.h"
#include "onnx/weights.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace {

constexpr uint64_t kExternalDataThreshold = 1800ull << 20;  // stay clear of protobuf's 2 GiB cap
constexpr size_t kExternalTensorMinBytes = 1024;
constexpr uint64_t kProgressStep = 4ull << 20;

// Writes protobuf's serialized bytes to a file, keeping the errno of a failed write and telling
// `progress` every kProgressStep bytes.
class CountingFileStream : public google::protobuf::io::CopyingOutputStream {
 public:
  CountingFileStream(AtomicFile& file, uint64_t base, uint64_t total, const WriteProgress& progress)
      : file_(file), done_(base), total_(total), progress_(progress) {}
  bool Write(const void* buffer, int size) override {
    if ((errno_ = file_.append(buffer, static_cast<size_t>(size))) != 0) return false;
    done_ += static_cast<uint64_t>(size);
    if (progress_ && done_ >= next_report_) {
      progress_(std::min(done_, total_), total_);
      next_report_ = done_ + kProgressStep;
    }
    return true;
  }
  int error() const { return errno_; }

 private:
  AtomicFile& file_;
  uint64_t done_;
  uint64_t total_;
  const WriteProgress& progress_;
  uint64_t next_report_ = 0;
  int errno_ = 0;
};

using Renames = std::unordered_map<std::string, std::string>;

void rename(std::string& name, const Renames& renames) {
  auto it = renames.find(name);
  if (it != renames.end()) name = it->second;
}

void renameInNode(onnx::NodeProto& node, const Renames& renames) {
  for (auto& in : *node.mutable_input()) rename(in, renames);
  for (auto& out : *node.mutable_output()) rename(out, renames);
  for (auto& attr : *node.mutable_attribute()) {
    if (attr.has_g()) renameValues(*attr.mutable_g(), renames);
    for (auto& g : *attr.mutable_graphs()) renameValues(g, renames);
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
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;  // ONNX 1.14 and 1.15
  return 10;                  // ONNX 1.16 (opset 21) and 1.17 (22)
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

void renameValues(onnx::GraphProto& graph, const std::unordered_map<std::string, std::string>& renames) {
  if (renames.empty()) return;
  for (auto& node : *graph.mutable_node()) renameInNode(node, renames);
  for (auto& out : *graph.mutable_output()) rename(*out.mutable_name(), renames);
  for (auto& vi : *graph.mutable_value_info()) rename(*vi.mutable_name(), renames);
}

namespace {

constexpr uint64_t kExternalAlignment = 4096;  // page-aligned offsets let a runtime map the weights
constexpr int kStreamBlock = 1 << 20;

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

using Sink = std::function<bool(const void*, uint64_t)>;

// The size of an initializer's data, wherever it is: held in `weights`, or its own raw_data.
uint64_t initializerBytes(const onnx::TensorProto& init, const Weights* weights) {
  return weights ? weights->bytes(init) : init.raw_data().size();
}

// Hands an initializer's data to `write`, wherever it is.
bool writeInitializer(const onnx::TensorProto& init, const Weights* weights, const Sink& write) {
  if (weights && weights->holds(init.name())) return weights->stream(init.name(), write);
  return write(init.raw_data().data(), init.raw_data().size());
}

// Moves initializers of kExternalTensorMinBytes or more into one data file, each at an aligned
// offset, written straight from where its bytes are.
void writeExternalData(onnx::GraphProto& graph, const Weights* weights, AtomicFile& data, const std::string& name,
                       uint64_t total, const WriteProgress& progress) {
  static const char zeros[kExternalAlignment] = {};
  uint64_t offset = 0, next_report = kProgressStep;
  for (auto& init : *graph.mutable_initializer()) {
    const uint64_t size = initializerBytes(init, weights);
    if (size < kExternalTensorMinBytes) continue;
    const uint64_t pad = (kExternalAlignment - offset % kExternalAlignment) % kExternalAlignment;
    data.write(zeros, pad);
    offset += pad;
    writeInitializer(init, weights, [&data](const void* bytes, uint64_t n) {
      data.write(bytes, n);
      return true;
    });
    init.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
    auto add = [&init](const std::string& key, const std::string& value) {
      auto* entry = init.add_external_data();
      entry->set_key(key);
      entry->set_value(value);
    };
    add("location", name);
    add("offset", std::to_string(offset));
    add("length", std::to_string(size));
    offset += size;
    init.clear_raw_data();
    if (progress && offset >= next_report) {
      progress(std::min(offset, total), total);
      next_report = offset + kProgressStep;
    }
  }
}

// Serializes the model with each placeholder's tensor bytes streamed in its place, so the file is
// written without a second in-memory image of the weights. Protobuf readers accept fields in any
// order, so the graph goes after the model's other fields and the initializers after the graph's.
// `raw` writes a tensor's bytes (after what `out` holds so far) without copying them into `out`.
bool serializeWithWeights(onnx::ModelProto& model, const Weights& weights, CodedOutputStream& out, const Sink& raw) {
  // The graph and its initializers are taken out for the framing and put back however this ends.
  struct Parts {
    onnx::ModelProto& model;
    std::unique_ptr<onnx::GraphProto> graph;
    google::protobuf::RepeatedPtrField<onnx::TensorProto> inits;
    std::vector<uint64_t> held;  // per initializer: the bytes `weights` holds for it, or 0
    ~Parts() {
      for (int i = 0; i < inits.size() && i < static_cast<int>(held.size()); ++i)
        if (held[i]) inits.Mutable(i)->set_raw_data(std::string(1, '\0'));
      inits.Swap(graph->mutable_initializer());
      model.set_allocated_graph(graph.release());
    }
  } parts{model, std::unique_ptr<onnx::GraphProto>(model.release_graph()), {}, {}};
  parts.inits.Swap(parts.graph->mutable_initializer());

  std::vector<uint64_t> sizes;
  uint64_t graph_size = parts.graph->ByteSizeLong();
  for (auto& init : parts.inits) {
    const uint64_t held = weights.holds(init.name()) ? weights.bytes(init) : 0;
    parts.held.push_back(held);
    if (held) init.clear_raw_data();
    uint64_t size = init.ByteSizeLong();
    if (held)
      size += WireFormatLite::TagSize(onnx::TensorProto::kRawDataFieldNumber, WireFormatLite::TYPE_BYTES) +
              CodedOutputStream::VarintSize64(held) + held;
    sizes.push_back(size);
    graph_size += WireFormatLite::TagSize(onnx::GraphProto::kInitializerFieldNumber, WireFormatLite::TYPE_MESSAGE) +
                  CodedOutputStream::VarintSize64(size) + size;
  }
  model.ByteSizeLong();
  model.SerializeWithCachedSizes(&out);
  WireFormatLite::WriteTag(onnx::ModelProto::kGraphFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, &out);
  out.WriteVarint64(graph_size);
  parts.graph->SerializeWithCachedSizes(&out);
  for (int i = 0; i < parts.inits.size() && !out.HadError(); ++i) {
    WireFormatLite::WriteTag(onnx::GraphProto::kInitializerFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED,
                             &out);
    out.WriteVarint64(sizes[i]);
    parts.inits.Get(i).SerializeWithCachedSizes(&out);
    if (parts.held[i]) {
      WireFormatLite::WriteTag(onnx::TensorProto::kRawDataFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, &out);
      out.WriteVarint64(parts.held[i]);
      if (!weights.stream(parts.inits.Get(i).name(), raw)) return false;
    }
  }
  out.Trim();
  return !out.HadError();
}

}  // namespace

uint64_t writeModel(onnx::ModelProto& model, const std::string& path, bool force_external_data, const Weights* weights,
                    const WriteProgress& progress, const std::function<void()>& before_commit) {
  const std::string data_name = std::filesystem::path(path).filename().string() + ".data";
  // What the progress counts towards: the model's size with each placeholder's tensor in its place
  // (with external data, about the size of both files).
  uint64_t weight_bytes = 0, total = model.ByteSizeLong();
  for (const auto& init : model.graph().initializer()) {
    const uint64_t bytes = initializerBytes(init, weights);
    weight_bytes += bytes;
    if (bytes > init.raw_data().size()) total += bytes - init.raw_data().size();
  }
  const bool external = force_external_data || weight_bytes > kExternalDataThreshold;
  if (progress) progress(0, total);

  uint64_t written = 0, data_bytes = 0;
  std::optional<AtomicFile> data;
  if (external) {
    data.emplace(path + ".data");
    writeExternalData(*model.mutable_graph(), weights, *data, data_name, total, progress);
    data_bytes = weight_bytes;
  }
  AtomicFile out(path);
  int error = 0;
  {
    // Serialization fails only on a write error, whose errno the stream keeps.
    CountingFileStream file(out, data_bytes, total, progress);
    google::protobuf::io::CopyingOutputStreamAdaptor stream(&file, kStreamBlock);
    bool ok = true;
    if (weights && !weights->empty() && !external) {
      CodedOutputStream coded(&stream);
      // Below the 2 GiB limit (not external), so each tensor fits Write's int.
      ok = serializeWithWeights(model, *weights, coded, [&](const void* bytes, uint64_t size) {
        coded.Trim();
        return !coded.HadError() && stream.Flush() && file.Write(bytes, static_cast<int>(size));
      });
    } else {
      ok = model.SerializeToZeroCopyStream(&stream);
    }
    if (!ok || !stream.Flush()) error = file.error() ? file.error() : EIO;
  }
  if (error) out.fail(error);  // after the stream is gone
  if (before_commit) before_commit();
  // The weights go into place first: a model file never points at a missing or older data file.
  if (data) written += data->commit();
  written += out.commit();
  if (progress) progress(total, total);
  return written;
}

}  // namespace pt2onnx
