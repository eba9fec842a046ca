// A model under construction for the optimize-stage unit tests: graph inputs/outputs with dims,
// nodes, small INT64 initializers and weights held by a Weights store.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cctype>
#include <initializer_list>
#include <string>
#include <vector>

#include "onnx/tensor.h"
#include "onnx/weights.h"
#include "onnx/writer.h"
#include "optimize/optimize.h"

namespace pt2onnx::test {

// A model under construction: graph inputs/outputs with dims (a string dim is a dim_param).
class GraphBuilder {
 public:
  explicit GraphBuilder(int opset = 17) {
    model_.set_ir_version(8);
    model_.add_opset_import()->set_version(opset);
    model_.mutable_graph()->set_name("g");
  }
  void input(const std::string& name, std::initializer_list<const char*> dims,
             int type = onnx::TensorProto_DataType_FLOAT) {
    declare(model_.mutable_graph()->add_input(), name, dims, type);
  }
  void output(const std::string& name) { model_.mutable_graph()->add_output()->set_name(name); }
  void output(const std::string& name, std::initializer_list<const char*> dims,
              int type = onnx::TensorProto_DataType_FLOAT) {
    declare(model_.mutable_graph()->add_output(), name, dims, type);
  }
  onnx::NodeProto* node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs) {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    for (auto& i : inputs) n->add_input(i);
    for (auto& o : outputs) n->add_output(o);
    return n;
  }
  void ints(const std::string& name, std::vector<int64_t> values) {
    toTensorProto(torch::tensor(values, torch::kLong), name, model_.mutable_graph()->add_initializer());
  }
  void tensor(const at::Tensor& t, const std::string& name) {
    toTensorProto(t, name, model_.mutable_graph()->add_initializer());
  }
  static void attr(onnx::NodeProto* node, const char* name, int64_t value) {
    auto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  // --int32 on its own (no optimize), then the checker and strict shape inference.
  Int32Report int32() {
    Int32Report r = retypeToInt32(model_, weights_);
    fillOutputTypes(model_);
    checkModel(model_);
    return r;
  }
  void weight(const at::Tensor& t, const std::string& name) {
    weights_.add(t, name, model_.mutable_graph()->add_initializer());
  }
  // Optimizes, fills the output types and runs the checker and strict shape inference.
  OptimizeReport optimize() {
    OptimizeReport r = optimizeModel(model_, weights_);
    fillOutputTypes(model_);
    checkModel(model_);
    return r;
  }
  std::vector<std::string> ops() const {
    std::vector<std::string> out;
    for (const auto& n : model_.graph().node()) out.push_back(n.op_type());
    return out;
  }
  const onnx::TensorProto* initializer(const std::string& name) const {
    for (const auto& i : model_.graph().initializer())
      if (i.name() == name) return &i;
    return nullptr;
  }
  onnx::ModelProto& model() { return model_; }
  Weights& weights() { return weights_; }

 private:
  static void declare(onnx::ValueInfoProto* vi, const std::string& name, std::initializer_list<const char*> dims,
                      int type) {
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    auto* shape = tt->mutable_shape();
    for (const char* d : dims) {
      if (std::isdigit(static_cast<unsigned char>(d[0])))
        shape->add_dim()->set_dim_value(std::stoll(d));
      else
        shape->add_dim()->set_dim_param(d);
    }
  }
  onnx::ModelProto model_;
  Weights weights_;
};

}  // namespace pt2onnx::test
