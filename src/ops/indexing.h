// Helpers shared by the indexing converters (index.cpp: reads; index_put.cpp: writes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/context.h"

namespace pt2onnx {

// from, from + 1, ..., to - 1.
std::vector<int64_t> iota(int64_t from, int64_t to);
std::vector<int64_t> inversePerm(const std::vector<int64_t>& perm);
// x transposed by perm; x itself for the identity.
std::string transposed(Context& ctx, const std::string& x, const std::vector<int64_t>& perm);
// Transposition that brings the indexed dims to the front, in order, the others after them.
std::vector<int64_t> indexedFirst(const std::vector<int64_t>& dims, int64_t rank);

// An index counted from the end when negative: idx + size there, idx elsewhere (INT64 tensors).
std::string fromEnd(Context& ctx, const std::string& idx, const std::string& size);

// One element of an aten::index / index_put Tensor?[] list: None, an INT64 index tensor, or a
// BOOL mask (uint8 is PyTorch's legacy mask type).
struct IndexArg {
  bool none = true;
  bool mask = false;
  std::string name;
  int64_t rank = 0;
};

// The Tensor?[] list's elements; nullopt (and why) for an index of a float dtype.
std::optional<std::vector<IndexArg>> readIndexList(Context& ctx, const Value* list, std::string* why);

}  // namespace pt2onnx
