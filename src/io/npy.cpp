// NumPy .npy reader: the header dictionary (descr, fortran_order, shape) and the raw elements.
#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "io/tensor_file.h"

namespace pt2onnx {
namespace {

struct NpyType {
  const char* descr;  // without the byte-order character
  at::ScalarType type;
};
constexpr NpyType kNpyTypes[] = {
    {"b1", at::kBool}, {"i1", at::kChar}, {"u1", at::kByte},  {"i2", at::kShort},  {"i4", at::kInt},
    {"i8", at::kLong}, {"f2", at::kHalf}, {"f4", at::kFloat}, {"f8", at::kDouble},
};

// The text after `'key':` in the header dictionary, up to the matching ',' or '}' (a tuple for shape).
std::string headerValue(const std::string& header, const std::string& key) {
  for (const char* quote : {"'", "\""}) {
    auto at = header.find(std::string(quote) + key + quote);
    if (at == std::string::npos) continue;
    auto colon = header.find(':', at);
    if (colon == std::string::npos) break;
    size_t begin = colon + 1;
    while (begin < header.size() && std::isspace(static_cast<unsigned char>(header[begin]))) ++begin;
    if (begin < header.size() && header[begin] == '(') {
      auto end = header.find(')', begin);
      if (end == std::string::npos) break;
      return header.substr(begin, end - begin + 1);
    }
    size_t end = begin;
    while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
    std::string value = header.substr(begin, end - begin);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    return value;
  }
  throw TensorFileError("the .npy header has no '" + key + "' entry");
}

std::vector<int64_t> parseShape(const std::string& text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    throw TensorFileError("the .npy header's shape '" + text + "' is not a tuple");
  std::vector<int64_t> dims;
  std::string number;
  auto flush = [&] {
    if (number.empty()) return;
    if (number.size() > 15) throw TensorFileError("the .npy header's shape has a dimension too large");
    dims.push_back(std::stoll(number));
    number.clear();
  };
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number += c;
    } else if (c == ',' || std::isspace(static_cast<unsigned char>(c)) || c == 'L') {
      flush();
    } else {
      throw TensorFileError("the .npy header's shape '" + text + "' is not a tuple of sizes");
    }
  }
  flush();
  return dims;
}

}  // namespace

at::Tensor readNpy(const std::string& bytes) {
  static const char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0)
    throw TensorFileError("not a .npy file (no \\x93NUMPY magic)");
  const auto major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw TensorFileError("the .npy file is truncated in its header");
    for (int k = 3; k >= 0; --k) header_len = header_len << 8 | static_cast<unsigned char>(bytes[8 + k]);
    offset = 12;
  } else {
    throw TensorFileError(".npy format version " + std::to_string(major) + " is not supported (1 to 3 are)");
  }
  if (bytes.size() < offset + header_len) throw TensorFileError("the .npy file is truncated in its header");
  const std::string header = bytes.substr(offset, header_len);
  offset += header_len;

  std::string descr = headerValue(header, "descr");
  if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"')) descr = descr.substr(1, descr.size() - 2);
  if (descr.empty()) throw TensorFileError("the .npy header's descr is empty");
  const char order = descr[0];
  if (order == '<' || order == '>' || order == '|' || order == '=') descr = descr.substr(1);
  const NpyType* type = nullptr;
  for (const auto& t : kNpyTypes)
    if (descr == t.descr) type = &t;
  if (!type)
    throw TensorFileError("the .npy element type '" + descr +
                          "' is not supported (bool, int8, uint8, int16, int32, int64, float16, float32, float64)");
  if (order == '>' && at::elementSize(type->type) > 1)
    throw TensorFileError(
        "the .npy file is big-endian; save it little-endian (arr.astype(arr.dtype.newbyteorder('<')))");
  const std::string fortran = headerValue(header, "fortran_order");
  if (fortran == "True") throw TensorFileError("the .npy file is in Fortran order; save np.ascontiguousarray(arr)");
  if (fortran != "False") throw TensorFileError("the .npy header's fortran_order '" + fortran + "' is not a bool");
  const std::vector<int64_t> dims = parseShape(headerValue(header, "shape"));

  // A 0 in the shape makes no elements, but the other dims must still fit LibTorch's strides.
  int64_t numel = 1, span = 1;
  for (int64_t d : dims) {
    if (d > 0 && span > (int64_t{1} << 40) / d) throw TensorFileError("the .npy shape is too large");
    span *= std::max<int64_t>(d, 1);
    numel *= d;
  }
  const size_t expected = static_cast<size_t>(numel) * at::elementSize(type->type);
  const size_t available = bytes.size() - offset;
  if (available != expected)
    throw TensorFileError("the .npy data has " + std::to_string(available) + " bytes but its shape and type need " +
                          std::to_string(expected));
  at::Tensor t = at::empty(dims, at::TensorOptions().dtype(type->type));
  if (expected) std::memcpy(t.data_ptr(), bytes.data() + offset, expected);
  if (type->type == at::kBool && t.numel() && (t.view(at::kByte) > 1).any().item<bool>())
    throw TensorFileError("the .npy bool data holds bytes other than 0 and 1");
  return t;
}

}  // namespace pt2onnx
