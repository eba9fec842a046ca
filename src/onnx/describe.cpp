// Describes ONNX graphs: value types as text, operator histogram, initializer element and byte counts.
#include "onnx/describe.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>

#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

uint64_t elementCount(const onnx::TensorProto& t) {
  uint64_t n = 1;
  for (auto d : t.dims()) n *= static_cast<uint64_t>(std::max<int64_t>(d, 0));
  return n;
}

uint64_t storedBytes(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    for (const auto& entry : t.external_data())
      if (entry.key() == "length") return std::strtoull(entry.value().c_str(), nullptr, 10);
  }
  if (t.has_raw_data()) return t.raw_data().size();
  const size_t width = dtypeBytes(fromOnnx(t.data_type()));
  return elementCount(t) * (width ? width : 1);
}

}  // namespace

std::string onnxTypeName(int32_t type) {
  const DType dtype = fromOnnx(type);
  if (dtype != DType::kUndefined) return dtypeName(dtype);
  if (!onnx::TensorProto_DataType_IsValid(type) || type == onnx::TensorProto_DataType_UNDEFINED) return "?";
  std::string name = onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(type));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

TensorInfo tensorInfo(const onnx::ValueInfoProto& value) {
  TensorInfo info;
  info.name = value.name();
  info.dtype = "?";
  // An optional or a sequence of tensors: "optional float32" or "sequence float32" with the element's dims.
  const onnx::TypeProto* type = &value.type();
  std::string wrapper;
  if (type->has_optional_type() && type->optional_type().has_elem_type()) {
    wrapper = "optional ";
    type = &type->optional_type().elem_type();
  } else if (type->has_sequence_type() && type->sequence_type().has_elem_type()) {
    wrapper = "sequence ";
    type = &type->sequence_type().elem_type();
  }
  if (!type->has_tensor_type()) return info;
  const auto& tt = type->tensor_type();
  if (tt.has_elem_type()) info.dtype = wrapper + onnxTypeName(tt.elem_type());
  if (!tt.has_shape()) {
    info.dims.push_back("...");  // rank unknown
    return info;
  }
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value())
      info.dims.push_back(std::to_string(d.dim_value()));
    else if (d.has_dim_param() && !d.dim_param().empty())
      info.dims.push_back(d.dim_param());
    else
      info.dims.push_back("?");
  }
  return info;
}

GraphStats graphStats(const onnx::GraphProto& graph) {
  GraphStats stats;
  std::function<void(const onnx::GraphProto&)> walk = [&](const onnx::GraphProto& g) {
    for (const auto& init : g.initializer()) {
      ++stats.initializers;
      stats.parameters += elementCount(init);
      stats.parameter_bytes += storedBytes(init);
    }
    for (const auto& node : g.node()) {
      ++stats.nodes;
      const std::string& domain = node.domain();
      ++stats.operators[domain.empty() || domain == "ai.onnx" ? node.op_type() : domain + "::" + node.op_type()];
      for (const auto& attr : node.attribute()) {
        if (attr.has_g()) walk(attr.g());
        for (const auto& sub : attr.graphs()) walk(sub);
      }
    }
  };
  walk(graph);
  return stats;
}

}  // namespace pt2onnx
