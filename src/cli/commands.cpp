// inspect and verify commands, and conversion with --verify and --json.
#include "cli/commands.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "tools/inspect.h"
#include "tools/json.h"
#include "tools/verify.h"

namespace pt2onnx::cli {
namespace {

int fail(ExitCode code, const std::string& message) {
  std::fprintf(stderr, "pt2onnx: error: %s\n", message.c_str());
  return static_cast<int>(code);
}

int internalError(const std::exception& e) {
  const std::string what = e.what();
  return fail(ExitCode::kInternal, "internal error, a bug in pt2onnx: " + what.substr(0, what.find('\n')));
}

void writeVerifyJson(JsonWriter& j, const VerifyReport& report, const VerifyOptions& options) {
  j.beginObject().key("runtime").value(report.runtime).key("sets").value(static_cast<uint64_t>(report.sets));
  j.key("rtol").value(options.rtol).key("atol").value(options.atol).key("ok").value(report.ok());
  j.key("outputs").beginArray();
  for (const auto& o : report.outputs) {
    j.beginObject().key("set").value(static_cast<uint64_t>(o.set)).key("name").value(o.name);
    j.key("dtype").value(o.dtype).key("dims").beginArray();
    for (auto d : o.dims) j.value(d);
    j.endArray().key("max_abs_error").value(o.max_abs_error).key("mean_abs_error").value(o.mean_abs_error);
    j.key("out_of_tolerance").value(static_cast<uint64_t>(o.out_of_tolerance)).key("exact").value(o.exact);
    if (!o.problem.empty()) j.key("problem").value(o.problem);
    j.key("ok").value(o.ok()).endObject();
  }
  j.endArray().endObject();
}

// A directory under TMPDIR for --verify's test data when --test-data is not given.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/pt2onnx-data-XXXXXX";
    if (mkdtemp(pattern.data())) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The pipeline's phases in order (as convert() reports them) and what each does; the line goes
// once the model is written (--test-data's files follow quickly).
constexpr const char* kPhases[][2] = {
    {"load", "loading the archive"},
    {"freeze and clean-up passes", "freezing and cleaning up the graph"},
    {"example runs", "running the model on the example inputs"},
    {"static folding", "folding fixed sizes"},
    {"conversion", "converting operators"},
    {"checker and shape inference", "checking the model"},
    {"write", "writing the model"},
};

}  // namespace

void RunLog::phaseDone(const std::string& phase, double seconds) {
  phases.emplace_back(phase, seconds);
  elapsed_ += seconds;
  phase_start_ = std::chrono::steady_clock::now();
  if (!progress) return;
  constexpr size_t n = sizeof(kPhases) / sizeof(kPhases[0]);
  size_t i = 0;
  while (i < n && phase != kPhases[i][0]) ++i;
  if (i + 1 >= n) return clearProgress();  // written, or a phase after it
  std::fprintf(stderr, "\r\033[Kpt2onnx: [%zu/%zu] %s... (%.1f s)", i + 2, n, kPhases[i + 1][1], elapsed_);
  std::fflush(stderr);
  line_shown_ = true;
}

void RunLog::written(uint64_t bytes, uint64_t total) {
  if (!progress) return;
  constexpr size_t n = sizeof(kPhases) / sizeof(kPhases[0]);
  const bool mb = total >= 1000000;
  const double unit = mb ? 1e6 : 1e3;
  std::fprintf(stderr, "\r\033[Kpt2onnx: [%zu/%zu] %s: %.1f of %.1f %s... (%.1f s)", n, n, kPhases[n - 1][1],
               bytes / unit, total / unit, mb ? "MB" : "kB",
               elapsed_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start_).count());
  std::fflush(stderr);
  line_shown_ = true;
}

void RunLog::clearProgress() {
  if (!line_shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  line_shown_ = false;
}

void RunLog::sink_it_(const spdlog::details::log_msg& msg) {
  clearProgress();
  if (msg.level == spdlog::level::warn) warnings.emplace_back(msg.payload.data(), msg.payload.size());
}

int inspectCommand(const std::string& file, const Options& options, bool json, const std::string& dot_path) {
  try {
    InspectReport report = inspect(file, options);
    if (!dot_path.empty()) {
      if (!report.has_onnx) return fail(ExitCode::kUsage, "--dot needs an ONNX graph: " + report.conversion_error);
      std::ofstream out(dot_path, std::ios::trunc);
      out << toDot(report.model.graph());
      out.close();
      if (!out) return fail(ExitCode::kOutputWrite, "--dot: cannot write '" + dot_path + "'");
    }
    std::fputs((json ? formatInspectJson(report) : formatInspectText(report)).c_str(), stdout);
    return 0;
  } catch (const Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::exception& e) {
    return internalError(e);
  }
}

int verifyCommand(const std::string& model, const std::string& dir, const RunFlags& flags) {
  VerifyOptions options{model, dir, flags.rtol, flags.atol};
  try {
    VerifyReport report = verify(options);
    if (flags.json) {
      JsonWriter j;
      writeVerifyJson(j, report, options);
      std::printf("%s\n", j.str().c_str());
    } else {
      std::fputs(formatReport(report, options).c_str(), stdout);
    }
    return report.ok() ? 0 : static_cast<int>(ExitCode::kVerifyMismatch);
  } catch (const Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::exception& e) {
    return internalError(e);
  }
}

int convertCommand(Options options, const RunFlags& flags, RunLog& log) {
  const auto start = std::chrono::steady_clock::now();
  options.observer = &log;
  std::optional<ScratchDir> scratch;
  if (flags.verify) {
    try {
      spdlog::debug("--verify will use {}", probeOrtRuntime());
    } catch (const Error& e) {
      const Error error(e.code(), std::string("--verify: ") + e.what());
      if (flags.json) printJsonFailure(options, error);
      return fail(error.code(), error.what());
    }
  }
  if (flags.verify && options.test_data_dir.empty()) {
    scratch.emplace();
    if (scratch->path().empty()) return fail(ExitCode::kOutputWrite, "--verify: cannot create a temporary directory");
    options.test_data_dir = scratch->path();
  }
  std::optional<Summary> summary;
  std::optional<VerifyReport> report;
  VerifyOptions verify_options{"", options.test_data_dir, flags.rtol, flags.atol};
  int code = 0;
  std::string error;
  try {
    summary = convert(options);
    spdlog::info("wrote {} (opset {}, {} nodes, {} initializers, {:.1f} MB of weights) in {:.2f} s",
                 summary->output_path, summary->opset, summary->nodes, summary->initializers,
                 summary->weight_bytes / 1e6, summary->seconds);
    if (flags.verify) {
      verify_options.model = summary->output_path;
      report = verify(verify_options);
      if (!flags.json) std::fputs(formatReport(*report, verify_options).c_str(), stdout);
      if (!report->ok()) {
        code = static_cast<int>(ExitCode::kVerifyMismatch);
        error = "ONNX Runtime's outputs differ from LibTorch's beyond the tolerance (the model was written)";
      }
    }
  } catch (const Error& e) {
    code = static_cast<int>(e.code());
    error = e.what();
  } catch (const std::exception& e) {
    std::string what = e.what();
    code = static_cast<int>(ExitCode::kInternal);
    error = "internal error, a bug in pt2onnx: " + what.substr(0, what.find('\n'));
  }
  log.clearProgress();
  if (flags.json) {
    JsonWriter j;
    j.beginObject().key("ok").value(code == 0).key("exit_code").value(code).key("model").value(options.model_path);
    if (summary) {
      j.key("output").value(summary->output_path).key("opset").value(summary->opset);
      j.key("inputs");
      writeTensorsJson(j, summary->inputs);
      j.key("outputs");
      writeTensorsJson(j, summary->outputs);
      j.key("nodes").value(static_cast<uint64_t>(summary->nodes));
      j.key("nodes_before_optimize").value(static_cast<uint64_t>(summary->nodes_before_optimize));
      if (options.int32) {
        const auto& r = summary->int32;
        j.key("int32").beginObject().key("values_retyped").value(static_cast<uint64_t>(r.values_retyped));
        j.key("casts_to_int32").value(static_cast<uint64_t>(r.casts_to_int32));
        j.key("casts_to_int64").value(static_cast<uint64_t>(r.casts_to_int64)).key("stay_int64").beginObject();
        for (const auto& [why, n] : r.stay_int64) j.key(why).value(static_cast<uint64_t>(n));
        j.endObject().endObject();
      }
      j.key("initializers").value(static_cast<uint64_t>(summary->initializers));
      j.key("weight_bytes").value(summary->weight_bytes);
      if (!options.test_data_dir.empty() && !scratch)
        j.key("test_data")
            .value(options.test_data_dir)
            .key("test_data_sets")
            .value(static_cast<uint64_t>(summary->test_data_sets));
    }
    j.key("seconds").beginObject();
    for (const auto& [phase, seconds] : log.phases) j.key(phase).value(seconds);
    j.key("total").value(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    j.endObject().key("warnings").strings(log.warnings);
    if (report) {
      j.key("verify");
      writeVerifyJson(j, *report, verify_options);
    }
    j.key("errors").beginArray();
    if (!error.empty()) j.beginObject().key("exit_code").value(code).key("message").value(error).endObject();
    j.endArray().endObject();
    std::printf("%s\n", j.str().c_str());
  }
  if (code != 0) std::fprintf(stderr, "pt2onnx: error: %s\n", error.c_str());
  return code;
}

void printJsonFailure(const Options& options, const Error& error) {
  JsonWriter j;
  j.beginObject().key("ok").value(false).key("exit_code").value(static_cast<int>(error.code()));
  j.key("model").value(options.model_path).key("seconds").beginObject().endObject();
  j.key("warnings").strings({}).key("errors").beginArray();
  j.beginObject().key("exit_code").value(static_cast<int>(error.code())).key("message").value(error.what());
  j.endObject().endArray().endObject();
  std::printf("%s\n", j.str().c_str());
}

}  // namespace pt2onnx::cli
