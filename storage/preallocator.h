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
// Disk space: the zeros ahead are kept within a share of the filesystem's free space, and a
// floor is always left free (preallocation_goal), so that on a small or nearly full disk the
// preallocator holds back instead of taking what other programs (or the log itself) need.
// It logs once when it starts holding back and once when it fills again, and real errors
// once per kind, never a line per round.
//
// Thread safety: construct and destroy from one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace brandledger::storage {

class Environment;

// How far past the last page in use (`used`) the file should reach, given how far it
// reaches now (`end`), the wanted `ahead`, and the filesystem's `free` and `total` bytes:
// at most `ahead`, and the zeros still to write never more than half of what is free above
// the floor (the larger of 64 MiB and a twentieth of the filesystem). Never below `end`:
// zeros already written stay.
std::uint64_t preallocation_goal(std::uint64_t used, std::uint64_t end, std::uint64_t ahead,
                                 std::uint64_t free, std::uint64_t total);

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
  // One round: fills up to `ahead` when less than half is left, within the disk's budget.
  struct Round {
    std::uint64_t written = 0;
    bool held_back = false;  // wanted more, but the disk had no room to spare
  };
  Result<Round> run_once();

  // What the last round did, so that a change of state is logged once.
  enum class State { kFilling, kHoldingBack, kFailing };
  void report(State state, const std::string& detail);

  Environment& env_;
  const std::size_t ahead_;
  State state_ = State::kFilling;  // loop thread only
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace brandledger::storage
