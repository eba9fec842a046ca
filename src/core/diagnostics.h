// Diagnostics collected while converting, and the exceptions that carry them.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace torch::jit {
struct Node;
}

namespace pt2onnx {

// Result of one converter call.
struct Status {
  bool ok = true;
  std::string message;
  static Status Ok() { return {}; }
  static Status Fail(std::string why) { return {false, std::move(why)}; }
};

// Thrown by Context helpers when a converter's assumption does not hold (a non-constant argument,
// an unknown rank, ...). The conversion loop turns it into a diagnostic for the current node.
class ConvertError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown when a value is used whose producer already failed; never reported on its own.
class PoisonedValue : public std::runtime_error {
 public:
  PoisonedValue() : std::runtime_error("value produced by a failed conversion") {}
};

// An internal invariant broke: a bug in pt2onnx, not in the user's model.
class InternalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Diagnostic {
  std::string kind;      // operator kind, e.g. aten::hardtanh
  std::string location;  // file:line of the model's source, when known
  std::string message;
  std::string detail;  // input dtypes and shapes
};

// "file.py:12" for the Python source that produced a node, or "" when the archive has none.
std::string sourceLocation(const torch::jit::Node& node);

// The first line of a (possibly multi-line) message.
std::string firstLine(const std::string& text);

// Joins diagnostics into one message with a line per problem.
std::string formatDiagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace pt2onnx
