// Model-zoo test data directories: TensorProto files written from and read into tensors.
#include "io/test_data.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/diagnostics.h"
#include "io/tensor_file.h"
#include "onnx/tensor.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace fs = std::filesystem;
namespace {

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    throw Error(ExitCode::kOutputWrite, "--test-data: cannot write '" + path.string() + "': " + std::strerror(errno));
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::kUsage, "test data: cannot read '" + path.string() + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// input_0.pb, input_1.pb, ... until one is missing.
std::vector<NamedTensor> readTensors(const fs::path& set, const std::string& prefix) {
  std::vector<NamedTensor> out;
  for (size_t k = 0;; ++k) {
    const fs::path file = set / (prefix + "_" + std::to_string(k) + ".pb");
    std::error_code ec;
    if (!fs::exists(file, ec)) break;
    const std::string bytes = readFile(file);
    onnx::TensorProto proto;
    try {
      at::Tensor t = readTensorProto(bytes);
      proto.ParseFromString(bytes);
      out.push_back({proto.name(), t});
    } catch (const TensorFileError& e) {
      throw Error(ExitCode::kUsage, "test data: '" + file.string() + "': " + e.what());
    }
  }
  return out;
}

}  // namespace

std::string tensorProtoBytes(const at::Tensor& tensor, const std::string& name) {
  onnx::TensorProto proto;
  try {
    toTensorProto(tensor, name, &proto);
  } catch (const ConvertError& e) {
    throw TensorFileError(name + ": " + e.what());
  }
  return proto.SerializeAsString();
}

void checkTestDataDir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw Error(ExitCode::kOutputWrite, "--test-data '" + dir + "' is a file; give a directory (it is created)");
}

void writeTestData(const std::string& dir, const std::vector<TestDataSet>& sets) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ExitCode::kOutputWrite, "--test-data: cannot create '" + dir + "': " + ec.message());
  for (size_t n = 0; n < sets.size(); ++n) {
    const fs::path set = fs::path(dir) / ("test_data_set_" + std::to_string(n));
    fs::remove_all(set, ec);
    fs::create_directories(set, ec);
    if (ec) throw Error(ExitCode::kOutputWrite, "--test-data: cannot create '" + set.string() + "': " + ec.message());
    auto write = [&](const std::vector<NamedTensor>& tensors, const std::string& prefix) {
      for (size_t k = 0; k < tensors.size(); ++k) {
        try {
          writeFile(set / (prefix + "_" + std::to_string(k) + ".pb"),
                    tensorProtoBytes(tensors[k].tensor, tensors[k].name));
        } catch (const TensorFileError& e) {
          throw Error(ExitCode::kOutputWrite, std::string("--test-data: ") + e.what());
        }
      }
    };
    write(sets[n].inputs, "input");
    write(sets[n].outputs, "output");
  }
  // Sets of an earlier run with more resized runs would otherwise be checked against this model.
  const std::string prefix = "test_data_set_";
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0 || name.size() == prefix.size()) continue;
    const std::string number = name.substr(prefix.size());
    if (number.find_first_not_of("0123456789") != std::string::npos) continue;
    if (number.size() > 9 || std::stoul(number) >= sets.size()) stale.push_back(entry.path());
  }
  for (const auto& p : stale) fs::remove_all(p, ec);
}

std::vector<TestDataSet> readTestData(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(ExitCode::kUsage, "test data directory '" + dir + "' does not exist");
  std::vector<TestDataSet> sets;
  for (size_t n = 0;; ++n) {
    const fs::path set = fs::path(dir) / ("test_data_set_" + std::to_string(n));
    if (!fs::is_directory(set, ec)) break;
    TestDataSet s{readTensors(set, "input"), readTensors(set, "output")};
    if (s.outputs.empty()) throw Error(ExitCode::kUsage, "test data: '" + set.string() + "' has no output_0.pb");
    sets.push_back(std::move(s));
  }
  if (sets.empty())
    throw Error(ExitCode::kUsage, "'" + dir + "' holds no test_data_set_0 directory (write one with --test-data)");
  return sets;
}

}  // namespace pt2onnx
