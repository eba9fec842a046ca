// Recognizing what a model path holds before torch::jit::load sees it: TorchScript, or another
// kind of file (ONNX, a torch.save pickle, a TorchScript mobile file, ...) named with what to do.
#include <onnx/onnx_pb.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

constexpr char kSaveHint[] =
    "save the model as TorchScript with torch.jit.trace(model, example).save(PATH) or "
    "torch.jit.script(model).save(PATH)";

std::string readRange(std::ifstream& in, uint64_t offset, uint64_t size) {
  std::string bytes(size, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

uint64_t le(const std::string& b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

struct ZipEntry {
  std::string name;
  uint64_t local_offset;
  uint64_t size;  // as stored (compressed size)
  int method;
  uint64_t crc;
  uint64_t uncompressed;
};

// A zip64 extra field (id 1) holds, in this order, the 64-bit values of the central directory's
// uncompressed size, compressed size and local header offset that read 0xFFFFFFFF.
void readZip64Extra(const std::string& extra, uint64_t& uncompressed, uint64_t& size, uint64_t& local_offset) {
  for (size_t x = 0; x + 4 <= extra.size();) {
    const size_t id = le(extra, x, 2), len = le(extra, x + 2, 2);
    if (x + 4 + len > extra.size()) return;
    if (id == 1) {
      size_t p = x + 4;
      for (uint64_t* v : {&uncompressed, &size, &local_offset})
        if (*v == 0xFFFFFFFF && p + 8 <= x + 4 + len) {
          *v = le(extra, p, 8);
          p += 8;
        }
      return;
    }
    x += 4 + len;
  }
}

// The end of the file where a zip's end-of-central-directory record is (22 bytes and a comment of
// up to 64 KiB), and the position of that record in it (npos: none).
std::pair<std::string, size_t> zipTail(std::ifstream& in, uint64_t file_size) {
  const uint64_t tail_size = std::min<uint64_t>(file_size, 65557);
  std::string tail = readRange(in, file_size - tail_size, tail_size);
  const size_t eocd = tail.rfind(std::string("PK\x05\x06", 4));
  return {std::move(tail), eocd};
}

// The central directory of a zip file, or nullopt when the file ends before it (truncated).
std::optional<std::vector<ZipEntry>> zipEntries(std::ifstream& in, uint64_t file_size) {
  const auto [tail, eocd] = zipTail(in, file_size);
  if (eocd == std::string::npos || eocd + 22 > tail.size()) return std::nullopt;
  uint64_t entries = le(tail, eocd + 10, 2), cd_size = le(tail, eocd + 12, 4), cd_offset = le(tail, eocd + 16, 4);
  if ((entries == 0xFFFF || cd_offset == 0xFFFFFFFF) && eocd >= 20 &&
      tail.compare(eocd - 20, 4, std::string("PK\x06\x07", 4)) == 0) {
    const std::string z64 = readRange(in, le(tail, eocd - 20 + 8, 8), 56);
    if (z64.size() < 56 || z64.compare(0, 4, std::string("PK\x06\x06", 4)) != 0) return std::nullopt;
    entries = le(z64, 32, 8);
    cd_size = le(z64, 40, 8);
    cd_offset = le(z64, 48, 8);
  }
  // Zip64 sizes are 64-bit: compared without a sum that could wrap around.
  if (cd_offset > file_size || cd_size > file_size - cd_offset) return std::nullopt;
  const std::string cd = readRange(in, cd_offset, cd_size);
  std::vector<ZipEntry> out;
  for (size_t at = 0; out.size() < entries && at + 46 <= cd.size();) {
    if (cd.compare(at, 4, std::string("PK\x01\x02", 4)) != 0) return std::nullopt;
    const size_t name_len = le(cd, at + 28, 2), extra_len = le(cd, at + 30, 2), comment_len = le(cd, at + 32, 2);
    if (at + 46 + name_len + extra_len > cd.size()) return std::nullopt;
    ZipEntry entry{cd.substr(at + 46, name_len),         le(cd, at + 42, 4), le(cd, at + 20, 4),
                   static_cast<int>(le(cd, at + 10, 2)), le(cd, at + 16, 4), le(cd, at + 24, 4)};
    readZip64Extra(cd.substr(at + 46 + name_len, extra_len), entry.uncompressed, entry.size, entry.local_offset);
    out.push_back(entry);
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

// Where an entry's bytes start: after its local header (the signature, 26 bytes of fields, then a
// name and an extra field of the lengths it gives), or nullopt when that header is missing.
std::optional<uint64_t> dataOffset(std::ifstream& in, const ZipEntry& entry) {
  const std::string header = readRange(in, entry.local_offset, 30);
  if (header.size() < 30 || header.compare(0, 4, std::string("PK\x03\x04", 4)) != 0) return std::nullopt;
  return entry.local_offset + 30 + le(header, 26, 2) + le(header, 28, 2);
}

// What is wrong with an entry's bytes, or "" when nothing is: they must lie inside the file and,
// stored (weights, as torch.jit.save writes them) or deflated (code, pickles), give the size and
// CRC-32 the central directory records. LibTorch 1.13 checks neither: a damaged code or pickle
// entry can crash its TorchScript parser, and a damaged weight would silently change the model.
// `contents` false checks only where the bytes are; `stop`, when set, ends the check early.
std::string entryProblem(std::ifstream& in, const ZipEntry& entry, uint64_t file_size, bool contents = true,
                         const std::atomic<bool>* stop = nullptr) {
  const std::optional<uint64_t> start = dataOffset(in, entry);
  if (!start) return "its local header is missing";
  const uint64_t data = *start;
  if (data > file_size || entry.size > file_size - data) return "its data runs past the end of the file";
  if (!contents) return "";
  if (entry.method != 0 && entry.method != 8) return "";  // LibTorch reports what it cannot read
  z_stream zs{};
  if (entry.method == 8 && inflateInit2(&zs, -MAX_WBITS) != Z_OK) return "";
  std::vector<unsigned char> buffer(std::min<uint64_t>(entry.size, 1 << 20)), out(entry.method == 8 ? 1 << 16 : 0);
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t produced = 0;
  int status = Z_OK;
  in.clear();
  in.seekg(static_cast<std::streamoff>(data));
  for (uint64_t left = entry.size; left > 0 && status == Z_OK;) {
    if (stop && stop->load()) return "";
    const uint64_t n = std::min<uint64_t>(left, buffer.size());
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(n));
    if (static_cast<uint64_t>(in.gcount()) != n) {
      if (entry.method == 8) inflateEnd(&zs);
      return "its data runs past the end of the file";
    }
    left -= n;
    if (entry.method == 0) {
      crc = crc32(crc, buffer.data(), static_cast<uInt>(n));
      produced += n;
      continue;
    }
    zs.next_in = buffer.data();
    zs.avail_in = static_cast<uInt>(n);
    do {  // until this input is used up and no output is pending
      zs.next_out = out.data();
      zs.avail_out = static_cast<uInt>(out.size());
      status = inflate(&zs, Z_NO_FLUSH);
      const uint64_t got = out.size() - zs.avail_out;
      crc = crc32(crc, out.data(), static_cast<uInt>(got));
      produced += got;
    } while (status == Z_OK && (zs.avail_in > 0 || zs.avail_out == 0) && produced <= entry.uncompressed);
    if (status == Z_BUF_ERROR) status = Z_OK;  // it needs the next input
  }
  if (entry.method == 8) inflateEnd(&zs);
  if (status != (entry.method == 8 ? Z_STREAM_END : Z_OK)) return "its compressed data is damaged";
  if (produced != entry.uncompressed || crc != entry.crc)
    return "its bytes do not match their size and CRC-32 checksum (they changed after it was saved)";
  return "";
}

// The first megabyte of a stored (uncompressed) zip entry, as torch.save writes them.
std::string entryBytes(std::ifstream& in, const ZipEntry& entry) {
  if (entry.method != 0) return "";
  const std::string header = readRange(in, entry.local_offset, 30);
  if (header.size() < 30) return "";
  const uint64_t data = entry.local_offset + 30 + le(header, 26, 2) + le(header, 28, 2);
  return readRange(in, data, std::min<uint64_t>(entry.size == 0xFFFFFFFF ? 1 << 20 : entry.size, 1 << 20));
}

// The classes a protocol-2 pickle names with GLOBAL: 'c' module '\n' name '\n' (module
// [A-Za-z_][\w.]*, name [A-Za-z_]\w*). Scanned by hand, names up to 256 characters: a regex over a
// damaged file can exhaust the stack.
std::vector<std::pair<std::string, std::string>> pickleGlobals(const std::string& pickle) {
  auto word = [](char c, bool dots) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (dots && c == '.');
  };
  auto name = [&](size_t at, bool dots) -> size_t {  // end of a name starting at `at`, or npos
    if (at >= pickle.size() || !word(pickle[at], false) || std::isdigit(static_cast<unsigned char>(pickle[at])))
      return std::string::npos;
    size_t end = at;
    while (end < pickle.size() && end - at < 256 && word(pickle[end], dots)) ++end;
    return end < pickle.size() && pickle[end] == '\n' ? end : std::string::npos;
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t c = pickle.find('c'); c != std::string::npos; c = pickle.find('c', c + 1)) {
    const size_t module_end = name(c + 1, true);
    if (module_end == std::string::npos) continue;
    const size_t name_end = name(module_end + 1, false);
    if (name_end == std::string::npos) continue;
    out.emplace_back(pickle.substr(c + 1, module_end - c - 1),
                     pickle.substr(module_end + 1, name_end - module_end - 1));
    c = name_end;  // the next GLOBAL starts after this one (not at a 'c' inside its names)
  }
  return out;
}

// What a torch.save pickle (data.pkl, or a legacy file) holds, from the classes it names.
std::string describePickle(const std::string& pickle, const std::string& format) {
  static const std::set<std::string> kDataModules = {
      "collections", "torch._utils", "torch", "builtins", "_codecs", "numpy", "numpy.core.multiarray"};
  for (const auto& [module, name] : pickleGlobals(pickle)) {
    if (kDataModules.count(module)) continue;
    return "a whole Python module pickled with torch.save(model) (" + format + ", class " + module + "." + name +
           "), not TorchScript; load it in Python, then " + kSaveHint;
  }
  for (const char* key : {"optimizer", "epoch", "state_dict"})
    if (pickle.find(key) != std::string::npos)
      return std::string("a training checkpoint saved with torch.save (") + format +
             ": weights and training state, no code); in Python, load the weights into the model "
             "(model.load_state_dict(...)), then " +
             kSaveHint;
  return "a state_dict saved with torch.save (" + format +
         ": weights only, no code); in Python, load it into the model "
         "(model.load_state_dict(torch.load(PATH))), then " +
         kSaveHint;
}

[[noreturn]] void otherFormat(const std::string& path, const std::string& what) {
  throw Error(ExitCode::kModelFormat, "'" + path + "' is " + what);
}

[[noreturn]] void damaged(const std::string& path, const ZipEntry& entry, const std::string& problem) {
  throw Error(ExitCode::kModelInput, "'" + path + "' is a damaged zip archive: entry '" + entry.name + "': " + problem +
                                         "; copy or save it again");
}

// A tensor's bytes (stored entries under "<folder>/data/"): damage there cannot crash LibTorch's
// loader, only change the weights, so their checksums may be checked while the model loads.
bool weightEntry(const ZipEntry& e) {
  const size_t slash = e.name.find('/');
  return e.method == 0 && slash != std::string::npos && e.name.compare(slash + 1, 5, "data/") == 0;
}

// Checks the archive's entries; the contents of weight entries are left to check later when
// `deferred` is given, which receives them.
void checkZip(std::ifstream& in, const std::string& path, uint64_t size, std::vector<ZipEntry>* deferred) {
  auto entries = zipEntries(in, size);
  if (!entries)
    throw Error(ExitCode::kModelInput, "'" + path + "' is a truncated or damaged zip archive (" + std::to_string(size) +
                                           " bytes; its central directory is missing): copy or save it again");
  bool code = false, bytecode = false;
  const ZipEntry* data_pkl = nullptr;
  for (const auto& e : *entries) {
    // Entries sit under one folder named after the archive: "<folder>/code/...", "<folder>/data.pkl".
    const size_t slash = e.name.find('/');
    const std::string rel = slash == std::string::npos ? e.name : e.name.substr(slash + 1);
    if (rel.rfind("code/", 0) == 0) code = true;
    if (rel == "bytecode.pkl") bytecode = true;
    if (rel == "data.pkl") data_pkl = &e;
  }
  if (code) {
    for (const auto& e : *entries) {
      const bool later = deferred && weightEntry(e);
      if (const std::string problem = entryProblem(in, e, size, !later); !problem.empty()) damaged(path, e, problem);
      if (later) deferred->push_back(e);
    }
    return;
  }
  if (bytecode)
    otherFormat(path,
                "a TorchScript mobile (lite interpreter) file with bytecode only, which pt2onnx cannot read; save the "
                "full TorchScript "
                "module with torch.jit.script(model).save(PATH) instead of _save_for_lite_interpreter");
  if (data_pkl)
    otherFormat(path, "not a TorchScript archive but " + describePickle(entryBytes(in, *data_pkl), "a zip archive"));
  std::string names;
  for (size_t i = 0; i < entries->size() && i < 3; ++i) names += (i ? ", '" : "'") + (*entries)[i].name + "'";
  otherFormat(path, "a zip archive with no TorchScript code in it (no code/ folder" +
                        (names.empty() ? std::string("; it is empty") : "; it holds " + names) + "); " + kSaveHint);
}

// An ONNX ModelProto starts with field 1 (ir_version, a varint: tag 0x08) and parses with a graph.
void checkOnnx(const std::string& path) {
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  if (!model.ParseFromIstream(&in) || !model.has_graph() || model.opset_import_size() == 0) return;
  std::string opset;
  for (const auto& op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") opset = std::to_string(op.version());
  otherFormat(path, "already an ONNX model (" + (opset.empty() ? std::string("no default opset") : "opset " + opset) +
                        (model.producer_name().empty() ? "" : ", made by " + model.producer_name()) +
                        "); it needs no conversion (pt2onnx converts TorchScript .pt archives)");
}

}  // namespace

struct WeightCheck::State {
  std::string path;
  uint64_t size = 0;
  std::vector<ZipEntry> entries;
  std::atomic<bool> stop{false};
  std::optional<ZipEntry> bad;
  std::string problem;
  std::thread thread;
};

WeightCheck::WeightCheck() = default;
WeightCheck::WeightCheck(WeightCheck&&) noexcept = default;
WeightCheck& WeightCheck::operator=(WeightCheck&&) noexcept = default;

WeightCheck::~WeightCheck() {
  if (!state_) return;
  state_->stop = true;
  if (state_->thread.joinable()) state_->thread.join();
}

void WeightCheck::wait() {
  if (!state_) return;
  if (state_->thread.joinable()) state_->thread.join();
  if (state_->bad) damaged(state_->path, *state_->bad, state_->problem);
}

WeightCheck startModelFileCheck(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(ExitCode::kModelInput, "model file '" + path + "' does not exist");
  if (fs::is_directory(path, ec))
    throw Error(ExitCode::kModelInput, "model path '" + path + "' is a directory, not a .pt file");
  std::ifstream in(path, std::ios::binary);
  if (!in.good())
    throw Error(ExitCode::kModelInput, "model file '" + path + "' cannot be read (check its permissions)");
  const uint64_t size = fs::file_size(path, ec);
  if (ec || !fs::is_regular_file(path, ec)) return {};  // a pipe or device: let LibTorch try
  if (size == 0)
    throw Error(ExitCode::kModelInput, "model file '" + path + "' is empty (0 bytes); save the model again");
  const std::string head = readRange(in, 0, 16);
  // LibTorch takes "PTMF" at offset 4 for a flatbuffer before it looks for a zip, so a zip whose
  // bytes 4-7 say so (damaged) is read as one too; its sizes are not checked (a 15 GB allocation).
  if (head.size() >= 8 && head.compare(4, 4, "PTMF") == 0)
    otherFormat(path,
                "a TorchScript mobile (lite interpreter) flatbuffer file, which pt2onnx cannot read; save the full "
                "TorchScript module "
                "with torch.jit.script(model).save(PATH) instead of _save_for_lite_interpreter");
  WeightCheck check;
  check.state_ = std::make_unique<WeightCheck::State>();
  WeightCheck::State& state = *check.state_;
  state.path = path;
  state.size = size;
  auto start = [&state] {
    if (state.entries.empty()) return;
    state.thread = std::thread([&state] {
      std::ifstream file(state.path, std::ios::binary);
      for (const auto& e : state.entries) {
        std::string problem = entryProblem(file, e, state.size, true, &state.stop);
        if (state.stop) return;
        if (!problem.empty()) {
          state.bad = e;
          state.problem = std::move(problem);
          return;
        }
      }
    });
  };
  if (head.compare(0, 2, "PK") == 0) {
    checkZip(in, path, size, &state.entries);
    start();
    return check;
  }
  // A pickle starts with PROTO (0x80) and its version; torch.save's legacy format first pickles a
  // magic number (0x1950a86a20f9469cfc6c, a LONG1 of 10 bytes).
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x80 && head[1] >= 2 && head[1] <= 5) {
    const bool legacy = head.size() >= 4 && static_cast<unsigned char>(head[2]) == 0x8a && head[3] == 10;
    otherFormat(path, "not a TorchScript archive but " +
                          describePickle(readRange(in, 0, 1 << 20),
                                         legacy ? "the legacy non-zip format" : "a plain Python pickle"));
  }
  if (head[0] == 0x08) checkOnnx(path);
  // LibTorch finds a zip by its end record, whatever the first bytes are (a damaged "PK").
  if (zipTail(in, size).second != std::string::npos) checkZip(in, path, size, &state.entries);
  start();
  return check;
}

void checkModelFile(const std::string& path) { startModelFileCheck(path).wait(); }

std::vector<ArchiveSpan> weightRecordSpans(const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in.good()) return {};
  const auto entries = zipEntries(in, size);
  if (!entries) return {};
  std::vector<ArchiveSpan> out;
  for (const auto& e : *entries) {
    if (!weightEntry(e) || e.size != e.uncompressed) continue;
    const std::optional<uint64_t> data = dataOffset(in, e);
    if (data && *data <= size && e.size <= size - *data) out.push_back({*data, e.size});
  }
  std::sort(out.begin(), out.end(), [](const ArchiveSpan& a, const ArchiveSpan& b) { return a.offset < b.offset; });
  return out;
}

std::optional<std::string> operatorLibrary(const std::string& op) {
  const std::string ns = op.substr(0, op.find("::"));
  if (ns == "aten" || ns == "prim" || ns == "quantized" || ns == "prepacked" || ns == op) return std::nullopt;
  static const std::map<std::string, std::string> kLibraries = {
      {"torchvision", "torchvision"},   {"torchaudio", "torchaudio"},
      {"torchtext", "torchtext"},       {"torch_scatter", "torch-scatter"},
      {"torch_sparse", "torch-sparse"}, {"torch_cluster", "torch-cluster"},
      {"detectron2", "detectron2"},     {"mmcv", "mmcv"}};
  auto it = kLibraries.find(ns);
  return it == kLibraries.end() ? ns : it->second;  // a custom library: known by its namespace
}

}  // namespace pt2onnx
