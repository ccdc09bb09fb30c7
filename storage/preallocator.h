// Preallocator: keeps zeros written ahead of the last page LMDB uses, from its own thread.
//
// An append-only log grows its data file at nearly every commit, and on ext4 an fdatasync
// that follows a growth must also write the inode (new size, new blocks): one more
// synchronous device round trip per commit (7-18% of the engine's commit time, measured;
// docs/PERFORMANCE.md). When the blocks ahead are already written, LMDB's commits
// overwrite them in place and fdatasync has only the data to flush.
//
// Safety: the zeros are written while holding LMDB's write lock (an empty write
// transaction), only past both the file's end and the last page in use, so no LMDB write
// can land in the same place at the same time; LMDB ignores bytes past its last page.
// Flushing the zeros happens after the lock is released.
//
// Thread safety: construct and destroy from one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/status.h"

namespace brandledger::storage {

class Environment;

class Preallocator {
 public:
  // Starts the thread, which keeps between ahead/2 and `ahead` bytes written past the last
  // page in use. REQUIRES: env outlives the Preallocator; ahead > 0.
  Preallocator(Environment& env, std::size_t ahead);
  ~Preallocator();
  Preallocator(const Preallocator&) = delete;
  Preallocator& operator=(const Preallocator&) = delete;

 private:
  void loop();
  // One round: fills up to `ahead` when less than half is left. Returns the bytes written.
  Result<std::uint64_t> run_once();

  Environment& env_;
  const std::size_t ahead_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace brandledger::storage
