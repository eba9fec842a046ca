// Finds ONNX Runtime at run time (Node.js or Python) and runs the embedded runner scripts.
#include "tools/ort_runtime.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pt2onnx/pt2onnx.h"

extern char** environ;

namespace pt2onnx {
namespace fs = std::filesystem;
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// An executable named `name` on PATH (or `name` itself when it holds a '/'); "" when none.
std::string findExecutable(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  std::istringstream path(env("PATH"));
  std::string dir;
  while (std::getline(path, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return "";
}

void writeScript(const std::string& path, const char* text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw Error(ExitCode::kOutputWrite, "verify: cannot write the runner script '" + path + "'");
}

std::string firstLineOf(const std::string& text) { return text.substr(0, text.find('\n')); }

// NODE_PATH for the runner: the user's ORT directory (itself and its node_modules), NODE_PATH,
// and the usual global module directories.
std::string nodePath(const std::string& node) {
  std::vector<std::string> dirs;
  if (auto d = env("PT2ONNX_ORT_DIR"); !d.empty()) {
    dirs.push_back(d + "/node_modules");
    dirs.push_back(d);
  }
  if (auto d = env("NODE_PATH"); !d.empty()) dirs.push_back(d);
  dirs.push_back(fs::path(node).parent_path().parent_path().string() + "/lib/node_modules");
  dirs.push_back("/usr/local/lib/node_modules");
  dirs.push_back("/usr/lib/node_modules");
  dirs.push_back("/usr/share/nodejs");
  if (auto home = env("HOME"); !home.empty()) {
    dirs.push_back(home + "/.npm-global/lib/node_modules");
    dirs.push_back(home + "/node_modules");
  }
  std::string joined;
  for (const auto& d : dirs) joined += (joined.empty() ? "" : ":") + d;
  return joined;
}

}  // namespace

ProcessResult runProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                         const std::string& work_dir) {
  ProcessResult result;
  const std::string log = work_dir + "/process.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const auto& x : extra_env)
      replaced = replaced || entry.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0;
    if (!replaced) environment.push_back(entry);
  }
  for (const auto& x : extra_env) environment.push_back(x);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return result;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  std::ifstream in(log);
  std::ostringstream text;
  text << in.rdbuf();
  result.output = text.str();
  return result;
}

OrtRuntime findOrtRuntime(const std::string& work_dir) {
  const std::string only = env("PT2ONNX_ORT_RUNTIME");
  if (!only.empty() && only != "node" && only != "python" && only != "inprocess")
    throw Error(ExitCode::kUsage, "PT2ONNX_ORT_RUNTIME='" + only + "': use node, python or inprocess");
  std::vector<std::string> tried;
  if (only.empty() || only == "node") {
    const std::string asked = env("PT2ONNX_NODE");
    const std::string node = findExecutable(asked.empty() ? "node" : asked);
    if (node.empty()) {
      tried.push_back(asked.empty() ? "no node on PATH" : "PT2ONNX_NODE='" + asked + "' is not an executable");
    } else {
      const std::string script = work_dir + "/ort_runner.js";
      writeScript(script, kNodeRunner);
      OrtRuntime rt{"", {node, script}, {"NODE_PATH=" + nodePath(node)}};
      ProcessResult probe = runProcess({node, script, "--probe"}, rt.env, work_dir);
      if (probe.exit_code == 0) {
        rt.description = firstLineOf(probe.output) + " (" + node + ")";
        return rt;
      }
      tried.push_back(node + ": " + (probe.output.empty() ? "does not run" : firstLineOf(probe.output)));
    }
  }
  if (only.empty() || only == "python") {
    const std::string asked = env("PT2ONNX_PYTHON");
    std::vector<std::string> pythons;
    if (!asked.empty()) {
      pythons.push_back(findExecutable(asked));
      if (pythons.back().empty()) tried.push_back("PT2ONNX_PYTHON='" + asked + "' is not an executable");
    } else {
      pythons = {findExecutable("python3"), findExecutable("/usr/bin/python3")};
      if (pythons[0].empty() && pythons[1].empty()) tried.push_back("no python3 on PATH");
    }
    const std::string script = work_dir + "/ort_runner.py";
    writeScript(script, kPythonRunner);
    for (size_t i = 0; i < pythons.size(); ++i) {
      const std::string& python = pythons[i];
      if (python.empty() || (i > 0 && python == pythons[0])) continue;
      ProcessResult probe = runProcess({python, script, "--probe"}, {}, work_dir);
      if (probe.exit_code == 0) return {firstLineOf(probe.output) + " (" + python + ")", {python, script}, {}};
      tried.push_back(python + ": " + (probe.output.empty() ? "does not run" : firstLineOf(probe.output)));
    }
  }
  std::string why;
  for (const auto& t : tried) why += (why.empty() ? "" : "; ") + t;
  throw Error(ExitCode::kNoRuntime,
              "verify needs ONNX Runtime and found none (" + why +
                  "): install onnxruntime-node (`npm install onnxruntime-node` in a directory, then set "
                  "PT2ONNX_ORT_DIR to it) or the Python package (`pip install onnxruntime`)");
}

}  // namespace pt2onnx
