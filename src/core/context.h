// Conversion context: what a converter may ask about a TorchScript node and how it emits ONNX.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/diagnostics.h"
#include "core/dtype.h"
#include "core/value_meta.h"

namespace c10 {
struct IValue;
}  // namespace c10

namespace torch::jit {
struct Node;
struct Value;
struct Graph;
struct Block;
}  // namespace torch::jit

namespace onnx {
class GraphProto;
class TypeProto;
}  // namespace onnx

namespace pt2onnx {

class Weights;
using Node = torch::jit::Node;
using Value = torch::jit::Value;

// A subgraph attribute (If/Loop bodies), built with Context::beginSubgraph/endSubgraph.
using GraphAttr = std::shared_ptr<onnx::GraphProto>;
// A type attribute (the element type of an empty ONNX Optional).
using TypeAttr = std::shared_ptr<onnx::TypeProto>;

// An ONNX node attribute.
struct Attr {
  using Data =
      std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>, GraphAttr, TypeAttr>;
  std::string name;
  Data data;
  Attr(std::string n, int v) : name(std::move(n)), data(static_cast<int64_t>(v)) {}
  Attr(std::string n, int64_t v) : name(std::move(n)), data(v) {}
  Attr(std::string n, double v) : name(std::move(n)), data(v) {}
  Attr(std::string n, const char* v) : name(std::move(n)), data(std::string(v)) {}
  Attr(std::string n, std::string v) : name(std::move(n)), data(std::move(v)) {}
  Attr(std::string n, std::vector<int64_t> v) : name(std::move(n)), data(std::move(v)) {}
  Attr(std::string n, std::initializer_list<int64_t> v) : name(std::move(n)), data(std::vector<int64_t>(v)) {}
  Attr(std::string n, std::vector<double> v) : name(std::move(n)), data(std::move(v)) {}
  Attr(std::string n, GraphAttr g) : name(std::move(n)), data(std::move(g)) {}
  Attr(std::string n, TypeAttr t) : name(std::move(n)), data(std::move(t)) {}
};

class Context {
 public:
  // Large initializers' tensors go to `weights` (see onnx/weights.h), which must outlive the model.
  Context(int opset, std::shared_ptr<torch::jit::Graph> graph, const ValueMetaMap& meta, onnx::GraphProto* out,
          Weights& weights);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int opset() const;

  // ---- TorchScript side ---------------------------------------------------------------------
  std::string kind(const Node& node) const;
  const Value* arg(const Node& node, const char* schema_name) const;  // by schema argument name
  const Value* input(const Node& node, size_t index) const;
  size_t inputCount(const Node& node) const;
  const Value* output(const Node& node, size_t index = 0) const;
  size_t outputCount(const Node& node) const;
  const Node* producer(const Value* value) const;
  bool hasUses(const Value* value) const;  // read by any node (or a graph output)
  std::vector<const Node*> users(const Value* value) const;

  bool isNone(const Value* value) const;
  bool isOptionalType(const Value* value) const;  // typed `Optional[...]` (`Tensor?`)
  bool isConstant(const Value* value) const;
  bool isTensor(const Value* value) const;  // Tensor (not a Python scalar or list)
  bool isList(const Value* value) const;
  bool isTensorList(const Value* value) const;  // Tensor[] (or Tensor?[])
  // Constant arguments; each throws ConvertError naming the argument when it is not constant.
  int64_t constInt(const Value* value) const;
  double constDouble(const Value* value) const;  // also accepts int and bool constants
  bool constBool(const Value* value) const;
  std::string constString(const Value* value) const;
  std::vector<int64_t> constInts(const Value* value) const;  // int[] (a lone int becomes {v})
  std::vector<double> constDoubles(const Value* value) const;
  std::optional<int64_t> maybeConstInt(const Value* value) const;
  std::optional<std::vector<int64_t>> maybeConstInts(const Value* value) const;

  // ---- types and shapes (scalars: Int64 / Float / Bool with rank 0) ---------------------------
  DType dtype(const Value* value) const;                 // kUndefined when unknown
  int64_t rank(const Value* value) const;                // -1 when unknown
  std::vector<int64_t> shape(const Value* value) const;  // -1 for dims not fixed; throws if rank unknown
  int64_t requireRank(const Value* value) const;         // throws ConvertError when unknown
  // Sizes the value had with the example inputs and with each resized run of the dynamic axes.
  std::vector<std::vector<int64_t>> observedSizes(const Value* value) const;
  // The tensor's memory in every run was its elements in row-major order and nothing else, so a
  // strided view of its storage (as_strided) reads the flattened tensor.
  bool denseStorage(const Value* value) const;
  DType requireDType(const Value* value) const;
  // A value that was a quantized tensor in the example runs: its scale(s) and zero point(s). ONNX
  // holds it as floats on its grid (tensor() gives the dequantized values); after a converter
  // binds such a value, the driver puts it back on its grid (src/core/context_quant.cpp).
  const Quantization* quantization(const Value* value) const;

  // ---- ONNX side ------------------------------------------------------------------------------
  // The ONNX name holding a value (constants are materialized on first use).
  std::string tensor(const Value* value);
  std::string tensor(const Value* value, DType as);  // cast when needed
  std::vector<std::string> tensorList(const Value* value);
  std::string intsTensor(const Value* value);  // int[] as a 1-D INT64 tensor, static or computed
  // Elements of a Tensor?[] list (built by prim::ListConstruct or folded to a constant), Nones kept.
  struct ListElement {
    bool none = true;
    std::string name;  // in the element's own dtype
    DType dtype = DType::kUndefined;
    int64_t rank = -1;
  };
  std::vector<ListElement> optionalTensorList(const Value* value);

  std::string emit(const std::string& op_type, const std::vector<std::string>& inputs,
                   const std::vector<Attr>& attrs = {});
  std::vector<std::string> emitN(const std::string& op_type, const std::vector<std::string>& inputs,
                                 const std::vector<Attr>& attrs, size_t outputs);
  std::string cast(const std::string& name, DType from, DType to);
  // QuantizeLinear then DequantizeLinear of a float tensor: the nearest values on the grid of `q`.
  std::string quantizeDequantize(const std::string& x, const Quantization& q);
  std::string quantizeLinear(const std::string& x, const Quantization& q);  // the 8-bit storage

  // The weights of a quantized operator's packed-parameter object (the constant that
  // quantized::linear and quantized::conv* take): the weight dequantized in the graph from its
  // 8-bit storage (float for fp16 packs), the bias, and for convolutions their settings.
  struct PackedWeights {
    std::string weight, bias;  // bias empty when the layer has none
    std::vector<int64_t> weight_shape;
    std::vector<int64_t> stride, padding, dilation, output_padding;
    int64_t groups = 1;
    bool transposed = false;
  };
  // `dims`: 0 for linear (`fp16` for the float16 pack), 1 to 3 for convolutions.
  PackedWeights packedWeights(const Value* packed, int dims, bool fp16 = false);
  // The same from a packed-parameters object held elsewhere (a quantized RNN's cell parameters);
  // `hint` names the initializers.
  PackedWeights packedWeights(const c10::IValue& packed, const std::string& hint, int dims, bool fp16 = false);

  std::string constI64(const std::vector<int64_t>& values);  // 1-D
  std::string scalarI64(int64_t value);                      // 0-d
  std::string scalar(double value, DType dtype);             // 0-d of any element type
  std::string constTensor(const std::vector<double>& values, const std::vector<int64_t>& dims, DType dtype);

  // Opset-dependent building blocks.
  std::string unsqueeze(const std::string& x, const std::vector<int64_t>& axes);
  std::string squeeze(const std::string& x, const std::vector<int64_t>& axes);
  std::string reduce(const std::string& op_type, const std::string& x, const std::vector<int64_t>& axes, bool keepdims);
  std::vector<std::string> split(const std::string& x, int64_t axis, const std::vector<int64_t>& sizes);
  std::string shapeOf(const std::string& x);
  std::string dimOf(const std::string& x, int64_t axis);  // 0-d INT64
  // Running sum along `axis` (0 <= axis < rank) of a tensor of element type `dtype`: CumSum from
  // opset 11, before it a MatMul with a triangle of ones (float16/32/64, int32/64, uint32/64).
  std::string cumsum(const std::string& x, int64_t axis, int64_t rank, DType dtype);
  // GatherElements (opset 11) of a tensor of rank `rank` (0 <= axis < rank); before it, a Gather
  // from the flattened tensor at the positions the indices name.
  std::string gatherElements(const std::string& data, const std::string& indices, int64_t axis, int64_t rank);
  // `data` (of rank `rank`) with its rows at `positions` (1-D INT64, each at most once, none
  // negative) replaced by the rows of `updates`: ScatterND from opset 11, Scatter before it.
  std::string scatterRows(const std::string& data, const std::string& positions, const std::string& updates,
                          int64_t rank);
  // x (of rank `rank` and element type `dtype`) padded with zeros by `pads` (INT64 [2 * rank], the
  // begins then the ends, none negative): Pad with the pads as an input from opset 11, zeros
  // concatenated along each axis before it.
  std::string padWithZeros(const std::string& x, const std::string& pads, int64_t rank, DType dtype);

  void bind(const Value* value, const std::string& name);
  void bindList(const Value* value, std::vector<std::string> names);
  bool isBound(const Value* value) const;
  // Each ONNX name bound to a tensor value of known dtype and rank, with its recorded dims (-1 where
  // not fixed): what the old-opset pass needs where ONNX's shape inference loses them (a Reshape to
  // a computed shape before opset 13).
  struct BoundValue {
    std::string name;
    DType dtype;
    std::vector<int64_t> dims;
  };
  std::vector<BoundValue> boundValues() const;

  // Lists whose length is known only at run time (appended to in a loop) are ONNX sequences.
  void bindSequence(const Value* value, const std::string& name, DType element);
  bool isSequence(const Value* value) const;
  DType sequenceDType(const Value* value) const;  // kUndefined for a list of unknown element type
  // The list as a sequence: a bound sequence, or a list of known length (an empty one needs `element`).
  std::string sequence(const Value* value, DType element = DType::kUndefined);
  void addSubgraphSequenceInput(const std::string& name, DType element);
  void addSubgraphSequenceOutput(const std::string& name, DType element);

  // Results that are None on some paths only (`Optional[Tensor]` from an if/else or a loop) are
  // ONNX optionals (opset 16 for If and Loop to carry them); tensor() of one reads its element.
  void bindOptional(const Value* value, const std::string& name, DType element);
  bool isOptional(const Value* value) const;
  DType optionalDType(const Value* value) const;  // of a bound optional, or of a tensor
  // The value as an ONNX optional: a bound one, an empty one for None (of `rank` when >= 0), or
  // one holding a tensor.
  std::string optional(const Value* value, DType element, int64_t rank = -1);
  void addSubgraphOptionalInput(const std::string& name, DType element);
  void addSubgraphOptionalOutput(const std::string& name, DType element);

  // Records a diagnostic for the node and returns a failed Status.
  Status fail(const Node& node, const std::string& why);

  // ---- subgraphs (If/Loop bodies) -----------------------------------------------------------
  // Converts every node of a TorchScript block into the graph being emitted; failures become
  // diagnostics. Used by the driver for the top-level block and by control-flow converters.
  void convertBlock(const torch::jit::Block* block);
  void beginSubgraph(const std::string& name);
  GraphAttr endSubgraph();
  // Declares an input/output of the subgraph being built; no shape: rank unknown.
  void addSubgraphInput(const std::string& name, DType dtype, const std::optional<std::vector<int64_t>>& shape);
  void addSubgraphOutput(const std::string& name, DType dtype);
  std::vector<const torch::jit::Block*> blocks(const Node& node) const;
  std::vector<const Value*> blockInputs(const torch::jit::Block* block) const;
  std::vector<const Value*> blockOutputs(const torch::jit::Block* block) const;
  // A fresh ONNX value name derived from a hint.
  std::string freshName(const std::string& hint);

  // ---- driver API (src/core/convert.cpp) ----------------------------------------------------
  struct Impl;
  Impl& impl();

 private:
  std::unique_ptr<Impl> impl_;
};

// Normalizes a possibly negative axis against a rank; throws ConvertError when out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank);

}  // namespace pt2onnx
