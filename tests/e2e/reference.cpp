// pt2onnx_reference: runs a TorchScript model in LibTorch on seeded inputs; writes meta.json and raw tensors.
//
// Usage: pt2onnx_reference MODEL.pt OUTDIR [--input SPEC]... [--input-data NAME=FILE]...
//                          [--const NAME=VALUE]... [--method NAME] [--seed N]
//   The flags mean what they mean to pt2onnx. Inputs without data are made up as pt2onnx makes
//   them up: floats standard normal, uint8 0..255, other ints 0..9, Python ints 1..9, bools fair.
// OUTDIR gets input_<i>.bin, output_<i>.bin (contiguous, little-endian, bool as one byte) and
// meta.json: {"inputs": [{"name", "dtype", "dims", "file"}...], "outputs": [...]}. Outputs are the
// forward() result flattened depth-first: tuples, lists and dict values in order.
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/script.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "frontend/frontend.h"
#include "frontend/inputs.h"
#include "onnx/dtype.h"

namespace {

const std::vector<std::pair<std::string, c10::ScalarType>> kDtypes = {
    {"float32", torch::kFloat32}, {"float16", torch::kFloat16}, {"float64", torch::kFloat64},
    {"int64", torch::kInt64},     {"int32", torch::kInt32},     {"int16", torch::kInt16},
    {"int8", torch::kInt8},       {"uint8", torch::kUInt8},     {"bool", torch::kBool}};

struct Entry {
  std::string name;
  torch::Tensor value;
};

std::string dtypeName(c10::ScalarType type) {
  for (const auto& [n, t] : kDtypes)
    if (t == type) return n;
  throw std::runtime_error(std::string("output dtype ") + c10::toString(type) + " has no raw format here");
}

void flatten(const c10::IValue& v, std::vector<torch::Tensor>& out) {
  if (v.isTensor()) return out.push_back(v.toTensor());
  if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flatten(e, out);
    return;
  }
  if (v.isList()) {
    for (const auto& e : v.toListRef()) flatten(e, out);
    return;
  }
  if (v.isGenericDict()) {
    for (const auto& kv : v.toGenericDict()) flatten(kv.value(), out);
    return;
  }
  // Python numbers returned by forward() become 0-d tensors: int -> int64, float -> float64.
  if (v.isInt()) return out.push_back(torch::scalar_tensor(v.toInt(), torch::kInt64));
  if (v.isDouble()) return out.push_back(torch::scalar_tensor(v.toDouble(), torch::kFloat64));
  if (v.isBool()) return out.push_back(torch::scalar_tensor(v.toBool(), torch::kBool));
  if (v.isNone()) return;  // pt2onnx writes no output for a None result
  throw std::runtime_error("forward() returned a " + v.tagKind() + ", which has no tensor form");
}

std::string jsonString(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// Writes the tensor to DIR/FILE and returns its meta.json entry.
std::string save(const std::string& dir, const std::string& file, const Entry& e) {
  auto t = e.value.contiguous();
  std::ofstream out(dir + "/" + file, std::ios::binary);
  out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  if (!out) throw std::runtime_error("cannot write " + dir + "/" + file);
  std::string dims;
  for (auto d : t.sizes()) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  return "{\"name\": " + jsonString(e.name) + ", \"dtype\": \"" + dtypeName(t.scalar_type()) + "\", \"dims\": [" +
         dims + "], \"file\": \"" + file + "\"}";
}

std::string saveAll(const std::string& dir, const std::string& prefix, const std::vector<Entry>& entries) {
  std::string json;
  for (size_t i = 0; i < entries.size(); ++i)
    json += (i ? ",\n    " : "\n    ") + save(dir, prefix + std::to_string(i) + ".bin", entries[i]);
  return "[" + json + "\n  ]";
}

int run(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: pt2onnx_reference MODEL.pt OUTDIR [--input SPEC] [--input-data NAME=FILE] "
                 "[--const NAME=VALUE] [--method NAME] [--default-dtype float32|float64] [--seed N]\n";
    return 2;
  }
  std::string model_path = argv[1], dir = argv[2];
  pt2onnx::Options options;
  uint64_t seed = 0;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("'" + arg + "' needs a value");
    std::string value = argv[++i];
    if (arg == "--input")
      options.inputs.push_back(pt2onnx::parseInputSpec(value));
    else if (arg == "--input-data")
      options.input_data.push_back(pt2onnx::parseInputData(value));
    else if (arg == "--const")
      options.consts.push_back(pt2onnx::parseConstArg(value));
    else if (arg == "--method")
      options.method = value;
    else if (arg == "--default-dtype" && (value == "float32" || value == "float64"))
      c10::set_default_dtype(value == "float64" ? caffe2::TypeMeta::Make<double>() : caffe2::TypeMeta::Make<float>());
    else if (arg == "--seed")
      seed = std::stoull(value);
    else
      throw std::runtime_error("unexpected argument '" + arg + "'");
  }

  std::filesystem::create_directories(dir);
  torch::NoGradGuard no_grad;
  auto module = torch::jit::load(model_path);
  module.eval();
  pt2onnx::markWrappedNumbers(module);  // Python numbers promote as in PyTorch's own runs
  // The method's own graph (not frozen, not inlined), with its arguments bound the way pt2onnx
  // binds them: one value per ONNX input; containers, constants and defaults rebuilt inside.
  auto method = module.get_method(options.method);
  auto graph = method.graph()->copy();
  const auto schema = method.function().getSchema();
  auto bound = pt2onnx::bindInputs(graph, &schema, options);

  torch::manual_seed(seed);
  std::vector<Entry> inputs;
  torch::jit::Stack stack{module._ivalue()};
  for (const auto& in : bound.inputs) {
    c10::IValue value = pt2onnx::exampleValue(in, in.dims);
    if (value.isTensor()) {
      inputs.push_back({in.name, value.toTensor()});
      stack.emplace_back(value.toTensor().clone());  // a model may write to its inputs in place
    } else {
      auto dtype = pt2onnx::toTorch(pt2onnx::fromInput(in.dtype));
      inputs.push_back({in.name, torch::scalar_tensor(value.toScalar()).to(dtype)});
      stack.push_back(value);
    }
  }
  torch::jit::Code code(graph, options.method);
  torch::jit::InterpreterState(code).run(stack);
  std::vector<torch::Tensor> results;
  flatten(stack.back(), results);
  std::vector<Entry> outputs;
  for (size_t i = 0; i < results.size(); ++i) outputs.push_back({"output_" + std::to_string(i), results[i]});

  std::string meta = "{\n  \"model\": " + jsonString(model_path) + ",\n  \"seed\": " + std::to_string(seed) +
                     ",\n  \"inputs\": " + saveAll(dir, "input_", inputs) +
                     ",\n  \"outputs\": " + saveAll(dir, "output_", outputs) + "\n}\n";
  std::ofstream meta_file(dir + "/meta.json");
  meta_file << meta;
  if (!meta_file) throw std::runtime_error("cannot write " + dir + "/meta.json");
  std::cout << "reference: " << inputs.size() << " inputs, " << outputs.size() << " outputs -> " << dir << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const c10::Error& e) {
    std::cerr << "pt2onnx_reference: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "pt2onnx_reference: " << e.what() << "\n";
    return 1;
  }
}
