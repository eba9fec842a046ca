// inspect's output: a readable text report and the same facts as JSON.
#include <fmt/format.h>

#include <algorithm>

#include "tools/inspect.h"
#include "tools/json.h"

namespace pt2onnx {
namespace {

std::string dimsText(const std::vector<std::string>& dims) {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? "," : "") + dims[k];
  return s + "]";
}

std::string bytesText(uint64_t bytes) {
  if (bytes >= 1000000) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1000) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{} bytes", bytes);
}

// Most frequent first, then by name.
std::vector<std::pair<std::string, size_t>> byCount(const std::map<std::string, size_t>& ops) {
  std::vector<std::pair<std::string, size_t>> rows(ops.begin(), ops.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return rows;
}

void histogramText(const std::map<std::string, size_t>& ops, std::string& out) {
  for (const auto& [op, n] : byCount(ops)) out += fmt::format("  {:>6}  {}\n", n, op);
}

void tensorsText(const char* title, const std::vector<TensorInfo>& tensors, std::string& out) {
  out += fmt::format("{}:\n", title);
  size_t width = 0;
  for (const auto& t : tensors) width = std::max(width, t.name.size());
  for (const auto& t : tensors) out += fmt::format("  {:<{}}  {} {}\n", t.name, width, t.dtype, dimsText(t.dims));
}

void onnxText(const OnnxSummary& s, std::string& out) {
  std::string opsets;
  for (const auto& [domain, version] : s.opsets)
    opsets += (opsets.empty() ? "" : ", ") + (domain.empty() ? std::string() : domain + " ") + std::to_string(version);
  out += fmt::format("opset {} (IR version {}{})\n", opsets, s.ir_version,
                     s.producer.empty() ? "" : ", producer " + s.producer);
  tensorsText("inputs", s.inputs, out);
  tensorsText("outputs", s.outputs, out);
  out += fmt::format("operators: {} nodes, {} kinds\n", s.nodes, s.operators.size());
  histogramText(s.operators, out);
  out += fmt::format("parameters: {} in {} initializers, {}\n", s.parameters, s.initializers,
                     bytesText(s.parameter_bytes));
}

// Numbers stay numbers; dim_params, "?" and "scalar" are strings.
void dimsJson(JsonWriter& j, const std::vector<std::string>& dims) {
  j.beginArray();
  for (const auto& d : dims) {
    const bool number =
        !d.empty() && d.size() < 19 && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (number)
      j.value(static_cast<int64_t>(std::stoll(d)));
    else
      j.value(d);
  }
  j.endArray();
}

void tensorsJson(JsonWriter& j, const std::vector<TensorInfo>& tensors) {
  j.beginArray();
  for (const auto& t : tensors) {
    j.beginObject().key("name").value(t.name).key("dtype").value(t.dtype).key("dims");
    dimsJson(j, t.dims);
    j.endObject();
  }
  j.endArray();
}

void histogramJson(JsonWriter& j, const std::map<std::string, size_t>& ops) {
  j.beginObject();
  for (const auto& [op, n] : ops) j.key(op).value(static_cast<uint64_t>(n));
  j.endObject();
}

}  // namespace

void writeTensorsJson(JsonWriter& j, const std::vector<TensorInfo>& tensors) { tensorsJson(j, tensors); }

std::string formatInspectText(const InspectReport& r) {
  std::string out;
  if (!r.torchscript) {
    out += fmt::format("{}: ONNX model, ", r.file);
    onnxText(r.onnx, out);
    return out;
  }
  out += fmt::format("{}: TorchScript archive, method {}()\n", r.file, r.method);
  out += "arguments:\n";
  for (const auto& a : r.arguments)
    out += fmt::format("  {}: {}{}\n", a.name, a.dtype, a.dims.empty() ? "" : " " + dimsText(a.dims));
  out += fmt::format("returns: {}\n", r.returns);
  size_t nodes = 0;
  for (const auto& [op, n] : r.torch_operators) nodes += n;
  out +=
      fmt::format("TorchScript operators (frozen and inlined): {} nodes, {} kinds\n", nodes, r.torch_operators.size());
  histogramText(r.torch_operators, out);
  out += fmt::format("parameters: {} in {} tensors (parameters and buffers), {}\n", r.parameters, r.parameter_tensors,
                     bytesText(r.parameter_bytes));
  if (r.unsupported.empty()) {
    out += fmt::format("every operator has a converter at opset {}\n", r.opset);
  } else {
    out += fmt::format("operators with no converter at opset {}{}:\n", r.opset,
                       r.unsupported_after_folding ? "" : " (in the graph before folding with example inputs)");
    for (const auto& u : r.unsupported) {
      out += fmt::format("  {} ({}x{})", u.kind, u.count, u.location.empty() ? "" : ", first at " + u.location);
      if (u.lowest_opset) out += fmt::format(": needs opset {} or later", u.lowest_opset);
      out += "\n";
    }
  }
  if (!r.converted) {
    out += fmt::format("not converted: {}\n", r.conversion_error);
    return out;
  }
  out += "converted to ONNX: ";
  onnxText(r.onnx, out);
  return out;
}

std::string formatInspectJson(const InspectReport& r) {
  JsonWriter j;
  j.beginObject().key("file").value(r.file).key("format").value(r.torchscript ? "torchscript" : "onnx");
  if (r.torchscript) {
    j.key("method").value(r.method).key("arguments").beginArray();
    for (const auto& a : r.arguments) {
      j.beginObject().key("name").value(a.name).key("type").value(a.dtype);
      if (!a.dims.empty()) {
        j.key("dims");
        dimsJson(j, a.dims);
      }
      j.endObject();
    }
    j.endArray().key("returns").value(r.returns);
    j.key("torchscript_operators");
    histogramJson(j, r.torch_operators);
    j.key("parameters").value(r.parameters).key("parameter_bytes").value(r.parameter_bytes);
    j.key("parameter_tensors").value(static_cast<uint64_t>(r.parameter_tensors));
    j.key("opset").value(r.opset).key("unsupported").beginArray();
    for (const auto& u : r.unsupported) {
      j.beginObject().key("operator").value(u.kind).key("count").value(static_cast<uint64_t>(u.count));
      j.key("location").value(u.location);
      if (u.lowest_opset) j.key("needs_opset").value(u.lowest_opset);
      j.endObject();
    }
    j.endArray().key("unsupported_after_folding").value(r.unsupported_after_folding);
    if (!r.converted) j.key("not_converted").value(r.conversion_error);
  }
  if (r.has_onnx) {
    const OnnxSummary& s = r.onnx;
    j.key("onnx").beginObject().key("ir_version").value(s.ir_version).key("opsets").beginObject();
    for (const auto& [domain, version] : s.opsets) j.key(domain.empty() ? "ai.onnx" : domain).value(version);
    j.endObject().key("producer").value(s.producer);
    j.key("inputs");
    tensorsJson(j, s.inputs);
    j.key("outputs");
    tensorsJson(j, s.outputs);
    j.key("nodes").value(static_cast<uint64_t>(s.nodes)).key("operators");
    histogramJson(j, s.operators);
    j.key("initializers").value(static_cast<uint64_t>(s.initializers));
    j.key("parameters").value(s.parameters).key("parameter_bytes").value(s.parameter_bytes).endObject();
  }
  j.endObject();
  return j.str() + "\n";
}

}  // namespace pt2onnx
