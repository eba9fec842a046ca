// Source locations of TorchScript nodes and formatting of diagnostics.
#include "core/diagnostics.h"

#include <torch/csrc/jit/ir/ir.h>

#include <sstream>

namespace pt2onnx {

std::string sourceLocation(const torch::jit::Node& node) {
  auto range = node.sourceRange();
  // Serialized archives point at their generated code; the debug table maps back to the model's
  // own Python source when it was saved with it.
  if (auto original = range.findSourceRangeThatGenerated()) range = *original;
  auto flc = range.file_line_col();
  if (!flc) return "";
  const auto& [file, line, col] = *flc;
  (void)col;
  if (file.empty()) return "";
  return file + ":" + std::to_string(line);
}

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string formatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::ostringstream out;
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    const auto& d = diagnostics[i];
    if (i) out << "\n";
    out << "  " << d.kind;
    if (!d.location.empty()) out << " at " << d.location;
    out << ": " << d.message;
    if (!d.detail.empty()) out << " [" << d.detail << "]";
  }
  return out.str();
}

}  // namespace pt2onnx
