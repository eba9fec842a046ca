// What the optimize passes share: value types, uses, node removal and renaming of the main graph.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pt2onnx {

class Weights;

// A static dim is a number; a dynamic one (dim_param or unknown) is -1.
struct ValueShape {
  bool known = false;  // false: rank unknown
  std::vector<int64_t> dims;
  bool isStatic() const;
};

class GraphState {
 public:
  GraphState(onnx::ModelProto& model, Weights& weights);

  onnx::GraphProto& graph() { return graph_; }
  int opset() const { return opset_; }
  const Weights& weights() const { return weights_; }
  Weights& weights() { return weights_; }

  // Element type (TensorProto_DataType) of a value, 0 when not known.
  int32_t elemType(const std::string& name) const;
  ValueShape shape(const std::string& name) const;
  bool isGraphOutput(const std::string& name) const { return outputs_.count(name) > 0; }
  bool isGraphInput(const std::string& name) const { return inputs_.count(name) > 0; }
  // An initializer whose bytes are in the proto (not a weight placeholder), not overridable as an input.
  const onnx::TensorProto* smallInitializer(const std::string& name) const;
  void addInitializer(onnx::TensorProto&& init);
  // The initializer of that name (weight placeholders included), null when there is none.
  onnx::TensorProto* initializer(const std::string& name);

  // Makes every use of `from` read `to` (applied by commit()). False when `from` is a graph
  // output, whose name must stay.
  bool replace(const std::string& from, const std::string& to);
  // The name a value is read under after the replacements so far.
  const std::string& resolve(const std::string& name) const;
  void removeNode(int index) { dead_[index] = true; }
  bool removed(int index) const { return dead_[index]; }
  // Erases the removed nodes and applies the replacements; returns the number of nodes removed.
  size_t commit();

 private:
  void indexTypes(const onnx::ValueInfoProto& vi);

  onnx::GraphProto& graph_;
  Weights& weights_;
  int opset_ = 0;
  std::unordered_map<std::string, const onnx::TypeProto*> types_;
  std::unordered_map<std::string, int> initializers_;  // name -> index
  std::unordered_set<std::string> inputs_, outputs_;
  std::unordered_map<std::string, std::string> renames_;
  std::vector<bool> dead_;
  std::vector<onnx::TensorProto> added_;
};

// Fills the model's value_info by shape inference unless it has some already (after checkModel()).
void inferValueTypes(onnx::ModelProto& model);

// Names a node reads, its inputs and the outer values its subgraphs read.
void nodeReads(const onnx::NodeProto& node, std::vector<std::string>& reads);

// The node's attribute of that name, or nullptr.
const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const char* name);

// Passes; each returns the number of nodes it removed (or initializers merged).
size_t foldConstants(GraphState& state);
size_t removeIdentities(GraphState& state);
size_t removeDeadNodes(GraphState& state);
size_t mergeCommonSubexpressions(GraphState& state);
size_t mergeDuplicateInitializers(GraphState& state);
size_t foldBatchNorms(GraphState& state);

}  // namespace pt2onnx
