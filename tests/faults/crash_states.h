// From a write recording (recording.h), the files a power cut could leave behind.
//
// The model (the one ALICE and CrashMonkey use for a single file system, and SQLite's crash
// tests for a disk): a power cut after the first `crash_point` records lost the page cache.
// What had been made durable stays — every write to a file before that file's last completed
// barrier (fsync, fdatasync, sync) and every write through an O_DSYNC descriptor that had
// returned. Any other write issued before the cut may be on the disk or not, independently
// of the others and of their order, and each of its 512-byte sectors on its own: a write
// can be torn. Overlapping writes that both survive leave the later one's bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/faults/recording.h"

namespace brandledger::powerloss {

struct Operation {
  RecordHeader header;
  std::string payload;
};

struct Recording {
  std::vector<Operation> operations;  // by record number
  std::vector<std::string> files;     // by file number
  std::vector<std::string> unsupported;
  std::size_t barriers = 0, writes = 0;
};

// Reads a recording; throws std::runtime_error on a torn or unknown record.
Recording read_recording(const std::filesystem::path& path);

// A file's contents, kept whole in memory (the test's files are a few MiB plus zeros).
using Image = std::string;

struct CrashState {
  std::size_t crash_point = 0;       // records that happened before the cut
  std::map<std::string, Image> files;  // by name
  std::size_t durable = 0;   // writes that were durable at the cut
  std::size_t pending = 0;   // writes that might have been lost
  std::size_t kept = 0;      // pending writes that survived whole
  std::size_t torn = 0;      // pending writes that survived in part
  std::string describe() const;
};

class CrashStateGenerator {
 public:
  // `base`: each data file as it was when the recording started (by name).
  CrashStateGenerator(const Recording& recording, std::map<std::string, Image> base,
                      std::uint64_t seed);

  // The next state of the seeded random walk: a crash point (half of them just before a
  // barrier completes or just after a synchronous write, where the most is pending), and a
  // choice for each pending write (every eighth state keeps none, every eighth all).
  CrashState next();

  // The state at `crash_point` keeping every pending write (true) or none (false).
  CrashState at(std::size_t crash_point, bool keep_pending);

 private:
  enum class Keep { kNone, kAll, kRandom };
  CrashState make(std::size_t crash_point, Keep keep);

  const Recording& recording_;
  std::map<std::string, Image> base_;
  std::mt19937_64 random_;
  std::vector<std::size_t> edges_;  // crash points next to barriers and synchronous writes
};

// Writes each file of `state` into `dir` (created), leaving zero blocks as holes.
void write_state(const CrashState& state, const std::filesystem::path& dir);

}  // namespace brandledger::powerloss
