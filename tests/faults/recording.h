// The format of a write recording: what tests/faults/write_recorder.cpp writes while the
// real server runs, and what the crash-state generator reads.
//
// A recording is a sequence of records, each a RecordHeader and `payload` bytes after it.
// Records are numbered from 0 in the order the operations completed: the recorder holds one
// lock around each operation on a data file and its record, so the numbering is an order in
// which the operations really happened. The counter file holds the number of records written
// so far; a client that reads it after an answer knows that every operation the answer
// depended on has a number below what it read.
#pragma once

#include <cstdint>

namespace brandledger::powerloss {

enum class RecordKind : std::uint32_t {
  // A data file seen for the first time: `file` is its number, the payload its name.
  kFile = 1,
  // Bytes written at `offset` (payload: the bytes; none if kZeros is set, `length` zeros).
  kWrite = 2,
  // fsync or fdatasync of `file` (or sync/syncfs: every file, `file` = kEveryFile): every
  // write to it recorded before this one is on the disk.
  kBarrier = 3,
  // ftruncate to `length`.
  kTruncate = 4,
  // fallocate(`flags` = mode) of [offset, offset + length).
  kAllocate = 5,
  // Something the crash model does not cover (a data file created or renamed, a writable
  // shared mapping, a descriptor past the table): the payload says what. A recording with
  // one is refused by the generator rather than silently trusted.
  kUnsupported = 6,
};

enum RecordFlags : std::uint32_t {
  kZeros = 1,      // a write of zeros only; the bytes are not stored
  kDataSync = 2,   // written through an O_DSYNC/O_SYNC descriptor: on the disk once returned
};

inline constexpr std::uint32_t kEveryFile = 0xffffffffu;

struct RecordHeader {
  RecordKind kind;
  std::uint32_t file;
  std::uint64_t offset;
  std::uint64_t length;
  std::uint32_t flags;
  std::uint32_t payload;  // bytes that follow the header
};
static_assert(sizeof(RecordHeader) == 32);

}  // namespace brandledger::powerloss
