// The CLI's commands beside conversion (inspect, verify) and conversion's --json summary.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::cli {

// What a conversion run reported: phase timings (as an Observer) and warnings (as a log sink).
// With `progress` (stderr is a terminal) it also keeps one status line on stderr up to date: the
// phase under way, its number and the time so far, and while writing the megabytes written of
// the total; log lines clear it first (the sink goes before the stderr sink).
class RunLog : public Observer, public spdlog::sinks::base_sink<std::mutex> {
 public:
  void phaseDone(const std::string& phase, double seconds) override;
  void written(uint64_t bytes, uint64_t total) override;
  // Removes the status line (at the end of the run).
  void clearProgress();
  bool progress = false;
  std::vector<std::pair<std::string, double>> phases;
  std::vector<std::string> warnings;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  bool line_shown_ = false;
  double elapsed_ = 0;                                 // the phases done
  std::chrono::steady_clock::time_point phase_start_;  // when the last of them ended
};

// Flags of a run besides the conversion options: --verify with its tolerance, and --json.
struct RunFlags {
  bool verify = false;  // --verify after converting
  double rtol = 1e-3;
  double atol = 1e-4;
  bool json = false;
};

// pt2onnx inspect FILE [--json] [--dot OUT.dot]: prints the report; returns the exit code.
int inspectCommand(const std::string& file, const Options& options, bool json, const std::string& dot_path);

// pt2onnx verify MODEL.onnx DIR: prints per-output errors; returns 0 when all are within tolerance.
int verifyCommand(const std::string& model, const std::string& dir, const RunFlags& flags);

// Converts, then (with --verify) checks the written model against its test data; prints the
// summary line, or the --json summary on stdout; returns the exit code.
int convertCommand(Options options, const RunFlags& flags, RunLog& log);

// The --json summary of a run that failed before converting (a bad flag value).
void printJsonFailure(const Options& options, const Error& error);

}  // namespace pt2onnx::cli
