// verify: writes the test data's inputs for the runner, runs ONNX Runtime, compares its outputs.
#include "tools/verify.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/dtype.h"
#include "io/test_data.h"
#include "onnx/dtype.h"
#include "pt2onnx/pt2onnx.h"
#include "tools/ort_inprocess.h"
#include "tools/ort_runtime.h"

namespace pt2onnx {
namespace fs = std::filesystem;
namespace {

// A temporary directory removed with everything in it when the run ends.
class TempDir {
 public:
  TempDir() {
    std::string base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    std::string pattern = base + "/pt2onnx-verify-XXXXXX";
    if (!mkdtemp(pattern.data()))
      throw Error(ExitCode::kOutputWrite, "verify: cannot create a temporary directory in " + base);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string joinDims(const std::vector<int64_t>& dims, const char* sep) {
  std::string s;
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? sep : "") + std::to_string(dims[k]);
  return s;
}

int64_t elements(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

void writeRaw(const std::string& path, const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
  if (!out) throw Error(ExitCode::kOutputWrite, "verify: cannot write '" + path + "'");
}

DType dtypeByName(const std::string& name) {
  for (DType d : {DType::kFloat, DType::kDouble, DType::kHalf, DType::kInt8, DType::kInt16, DType::kInt32,
                  DType::kInt64, DType::kUInt8, DType::kBool})
    if (name == dtypeName(d)) return d;
  return DType::kUndefined;
}

struct Result {
  std::string name, dtype, file;
  std::vector<int64_t> dims;
};

// results.tsv: `output SET NAME DTYPE DIMS FILE` per output of each set, in the model's order.
std::map<size_t, std::vector<Result>> readResults(const std::string& dir) {
  std::map<size_t, std::vector<Result>> out;
  std::ifstream in(dir + "/results.tsv");
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, '\t');) f.push_back(x);
    if (f.size() == 5) f.push_back("");  // getline drops a trailing empty field
    if (f.size() < 6 || f[0] != "output") continue;
    Result r{f[2], f[3], f[5], {}};
    std::istringstream dims(f[4]);
    for (std::string d; std::getline(dims, d, ',');) r.dims.push_back(std::stoll(d));
    out[std::stoul(f[1])].push_back(r);
  }
  return out;
}

// The check of one expected output, before any comparison.
OutputCheck described(size_t set, const NamedTensor& want) {
  OutputCheck c;
  c.set = set;
  c.name = want.name;
  const DType want_dtype = fromTorch(want.tensor.scalar_type());
  c.dtype = dtypeName(want_dtype);
  c.dims = want.tensor.sizes().vec();
  c.exact = !isFloating(want_dtype);
  return c;
}

// A runner's output file as a tensor of its dtype and dims; undefined, with `problem` set, when its
// dtype is one verify does not know or its size does not match.
at::Tensor readResult(const Result& r, const std::string& dir, std::string& problem) {
  const DType dtype = dtypeByName(r.dtype);
  if (dtype == DType::kUndefined) {
    problem = "ONNX Runtime gives " + r.dtype + " [" + joinDims(r.dims, ",") + "]";
    return {};
  }
  at::Tensor t = at::empty(r.dims, at::TensorOptions().dtype(toTorch(dtype)));
  std::ifstream in(dir + "/" + r.file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != t.nbytes()) {
    problem = "ONNX Runtime's output has " + std::to_string(bytes.size()) + " bytes";
    return {};
  }
  if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

// `got` is ONNX Runtime's output, in its own dtype and dims.
OutputCheck compare(size_t set, const NamedTensor& want, const NamedTensor& got, const VerifyOptions& options) {
  OutputCheck c = described(set, want);
  if (!want.name.empty() && got.name != want.name) {
    c.problem = "the model's output is named '" + got.name + "'";
    return c;
  }
  const std::string got_dtype = dtypeName(fromTorch(got.tensor.scalar_type()));
  if (got_dtype != c.dtype || got.tensor.sizes().vec() != c.dims) {
    c.problem = "ONNX Runtime gives " + got_dtype + " [" + joinDims(got.tensor.sizes().vec(), ",") +
                "], the test data " + c.dtype + " [" + joinDims(c.dims, ",") + "]";
    return c;
  }
  at::Tensor a = got.tensor.to(at::kDouble).flatten(), b = want.tensor.to(at::kDouble).flatten();
  auto pa = a.accessor<double, 1>();
  auto pb = b.accessor<double, 1>();
  double sum = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = pa[i], y = pb[i];
    double err = 0;
    if (!(x == y || (std::isnan(x) && std::isnan(y)))) err = std::fabs(x - y);
    // NaN where NaN is expected matches (err 0); the tolerance of a NaN expectation is NaN.
    const bool pass = err == 0 || (!c.exact && err <= options.atol + options.rtol * std::fabs(y));
    if (!pass) ++c.out_of_tolerance;  // also when err is NaN
    if (std::isnan(err) || err > c.max_abs_error || std::isnan(c.max_abs_error)) c.max_abs_error = err;
    sum += err;
  }
  c.mean_abs_error = a.numel() ? sum / static_cast<double>(a.numel()) : 0;
  return c;
}

// Each set's outputs from a runner script under Node.js or Python (results.tsv and raw files).
std::vector<std::vector<NamedTensor>> runScript(const OrtRuntime& runtime, const std::string& model,
                                                const std::vector<TestDataSet>& sets, const std::string& work,
                                                std::vector<std::vector<std::string>>& problems) {
  std::ofstream feeds(work + "/feeds.tsv");
  for (size_t n = 0; n < sets.size(); ++n) {
    for (size_t k = 0; k < sets[n].inputs.size(); ++k) {
      const auto& in = sets[n].inputs[k];
      const DType dtype = fromTorch(in.tensor.scalar_type());
      const std::string file = fmt::format("feed_{}_{}.bin", n, k);
      writeRaw(work + "/" + file, in.tensor);
      feeds << "input\t" << n << "\t" << in.name << "\t" << dtypeName(dtype) << "\t"
            << joinDims(in.tensor.sizes().vec(), ",") << "\t" << file << "\n";
    }
  }
  feeds.close();
  std::vector<std::string> argv = runtime.command;
  argv.push_back(fs::absolute(model).string());
  argv.push_back(work);
  ProcessResult run = runProcess(argv, runtime.env, work);
  if (run.exit_code != 0) {
    std::string why = run.output.substr(0, run.output.find('\n'));
    throw Error(
        ExitCode::kVerifyMismatch,
        "verify: " + (why.empty() ? "ONNX Runtime failed (exit code " + std::to_string(run.exit_code) + ")" : why));
  }
  const auto results = readResults(work);
  std::vector<std::vector<NamedTensor>> outputs(sets.size());
  problems.assign(sets.size(), {});
  for (size_t n = 0; n < sets.size(); ++n) {
    auto it = results.find(n);
    if (it == results.end()) continue;
    for (const auto& r : it->second) {
      std::string problem;
      outputs[n].push_back({r.name, readResult(r, work, problem)});
      problems[n].push_back(problem);
    }
  }
  return outputs;
}

// The linked ONNX Runtime, unless PT2ONNX_ORT_RUNTIME asks for node or python.
bool useInProcess() {
  const char* only = std::getenv("PT2ONNX_ORT_RUNTIME");
  const std::string asked = only ? only : "";
  if (asked == "inprocess" && inProcessOrtVersion().empty())
    throw Error(ExitCode::kNoRuntime,
                "PT2ONNX_ORT_RUNTIME=inprocess: this pt2onnx was built without ONNX Runtime's C++ API "
                "(libonnxruntime-dev); use node or python");
  return !inProcessOrtVersion().empty() && (asked.empty() || asked == "inprocess");
}

}  // namespace

bool VerifyReport::ok() const {
  for (const auto& o : outputs)
    if (!o.ok()) return false;
  return !outputs.empty();
}

std::string probeOrtRuntime() {
  if (useInProcess()) return "ONNX Runtime " + inProcessOrtVersion() + " (in process)";
  TempDir work;
  return findOrtRuntime(work.path()).description;
}

VerifyReport verify(const VerifyOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(options.model, ec))
    throw Error(ExitCode::kModelInput, "verify: model '" + options.model + "' does not exist or is not a file");
  const std::vector<TestDataSet> sets = readTestData(options.dir);
  TempDir work;
  VerifyReport report;
  report.sets = sets.size();
  std::vector<std::vector<NamedTensor>> outputs;
  std::vector<std::vector<std::string>> problems;  // per output read from a runner's files
  if (useInProcess()) {
    report.runtime = "ONNX Runtime " + inProcessOrtVersion() + " (in process)";
    outputs = runInProcess(options.model, sets);
  } else {
    OrtRuntime runtime = findOrtRuntime(work.path());
    report.runtime = runtime.description;
    outputs = runScript(runtime, options.model, sets, work.path(), problems);
  }
  for (size_t n = 0; n < sets.size(); ++n) {
    const size_t have = n < outputs.size() ? outputs[n].size() : 0;
    for (size_t k = 0; k < sets[n].outputs.size(); ++k) {
      OutputCheck c = described(n, sets[n].outputs[k]);
      if (k >= have) {
        c.problem = "the model has only " + std::to_string(have) + " outputs";
      } else if (n < problems.size() && k < problems[n].size() && !problems[n][k].empty()) {
        c.problem = problems[n][k];
      } else {
        c = compare(n, sets[n].outputs[k], outputs[n][k], options);
      }
      report.outputs.push_back(c);
    }
  }
  return report;
}

std::string formatReport(const VerifyReport& report, const VerifyOptions& options) {
  std::string out =
      fmt::format("verify {} in {}: {} test data set{}, tolerance atol {:g} + rtol {:g} x |expected|\n", options.model,
                  report.runtime, report.sets, report.sets == 1 ? "" : "s", options.atol, options.rtol);
  size_t bad = 0;
  for (const auto& o : report.outputs) {
    if (!o.ok()) ++bad;
    std::string line = fmt::format("  test_data_set_{} {} {} [{}]: ", o.set, o.name, o.dtype, joinDims(o.dims, ","));
    if (!o.problem.empty()) {
      out += line + "MISMATCH: " + o.problem + "\n";
      continue;
    }
    line += fmt::format("max abs error {:.3g}, mean abs error {:.3g}", o.max_abs_error, o.mean_abs_error);
    if (o.exact) line += " (compared exactly)";
    if (o.out_of_tolerance)
      line += fmt::format(": MISMATCH, {} of {} elements out of tolerance", o.out_of_tolerance, elements(o.dims));
    else
      line += ": ok";
    out += line + "\n";
  }
  if (bad)
    out += fmt::format("{} of {} outputs differ from the test data beyond the tolerance\n", bad, report.outputs.size());
  else
    out += fmt::format("all {} outputs are within the tolerance\n", report.outputs.size());
  return out;
}

}  // namespace pt2onnx
