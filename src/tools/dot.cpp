// inspect --dot: an ONNX graph as Graphviz DOT, one box per node, edges labelled with shapes.
#include <fmt/format.h>

#include <map>
#include <set>

#include "onnx/describe.h"
#include "tools/inspect.h"

namespace pt2onnx {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string shapeText(const TensorInfo& t) {
  std::string s;
  for (size_t k = 0; k < t.dims.size(); ++k) s += (k ? "x" : "") + t.dims[k];
  return t.dtype + (t.dims.empty() ? " scalar" : " " + s);
}

}  // namespace

std::string toDot(const onnx::GraphProto& graph) {
  std::map<std::string, std::string> shapes;  // value name -> "float32 1x3x8x8"
  for (const auto& vi : graph.value_info()) shapes[vi.name()] = shapeText(tensorInfo(vi));
  for (const auto& vi : graph.input()) shapes[vi.name()] = shapeText(tensorInfo(vi));
  for (const auto& vi : graph.output()) shapes[vi.name()] = shapeText(tensorInfo(vi));
  std::map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& init : graph.initializer()) initializers[init.name()] = &init;

  std::string out = fmt::format("digraph \"{}\" {{\n", escape(graph.name()));
  out += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8eef7\", fontname=\"Helvetica\"];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  std::map<std::string, std::string> producer;  // value name -> DOT node id
  for (int i = 0; i < graph.input_size(); ++i) {
    const auto& in = graph.input(i);
    if (initializers.count(in.name())) continue;
    const std::string id = fmt::format("in{}", i);
    out += fmt::format("  {} [shape=ellipse, fillcolor=\"#d9f0d3\", label=\"{}\\n{}\"];\n", id, escape(in.name()),
                       escape(shapes[in.name()]));
    producer[in.name()] = id;
  }
  for (int n = 0; n < graph.node_size(); ++n) {
    const auto& node = graph.node(n);
    std::string label = node.op_type();
    if (!node.name().empty()) label += "\n" + node.name();
    for (const auto& in : node.input()) {
      auto it = initializers.find(in);
      if (it == initializers.end()) continue;
      std::string dims;
      for (int k = 0; k < it->second->dims_size(); ++k) dims += (k ? "x" : "") + std::to_string(it->second->dims(k));
      label += "\n" + in + " <" + (dims.empty() ? "scalar" : dims) + ">";
    }
    size_t subgraphs = 0;
    for (const auto& attr : node.attribute()) subgraphs += (attr.has_g() ? 1 : 0) + attr.graphs_size();
    if (subgraphs) label += fmt::format("\n({} subgraph{})", subgraphs, subgraphs == 1 ? "" : "s");
    const std::string id = fmt::format("n{}", n);
    out += fmt::format("  {} [label=\"{}\"];\n", id, escape(label));
    for (const auto& in : node.input()) {
      auto it = producer.find(in);
      if (in.empty() || it == producer.end()) continue;
      out += fmt::format("  {} -> {} [label=\"{}\"];\n", it->second, id, escape(shapes[in]));
    }
    for (const auto& o : node.output())
      if (!o.empty()) producer[o] = id;
  }
  for (int i = 0; i < graph.output_size(); ++i) {
    const auto& o = graph.output(i);
    const std::string id = fmt::format("out{}", i);
    out += fmt::format("  {} [shape=ellipse, fillcolor=\"#fde0c5\", label=\"{}\\n{}\"];\n", id, escape(o.name()),
                       escape(shapes[o.name()]));
    if (auto it = producer.find(o.name()); it != producer.end()) out += fmt::format("  {} -> {};\n", it->second, id);
  }
  out += "}\n";
  return out;
}

}  // namespace pt2onnx
