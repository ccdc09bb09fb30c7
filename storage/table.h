// Table: one LMDB named database, an ordered map of byte keys to byte values.
//
// The event log keeps its own tables; projections get generic "view tables" that the engine
// writes in the same write transaction as the events they come from.
//
// Views returned by get/scan point into the memory map and stay valid until the
// transaction ends or the next write to the same table in it. Not-found is std::nullopt.
//
// Thread safety: a Table is an immutable handle, valid for the life of its Environment and
// usable from any thread with that thread's transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "storage/transaction.h"

namespace brandledger::storage {

struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// Returns false to stop the scan.
using Visitor = std::function<bool(std::string_view key, std::string_view value)>;

class Table {
 public:
  Table() = default;

  const std::string& name() const { return name_; }

  Result<std::optional<std::string_view>> get(const Txn& txn, std::string_view key) const;

  // `append`: the caller promises the key sorts after every key present (MDB_APPEND): cheaper,
  // and a broken promise is refused rather than written out of order.
  Status put(WriteTxn& txn, std::string_view key, std::string_view value,
             bool append = false) const;

  // Makes room for a `size`-byte value under `key` (MDB_RESERVE) and returns where to write
  // it, so a value can be encoded in place instead of copied in. Fill it before the next
  // write to this table. `append` as for put.
  Result<char*> reserve(WriteTxn& txn, std::string_view key, std::size_t size,
                        bool append = false) const;

  // Writes key -> value unless the key is present; then writes nothing and returns the value
  // that is there (MDB_NOOVERWRITE: one search where get-then-put takes two).
  Result<std::optional<std::string_view>> put_new(WriteTxn& txn, std::string_view key,
                                                  std::string_view value) const;

  // True when the key was there.
  Result<bool> erase(WriteTxn& txn, std::string_view key) const;

  // Entries with key >= from, ascending, while the visitor returns true.
  Status scan(const Txn& txn, std::string_view from, const Visitor& visit) const;
  // Entries whose key starts with prefix, ascending.
  Status scan_prefix(const Txn& txn, std::string_view prefix, const Visitor& visit) const;
  // Entries with key <= from (from empty: from the last), descending.
  Status scan_backward(const Txn& txn, std::string_view from, const Visitor& visit) const;

  // Position sets (a table opened with ViewTableSpec::position_set): each key holds a
  // sorted set of log positions, packed 8 bytes apiece in pages of their own. An index of
  // events by actor, type or org grows at the end of each key's set, where pages fill up
  // (a key-per-position index grows in the middle of the table, where pages split in
  // half), and costs no key bytes per entry.
  //
  // Adds `position` to key's set. The cheap case, and the one an index fed in log order
  // meets, is a position past every one in the set (MDB_APPENDDUP); any other is inserted
  // in order, and one already there is left alone. Keys are never empty (InvalidArgument;
  // the reads find nothing under one).
  Status add_position(WriteTxn& txn, std::string_view key, std::uint64_t position) const;
  // Many keys' positions at once, for a bulk load (a rebuild): `runs` in ascending key
  // order, each run's positions ascending. One cursor serves them all (a key on the page
  // the key before it was found on is searched there only), and each key's positions go
  // in with one put (MDB_MULTIPLE) that searches the key once. The same result as
  // add_position for each.
  struct PositionRun {
    std::string_view key;
    std::span<const std::uint64_t> positions;
  };
  Status add_positions(WriteTxn& txn, std::span<const PositionRun> runs) const;
  Result<bool> has_position(const Txn& txn, std::string_view key, std::uint64_t position) const;
  // Key's positions from `from` on, ascending, or from `from` down, descending, while
  // visit returns true.
  enum class Direction { kAscending, kDescending };
  Status scan_positions(const Txn& txn, std::string_view key, std::uint64_t from,
                        Direction direction, const std::function<bool(std::uint64_t)>& visit) const;

  Result<std::optional<KeyValue>> last(const Txn& txn) const;
  Result<std::uint64_t> count(const Txn& txn) const;

  // Removes every entry; the table stays.
  Status clear(WriteTxn& txn) const;

 private:
  friend class Environment;
  Table(unsigned dbi, std::string name) : dbi_(dbi), name_(std::move(name)) {}

  unsigned dbi_ = 0;
  std::string name_;
};

}  // namespace brandledger::storage
