// Parsing of the command-line specs (--input, --dynamic-axes, --output-names).
#include <cctype>
#include <set>
#include <sstream>

#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace {

struct DTypeName {
  const char* name;
  InputDType dtype;
};
constexpr DTypeName kInputDTypes[] = {
    {"float32", InputDType::kFloat32}, {"float16", InputDType::kFloat16}, {"float64", InputDType::kFloat64},
    {"int64", InputDType::kInt64},     {"int32", InputDType::kInt32},     {"int8", InputDType::kInt8},
    {"uint8", InputDType::kUInt8},     {"bool", InputDType::kBool},
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

bool parseInt(const std::string& text, int64_t& value) {
  if (text.empty()) return false;
  size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) return false;
  for (size_t k = i; k < text.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(text[k]))) return false;
  try {
    value = std::stoll(text);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

bool validName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ':' || c == '=') return false;
  return true;
}

[[noreturn]] void usage(const std::string& flag, const std::string& text, const std::string& why) {
  throw Error(ExitCode::kUsage, flag + " '" + text + "': " + why);
}

}  // namespace

std::string inputDTypeName(InputDType dtype) {
  for (const auto& entry : kInputDTypes)
    if (entry.dtype == dtype) return entry.name;
  return "unknown";
}

InputSpec parseInputSpec(const std::string& text) {
  const std::string flag = "--input";
  auto parts = split(text, ':');
  if (parts.empty() || parts.size() > 3)
    usage(flag, text,
          "expected NAME[:DIMS[:DTYPE]], e.g. input:1x3x224x224 or mask:1x77:int64 (NAME alone with --input-data)");
  InputSpec spec;
  const std::string& head = parts[0];
  auto eq = head.find('=');
  spec.path = head.substr(0, eq);
  spec.renamed = eq != std::string::npos;
  spec.name = spec.renamed ? head.substr(eq + 1) : spec.path;
  if (!validName(spec.path) || spec.path.front() == '.' || spec.path.back() == '.' ||
      spec.path.find("..") != std::string::npos)
    usage(flag, text, "the input name is empty or has a space, ',' or '=' (list elements: NAME.0, NAME.1, ...)");
  if (spec.renamed && !validName(spec.name))
    usage(flag, text, "the ONNX name after '=' is empty or has a space, ',', ':' or '='");
  spec.has_dims = parts.size() >= 2 && !parts[1].empty();
  if (spec.has_dims && parts[1] != "scalar") {
    for (const auto& dim : split(parts[1], 'x')) {
      int64_t value = 0;
      if (!parseInt(dim, value) || value < 0)
        usage(flag, text, "dimension '" + dim + "' is not a non-negative integer (DIMS like 1x3x224x224, or 'scalar')");
      spec.dims.push_back(value);
    }
  }
  spec.has_dtype = parts.size() == 3;
  if (spec.has_dtype) {
    bool found = false;
    for (const auto& entry : kInputDTypes) {
      if (parts[2] != entry.name) continue;
      spec.dtype = entry.dtype;
      found = true;
    }
    if (!found)
      usage(flag, text,
            "unknown dtype '" + parts[2] + "' (float32, float16, float64, int64, int32, int8, uint8, bool)");
  }
  return spec;
}

InputData parseInputData(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    usage("--input-data", text, "expected NAME=FILE, FILE a .npy or ONNX TensorProto .pb file");
  InputData data{text.substr(0, eq), text.substr(eq + 1)};
  if (!validName(data.name)) usage("--input-data", text, "the input name is empty or has a space, ',' or ':'");
  return data;
}

ConstArg parseConstArg(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    usage("--const", text, "expected NAME=VALUE, e.g. steps=4, scale=0.5, flag=true, mask=None or sizes=2,3");
  ConstArg arg{text.substr(0, eq), text.substr(eq + 1)};
  if (!validName(arg.name)) usage("--const", text, "the argument name is empty or has a space, ',' or ':'");
  return arg;
}

DynamicAxesSpec parseDynamicAxesSpec(const std::string& text) {
  const std::string flag = "--dynamic-axes";
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    usage(flag, text, "expected NAME:AXIS[=LABEL][,AXIS[=LABEL]...], e.g. input:0=batch,2=height");
  DynamicAxesSpec spec;
  spec.tensor = text.substr(0, colon);
  if (!validName(spec.tensor)) usage(flag, text, "the tensor name is empty or has a space, ',' or '='");
  std::set<int64_t> seen;
  for (const auto& item : split(text.substr(colon + 1), ',')) {
    auto eq = item.find('=');
    DynamicAxis axis;
    std::string index = item.substr(0, eq);
    if (!parseInt(index, axis.axis) || axis.axis < 0)
      usage(flag, text, "axis '" + index + "' is not a non-negative integer");
    if (!seen.insert(axis.axis).second) usage(flag, text, "axis " + index + " is listed twice");
    if (eq != std::string::npos) {
      axis.label = item.substr(eq + 1);
      if (!validName(axis.label)) usage(flag, text, "the label after '=' is empty or has a space, ',' or ':'");
    } else {
      axis.label = spec.tensor + "_dim" + index;
    }
    spec.axes.push_back(axis);
  }
  return spec;
}

std::vector<std::string> parseNameList(const std::string& text) {
  auto names = split(text, ',');
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (!validName(name)) usage("--output-names", text, "names must be non-empty, comma-separated, without spaces");
    if (!seen.insert(name).second) usage("--output-names", text, "name '" + name + "' is given twice");
  }
  return names;
}

std::string parseFallbackNamespace(const std::string& text) {
  bool ok = !text.empty() && !std::isdigit(static_cast<unsigned char>(text[0]));
  for (char c : text) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok) usage("--fallback", text, "give an operator namespace such as aten or my_ops (or all)");
  return text;
}

}  // namespace pt2onnx
