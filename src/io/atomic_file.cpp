// Output files that appear whole or not at all, and the signal handlers that remove their temporary files.
#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {
namespace {

// Temporary files the signal handler removes. A handler may only call async-signal-safe functions,
// so the paths live in fixed buffers and a slot is published by an atomic flag.
constexpr int kSlots = 8;
constexpr size_t kPathMax = 4096;
char slot_paths[kSlots][kPathMax];
std::atomic<bool> slot_used[kSlots];

// Direct I/O: the staging buffer's size and alignment (a multiple of any logical block size).
constexpr size_t kStagingBytes = 8u << 20;
constexpr size_t kDirectAlignment = 4096;

int claimSlot(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    if (slot_used[i].load()) continue;
    std::memcpy(slot_paths[i], path.c_str(), path.size() + 1);
    slot_used[i].store(true);
    return i;
  }
  return -1;
}

void releaseSlot(int slot) {
  if (slot >= 0) slot_used[slot].store(false);
}

// Async-signal-safe: what the handlers below do before the process ends.
void removeTemporaryFiles() {
  for (int i = 0; i < kSlots; ++i)
    if (slot_used[i].load()) unlink(slot_paths[i]);
}

extern "C" void onTerminatingSignal(int sig) {
  removeTemporaryFiles();
  _exit(kSignalExitBase + sig);
}

// The weights are read from a mapping of the model file (src/frontend/mapped_load.cpp): a file cut
// short while it is converted (saved again in place, say) ends the run at the first weight past its
// new end, with SIGBUS. That is the model input's fault, said as such.
extern "C" void onMappedFileShrank(int) {
  static const char message[] =
      "pt2onnx: error: the model file was cut short or rewritten while it was being converted; convert "
      "it again once nothing writes to it\n";
  removeTemporaryFiles();
  ssize_t ignored = write(STDERR_FILENO, message, sizeof(message) - 1);
  (void)ignored;
  _exit(static_cast<int>(ExitCode::kModelInput));
}

std::string hintFor(int error) {
  switch (error) {
    case ENOSPC:
    case EDQUOT:
      return "; free some space or write elsewhere with -o";
    case EFBIG:
      return "; raise the limit or write elsewhere with -o";
    case EACCES:
    case EPERM:
    case EROFS:
      return "; choose a location you can write with -o";
    default:
      return "";
  }
}

[[noreturn]] void throwWriteError(const std::string& target, int error, const std::string& during = "") {
  throw Error(ExitCode::kOutputWrite, "cannot write '" + target + "': " + describeWriteError(error) +
                                          (during.empty() ? "" : " (" + during + ")") + hintFor(error));
}

}  // namespace

void installSignalCleanup() {
  // Past a file size limit (ulimit -f) a write then fails with EFBIG, which is reported, instead
  // of SIGXFSZ killing the process with the temporary file in place.
  std::signal(SIGXFSZ, SIG_IGN);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old = {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction action = {};
    action.sa_handler = onTerminatingSignal;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, nullptr);
  }
  struct sigaction bus = {};
  bus.sa_handler = onMappedFileShrank;
  sigemptyset(&bus.sa_mask);
  sigaction(SIGBUS, &bus, nullptr);
}

std::string describeWriteError(int error) {
  switch (error) {
    case ENOSPC:
      return "no space left on device";
    case EDQUOT:
      return "disk quota exceeded";
    case EFBIG:
      return "file too large (a file size limit, see ulimit -f)";
    case EACCES:
    case EPERM:
      return "permission denied";
    case EROFS:
      return "read-only file system";
    case EIO:
      return "input/output error on the device";
    default: {
      std::string text = std::strerror(error);
      if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
      return text;
    }
  }
}

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  temp_ = target_ + ".tmp" + std::to_string(getpid());
  slot_ = claimSlot(temp_);  // before the file exists, so a signal never leaves it behind
  fd_ = open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0666);
  direct_ = fd_ >= 0;
  if (fd_ < 0 && errno == EINVAL)  // no direct I/O on this file system
    fd_ = open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int error = errno;
    releaseSlot(slot_);
    throwWriteError(target_, error);
  }
  created_ = true;
  // A replaced output keeps its permissions.
  struct stat st = {};
  if (stat(target_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) fchmod(fd_, st.st_mode & 07777);
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  stopWriter();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (created_) unlink(temp_.c_str());
  created_ = false;
  releaseSlot(slot_);
  slot_ = -1;
}

void AtomicFile::fail(int error) {
  discard();
  throwWriteError(target_, error);
}

void AtomicFile::Free::operator()(char* p) const { std::free(p); }

void AtomicFile::write(const void* data, size_t size) {
  if (int error = append(data, size)) fail(error);
}

int AtomicFile::writeOut(const char* p, size_t size) noexcept {
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && direct_) {  // the file system refused direct I/O after all
      stopDirect();
      continue;
    }
    if (n < 0) return errno;
    if (n == 0) return EIO;
    p += n;
    size -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  return 0;
}

void AtomicFile::stopDirect() noexcept {
  const int flags = fcntl(fd_, F_GETFL);
  if (flags >= 0) fcntl(fd_, F_SETFL, flags & ~O_DIRECT);
  direct_ = false;
}

int AtomicFile::drainStaging() noexcept {
  if (int error = finishWrites()) return error;
  const size_t n = staged_;
  staged_ = 0;
  // Only whole buffers keep the file offset aligned; the tail goes out through the page cache.
  if (n != kStagingBytes && direct_) stopDirect();
  return writeOut(staging_[filling_].get(), n);
}

// Gives the full buffer to the writer thread (once the one before it is written) and goes on in
// the other.
int AtomicFile::handOff() noexcept {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return pending_ < 0; });
    if (write_error_) return write_error_;
    pending_ = filling_;
  }
  if (!writer_.joinable()) {
    try {
      writer_ = std::thread([this] { writerLoop(); });
    } catch (const std::system_error&) {  // no thread: written here instead
      {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ = -1;
      }
      return drainStaging();
    }
  }
  changed_.notify_all();
  filling_ ^= 1;
  staged_ = 0;
  if (!staging_[filling_]) {
    staging_[filling_].reset(static_cast<char*>(std::aligned_alloc(kDirectAlignment, kStagingBytes)));
    if (!staging_[filling_]) {  // no second buffer: wait for the first and take it back
      if (int error = finishWrites()) return error;
      filling_ ^= 1;
    }
  }
  return 0;
}

void AtomicFile::writerLoop() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return pending_ >= 0 || stop_; });
    if (pending_ < 0) return;
    const int buffer = pending_;
    lock.unlock();
    const int error = writeOut(staging_[buffer].get(), kStagingBytes);
    lock.lock();
    if (error && !write_error_) write_error_ = error;
    pending_ = -1;
    changed_.notify_all();
  }
}

// Waits for the background write, if any; returns the errno of the first that failed.
int AtomicFile::finishWrites() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return pending_ < 0; });
  return write_error_;
}

void AtomicFile::stopWriter() noexcept {
  if (!writer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  writer_.join();
}

int AtomicFile::append(const void* data, size_t size) noexcept {
  const char* p = static_cast<const char*>(data);
  if (direct_ && !staging_[filling_]) {
    staging_[filling_].reset(static_cast<char*>(std::aligned_alloc(kDirectAlignment, kStagingBytes)));
    if (!staging_[filling_]) stopDirect();
  }
  if (!direct_) {
    if (staged_ > 0) {
      if (int error = drainStaging()) return error;
    } else if (int error = finishWrites()) {
      return error;
    }
    return writeOut(p, size);
  }
  while (size > 0) {
    const size_t n = std::min(size, kStagingBytes - staged_);
    std::memcpy(staging_[filling_].get() + staged_, p, n);
    staged_ += n;
    p += n;
    size -= n;
    if (staged_ == kStagingBytes)
      if (int error = handOff()) return error;
  }
  return 0;
}

uint64_t AtomicFile::commit() {
  if (int error = staged_ > 0 ? drainStaging() : finishWrites()) fail(error);
  stopWriter();
  // Without the fsync a crash after the rename could leave an empty or partial file in place of
  // the old one on file systems that delay allocation.
  if (fsync(fd_) != 0) {
    const int error = errno;
    discard();
    throwWriteError(target_, error, "flushing to disk");
  }
  struct stat st = {};
  if (fstat(fd_, &st) == 0) size_ = static_cast<uint64_t>(st.st_size);
  const int closed = close(fd_);
  fd_ = -1;
  if (closed != 0) {
    const int error = errno;
    discard();
    throwWriteError(target_, error, "closing");
  }
  if (std::rename(temp_.c_str(), target_.c_str()) != 0) {
    const int error = errno;
    discard();
    throwWriteError(target_, error, "renaming the temporary file into place");
  }
  created_ = false;
  releaseSlot(slot_);
  slot_ = -1;
  // The rename itself reaches the disk only with the directory.
  std::filesystem::path dir = std::filesystem::path(target_).parent_path();
  int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return size_;
}

}  // namespace pt2onnx
