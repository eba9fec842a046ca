// Loading an archive with its weights left where they are: the file is mapped (private, so a
// model that writes into a weight changes its own copy, never the file), and LibTorch reads it
// through that mapping. LibTorch reads each weight record into a CPU allocation of the record's
// size; while it loads, such an allocation is lent the record's own bytes in the mapping, and the
// read that follows, finding its bytes already there, copies nothing. The weights then cost no
// allocation, no page clearing and no copy: their pages are the page cache's.
//
// Records are lent by size in file order, the order torch.jit.save writes them and LibTorch reads
// them. Where a guess is wrong (another record of the same size, or a code file whose size matches)
// the read copies into the lent bytes as it would into any allocation: still right, only slower.
#include <c10/core/CPUAllocator.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <torch/script.h>
#include <torch/version.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kAlignment = 64;  // what LibTorch's CPU allocator promises

struct Mapping {
  char* base = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (base) munmap(base, size);
  }
};

// The mapped bytes lent out as tensor storage, each keeping its mapping alive. A global because
// a storage's deleter gets only its data pointer; it outlives every tensor.
struct Lent {
  std::shared_ptr<Mapping> mapping;
  size_t size;
};
std::mutex& lentMutex() {
  static std::mutex m;
  return m;
}
std::unordered_map<void*, Lent>& lent() {
  static auto* map = new std::unordered_map<void*, Lent>();
  return *map;
}

// A freed weight gives back the pages that are wholly its own (a private copy, if it was written
// to); the mapping goes with the last of them. False for memory that was not lent.
bool giveBack(void* data) {
  Lent entry;
  {
    std::lock_guard<std::mutex> lock(lentMutex());
    auto it = lent().find(data);
    if (it == lent().end()) return false;
    entry = std::move(it->second);
    lent().erase(it);
  }
  const auto start = reinterpret_cast<uintptr_t>(data), end = start + entry.size;
  const uintptr_t first = (start + kPage - 1) / kPage * kPage, last = end / kPage * kPage;
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
  return true;
}

void releaseLent(void* data) { giveBack(data); }

// The CPU allocator from the first mapped load on, for the whole process: while an archive loads it
// lends records, otherwise it passes every request to the allocator it replaced. It stays in place
// because raw_allocate()d memory is given back through whichever allocator is current then, and
// only this one knows lent memory from its predecessor's.
class LendingAllocator final : public c10::Allocator {
 public:
  explicit LendingAllocator(c10::Allocator* next) : next_(next) { nextRawDeleter() = next->raw_deleter(); }

  // Lends `records` of `mapping` until finish().
  void begin(std::shared_ptr<Mapping> mapping, const std::vector<ArchiveSpan>& records) {
    std::lock_guard<std::mutex> lock(mutex_);
    mapping_ = std::move(mapping);
    for (const auto& r : records)
      if (r.offset % kAlignment == 0 && r.size >= kPage && r.offset + r.size <= mapping_->size)
        free_[r.size].push_back(r.offset);
    lending_ = true;
  }
  void finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    lending_ = false;
    free_.clear();
    mapping_.reset();
  }

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 2)
  c10::DataPtr allocate(size_t n) override { return lend(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { return lend(n); }
#endif
  c10::DeleterFnPtr raw_deleter() const override { return nextRawDeleter() ? &releaseRaw : nullptr; }

 private:
  static c10::DeleterFnPtr& nextRawDeleter() {
    static c10::DeleterFnPtr deleter = nullptr;
    return deleter;
  }
  static void releaseRaw(void* data) {
    if (!giveBack(data)) nextRawDeleter()(data);
  }

  c10::DataPtr lend(size_t n) const {
    if (!lending_) return next_->allocate(n);
    char* data = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = mapping_ ? free_.find(n) : free_.end();
      if (it == free_.end() || it->second.empty()) return next_->allocate(n);
      data = mapping_->base + it->second.front();
      it->second.pop_front();
      std::lock_guard<std::mutex> lent_lock(lentMutex());
      lent()[data] = Lent{mapping_, n};
    }
    return {data, data, &releaseLent, c10::Device(c10::DeviceType::CPU)};
  }

  c10::Allocator* next_;
  std::atomic<bool> lending_{false};
  mutable std::mutex mutex_;
  std::shared_ptr<Mapping> mapping_;
  mutable std::unordered_map<size_t, std::deque<uint64_t>> free_;  // by size: offsets not lent yet
};

// The archive's bytes, read from the mapping; a read into the bytes it asks for is already done.
class MappedReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit MappedReader(std::shared_ptr<Mapping> mapping) : mapping_(std::move(mapping)) {}
  size_t size() const override { return mapping_->size; }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= mapping_->size) return 0;
    n = std::min<uint64_t>(n, mapping_->size - pos);
    const char* from = mapping_->base + pos;
    if (from != buf) std::memcpy(buf, from, n);
    return n;
  }

 private:
  std::shared_ptr<Mapping> mapping_;
};

std::shared_ptr<Mapping> mapFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st = {};
  auto mapping = std::make_shared<Mapping>();
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* base = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (base != MAP_FAILED) {
      mapping->base = static_cast<char*>(base);
      mapping->size = static_cast<size_t>(st.st_size);
    }
  }
  close(fd);  // the mapping keeps the file
  return mapping->base ? mapping : nullptr;
}

}  // namespace

torch::jit::Module loadMapped(const std::string& path) {
  const std::vector<ArchiveSpan> records = weightRecordSpans(path);
  std::shared_ptr<Mapping> mapping = records.empty() ? nullptr : mapFile(path);
  // Installed once; null when an allocator of higher priority keeps its place.
  static LendingAllocator* lending = [] {
    auto* allocator = new LendingAllocator(c10::GetCPUAllocator());  // storages keep pointers to it
    c10::SetCPUAllocator(allocator);
    return c10::GetCPUAllocator() == allocator ? allocator : nullptr;
  }();
  if (!mapping || !lending) return torch::jit::load(path, torch::kCPU);
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  lending->begin(mapping, records);
  struct Finish {
    LendingAllocator* lending;
    ~Finish() { lending->finish(); }
  } finish{lending};
  return torch::jit::load(std::make_shared<MappedReader>(std::move(mapping)), torch::kCPU);
}

}  // namespace pt2onnx
