// Environment: one LMDB environment (one directory) and the named tables opened in it.
//
// Opened once per process and shared; the tables are opened (created if missing) at start
// and never again. The stored schema version is checked at open: a data dir written by a
// newer format is refused with a clear message. Readers left behind by crashed processes are
// cleared at open.
//
// The memory map is reserved once, at open, at its full configured size (map_size: 1 TiB
// on 64-bit), and never resized: resizing needs every transaction of the process closed,
// which would make the writer wait for the longest reader. The map is address space only;
// the data file grows as pages are used. A write that finds the map full fails with
// MapFull and leaves nothing behind.
//
// Thread safety: every method is safe from any thread. LMDB allows one write transaction
// at a time (others wait); read transactions run beside it without blocking it, and
// nothing in this process makes a writer wait for a reader.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/table.h"
#include "storage/transaction.h"

struct MDB_env;

namespace brandledger::storage {

class Preallocator;

// The on-disk format this build reads and writes (see storage/codec.h). Older formats are
// upgraded in place when opened for writing (storage/upgrade.h).
//   1  the first format
//   2  the idempotency table keeps an append's positions only
//   3  a `secrets` table for credentials, outside the log
inline constexpr std::uint32_t kSchemaVersion = 3;
// The meta key that holds it.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";

// The default map size: 1 TiB of address space on 64-bit (a 47-bit user address space
// holds over a hundred), 1 GiB where addresses are 32 bits. Under ThreadSanitizer, whose
// shadow memory leaves programs a few smaller ranges, 16 GiB: a 1 TiB map does not fit.
#if defined(__SANITIZE_THREAD__)
inline constexpr std::size_t kDefaultMapSize = std::size_t{16} << 30;
#else
inline constexpr std::size_t kDefaultMapSize =
    sizeof(void*) >= 8 ? static_cast<std::size_t>(std::uint64_t{1} << 40) : std::size_t{1} << 30;
#endif

// A view table to open: a plain ordered map, or a table of position sets (Table's
// add_position and scan_positions), which LMDB keeps as sorted duplicates.
struct ViewTableSpec {
  ViewTableSpec(std::string table_name, bool is_position_set = false)
      : name(std::move(table_name)), position_set(is_position_set) {}
  ViewTableSpec(const char* table_name) : name(table_name) {}

  std::string name;
  bool position_set = false;
  bool operator==(const ViewTableSpec&) const = default;
};

struct EnvironmentOptions {
  // The most the data may take: the memory map is reserved at this size (or the data
  // file's size, if larger) at open and never resized. It costs address space, not memory
  // nor disk. A write past it fails with MapFull.
  std::size_t map_size = kDefaultMapSize;
  unsigned max_readers = 512;
  // The view tables the engine projects into; opened (created) with the rest.
  std::vector<ViewTableSpec> view_tables;
  // Open without writing anything (no table creation, no schema stamp).
  bool read_only = false;
  // Keep this many bytes of zeros written past the last page in use, from a background
  // thread (storage/preallocator.h), so that commits need not grow the file; 0: off.
  std::size_t preallocate_ahead = 0;
  // TEST ONLY: LMDB's MDB_NOSYNC — commits return before their pages reach the disk, so a
  // power cut loses answered commands. It exists so that the power-loss checker
  // (tests/faults/) can show it fails when the flush is missing.
  bool unsafe_no_sync = false;
};

// The event log's own tables. Their layout is written down in storage/codec.h.
struct LogTables {
  Table events;    // position -> event record
  Table streams;   // stream -> head version and position
  Table commands;  // command id -> the positions of the first append
  Table meta;      // "schema_version", and small settings of the layers above
  // Credentials (token and password hashes, sessions): never in the hash-chained log, so
  // no reader of events sees them; kept by backup, left alone by rebuild, never exported.
  // Its keys and values are the domain's. Unset (never opened) on a read-only open of a
  // data dir from before format 3.
  Table secrets;
};

struct TableStats {
  std::string name;
  std::uint64_t entries = 0;
  // Pages in use times the page size. For a position set, its tree of keys only: the
  // pages of each key's own set LMDB counts apart and does not report.
  std::uint64_t bytes = 0;
};

struct EnvironmentStats {
  std::uint64_t events = 0;
  std::uint64_t streams = 0;
  std::uint64_t map_size = 0;    // bytes reserved for the map
  std::uint64_t map_used = 0;    // bytes up to the last page in use
  std::uint64_t file_bytes = 0;  // size of data.mdb
  std::uint32_t page_size = 0;
  std::uint32_t readers = 0;  // reader slots in use, across processes
  std::uint32_t schema_version = 0;
  std::vector<TableStats> tables;
};

class Environment {
 public:
  // Opens (creating if missing) the environment in `dir`.
  static Result<std::unique_ptr<Environment>> open(const std::filesystem::path& dir,
                                                   EnvironmentOptions options = {});
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  Result<ReadTxn> begin_read() const;

  // Runs `body` once in a write transaction and commits it when body returns ok (unless
  // body committed it); otherwise the transaction is aborted and body's status returned.
  // A full map answers MapFull, with nothing written. `commit_time`, when given, receives
  // how long the commit itself took (WriteTxn::commit: page writes and fsync); it is left
  // alone when nothing was committed.
  // REQUIRES: the calling thread holds no open write transaction of this environment.
  Status write(const std::function<Status(WriteTxn&)>& body,
               std::chrono::steady_clock::duration* commit_time = nullptr);

  const LogTables& log_tables() const { return log_; }
  // nullptr when `name` was not among the options' view_tables (or, opened read-only, is
  // not in the data dir yet).
  const Table* view_table(std::string_view name) const;
  const std::vector<Table>& view_tables() const { return views_; }

  // Drops every view table of the data dir that is not among the options' view_tables:
  // what an earlier version of the projections kept and this one no longer reads. Run it
  // only when the views are rebuilt, before any other transaction of this process opens.
  // Returns the names dropped.
  Result<std::vector<std::string>> drop_unregistered_views();

  // A consistent, compacted copy into `out_dir` (created; must not already hold a data
  // file), taken from one read snapshot while writers go on.
  Status backup(const std::filesystem::path& out_dir) const;

  Result<EnvironmentStats> stats() const;

  const std::filesystem::path& dir() const { return dir_; }
  // The map's size, fixed at open.
  std::size_t map_size() const { return map_size_; }
  // How many stale reader slots open() cleared.
  int stale_readers_cleared() const { return stale_readers_cleared_; }
  bool read_only() const { return read_only_; }

 private:
  Environment() = default;
  Status open_tables(const EnvironmentOptions& options);
  Result<MDB_txn*> begin(unsigned flags) const;

  friend class Preallocator;

  MDB_env* env_ = nullptr;
  std::filesystem::path dir_;
  bool read_only_ = false;
  int stale_readers_cleared_ = 0;
  std::size_t map_size_ = 0;
  LogTables log_;
  std::vector<Table> views_;
  std::unique_ptr<Preallocator> preallocator_;  // stopped before the environment closes
};

// Rewrites the data file of `dir` without its free pages: a compacted copy (as `backup`
// makes) renamed over data.mdb. LMDB keeps the pages a write frees in a free list and
// never returns them; after a rebuild that list holds every old view page (2.6 GB on ten
// million events), and LMDB rewrites the part of it a commit has loaded at every commit,
// which measured at half the write rate and a p99 of hundreds of ms (docs/PERFORMANCE.md
// "At scale"). The copy is synced before the rename and the directory after it, so a
// crash leaves the old file or the new one, whole; a copy left by a crash is removed at
// the next compaction. Any failure leaves data.mdb as it was and no copy behind.
// REQUIRES: no Environment of `dir` open in this process, and no writer in another (hold
// the data dir's lock). Busy, with nothing changed, when another process has it open (it
// would go on reading the old file) or committed to it during the copy. The copy keeps
// the file's owner and mode. An opener that waited for the swap fails (lock.mdb is reset
// for the file's new life); the next one opens it.
Status compact_data_dir(const std::filesystem::path& dir);

}  // namespace brandledger::storage
