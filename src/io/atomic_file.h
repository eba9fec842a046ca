// Output files that appear whole or not at all: a temporary file beside the target, fsync, rename, directory fsync.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace pt2onnx {

// Exit code of a run ended by a signal: 128 + the signal number (130 for SIGINT, 143 for SIGTERM,
// 129 for SIGHUP), as shells report it.
constexpr int kSignalExitBase = 128;

// installSignalCleanup() (include/pt2onnx/pt2onnx.h) removes every temporary file an AtomicFile
// holds open when a signal ends the run.

// "no space left on device", "permission denied", "read-only file system", ... for an errno.
std::string describeWriteError(int error);

// A file written as `<target>.tmp<pid>` and renamed onto the target by commit(). Until then the
// target (if any) is untouched; the destructor, a failure, or a signal removes the temporary file.
// Every failure throws Error(kOutputWrite) naming the target and the cause.
//
// Where the file system takes direct I/O, the bytes go to the disk through aligned staging
// buffers (O_DIRECT) instead of the page cache: copying gigabytes of weights into the page cache
// costs more than the disk write itself, and the cache would only hold data this process never
// reads again. Two buffers take turns: while a thread writes a full one to the disk, append()
// fills the other. Elsewhere (tmpfs, say) writes are ordinary.
class AtomicFile {
 public:
  explicit AtomicFile(std::string target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& tempPath() const { return temp_; }
  void write(const void* data, size_t size);
  // As write(), but returns the errno of a failure (0 when written) instead of throwing.
  int append(const void* data, size_t size) noexcept;
  // Throws the error of a failed append() (errno as the write call left it).
  [[noreturn]] void fail(int error);
  // Flushes the file to disk, renames it onto the target and flushes the directory entry.
  // Returns the file's size.
  uint64_t commit();

 private:
  void discard();
  int writeOut(const char* data, size_t size) noexcept;
  int drainStaging() noexcept;
  void stopDirect() noexcept;
  int handOff() noexcept;
  int finishWrites() noexcept;
  void stopWriter() noexcept;
  void writerLoop() noexcept;

  struct Free {
    void operator()(char* p) const;
  };

  std::string target_;
  std::string temp_;
  int fd_ = -1;
  int slot_ = -1;         // in the signal handler's list (-1: the path did not fit)
  bool created_ = false;  // the temporary file exists and is ours to remove
  uint64_t size_ = 0;
  std::atomic<bool> direct_{false};         // opened with O_DIRECT: whole staging buffers go out aligned
  std::unique_ptr<char, Free> staging_[2];  // kStagingBytes each, page-aligned, made when first needed
  int filling_ = 0;                         // the buffer append() fills
  size_t staged_ = 0;                       // bytes in it
  // The background write of a full buffer: one at a time, on writer_.
  std::thread writer_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int pending_ = -1;  // the buffer handed to writer_ and not yet written, or -1
  bool stop_ = false;
  int write_error_ = 0;  // errno of a failed background write
};

}  // namespace pt2onnx
