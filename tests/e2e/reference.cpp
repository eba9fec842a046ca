// pt2onnx_reference: runs a TorchScript model in LibTorch on seeded random inputs; writes meta.json and raw tensors.
//
// Usage: pt2onnx_reference MODEL.pt OUTDIR --input NAME:DIMS[:DTYPE] ... [--seed N]
//   DIMS is 1x3x224x224 or `scalar`; DTYPE is float32 (default), float16, float64, int64, int32,
//   int8, uint8 or bool. Floats are standard normal, uint8 is 0..255, other ints 0..9, bools fair.
// OUTDIR gets input_<i>.bin, output_<i>.bin (contiguous, little-endian, bool as one byte) and
// meta.json: {"inputs": [{"name", "dtype", "dims", "file"}...], "outputs": [...]}. Outputs are the
// forward() result flattened depth-first: tuples, lists and dict values in order.
#include <torch/script.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

const std::vector<std::pair<std::string, c10::ScalarType>> kDtypes = {
    {"float32", torch::kFloat32}, {"float16", torch::kFloat16}, {"float64", torch::kFloat64}, {"int64", torch::kInt64},
    {"int32", torch::kInt32},     {"int8", torch::kInt8},       {"uint8", torch::kUInt8},     {"bool", torch::kBool}};

struct Entry {
  std::string name;
  torch::Tensor value;
};

c10::ScalarType dtypeFromName(const std::string& name) {
  for (const auto& [n, t] : kDtypes)
    if (n == name) return t;
  throw std::runtime_error("unknown dtype '" + name + "'");
}

std::string dtypeName(c10::ScalarType type) {
  for (const auto& [n, t] : kDtypes)
    if (t == type) return n;
  throw std::runtime_error(std::string("output dtype ") + c10::toString(type) + " has no raw format here");
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  return parts;
}

// NAME:DIMS[:DTYPE] -> a seeded random tensor of that shape and dtype.
Entry makeInput(const std::string& spec) {
  auto parts = split(spec, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() ||
      !std::regex_match(parts[1], std::regex("scalar|[0-9]+(x[0-9]+)*")))
    throw std::runtime_error("bad --input '" + spec + "', want NAME:DIMS[:DTYPE] with DIMS like 1x3x224x224 or scalar");
  std::vector<int64_t> dims;
  if (parts[1] != "scalar")
    for (const auto& d : split(parts[1], 'x')) dims.push_back(std::stoll(d));
  auto dtype = dtypeFromName(parts.size() == 3 ? parts[2] : "float32");
  torch::Tensor t;
  if (dtype == torch::kBool)
    t = torch::rand(dims) < 0.5;
  else if (c10::isFloatingType(dtype))
    t = torch::randn(dims).to(dtype);
  else
    t = torch::randint(0, dtype == torch::kUInt8 ? 256 : 10, dims, torch::TensorOptions().dtype(dtype));
  return {parts[0], t};
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
    std::cerr << "usage: pt2onnx_reference MODEL.pt OUTDIR --input NAME:DIMS[:DTYPE] ... [--seed N]\n";
    return 2;
  }
  std::string model_path = argv[1], dir = argv[2];
  std::vector<std::string> specs;
  uint64_t seed = 0;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc || (arg != "--input" && arg != "--seed")) {
      std::cerr << "unexpected argument '" << arg << "'\n";
      return 2;
    }
    if (arg == "--input") specs.push_back(argv[++i]);
    if (arg == "--seed") seed = std::stoull(argv[++i]);
  }

  std::filesystem::create_directories(dir);
  torch::manual_seed(seed);
  std::vector<Entry> inputs;
  std::vector<c10::IValue> args;
  for (const auto& spec : specs) {
    inputs.push_back(makeInput(spec));
    args.emplace_back(inputs.back().value.clone());  // a model may write to its inputs in place
  }

  torch::NoGradGuard no_grad;
  auto module = torch::jit::load(model_path);
  module.eval();
  std::vector<torch::Tensor> results;
  flatten(module.forward(args), results);
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
