// Access to the view tables inside the current transaction: read-only for decisions,
// read-write for projections. Both see every write made earlier in the same transaction,
// so the second command of a group commit decides on the views the first one left.
//
// Thread safety: used by one thread, for the life of one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "storage/environment.h"

namespace brandledger::engine {

class ViewReader {
 public:
  ViewReader(const storage::Environment& env, const storage::Txn& txn) : env_(env), txn_(txn) {}

  // REQUIRES: `table` is a registered view table (an unknown name is InvalidArgument).
  Result<std::optional<std::string>> get(std::string_view table, std::string_view key) const;
  Status scan_prefix(std::string_view table, std::string_view prefix,
                     const storage::Visitor& visit) const;
  Status scan(std::string_view table, std::string_view from, const storage::Visitor& visit) const;
  // Entries with key <= from (from empty: from the last), descending.
  Status scan_backward(std::string_view table, std::string_view from,
                       const storage::Visitor& visit) const;
  // Position sets (storage::Table::add_position).
  Result<bool> has_position(std::string_view table, std::string_view key,
                            std::uint64_t position) const;
  Status scan_positions(std::string_view table, std::string_view key, std::uint64_t from,
                        storage::Table::Direction direction,
                        const std::function<bool(std::uint64_t)>& visit) const;

 protected:
  Result<const storage::Table*> table(std::string_view name) const;

  const storage::Environment& env_;
  const storage::Txn& txn_;
};

// A timer: at `due`, the engine issues `command` on `stream` as actor `system`.
struct TimerSpec {
  std::string id;  // unique; scheduling the same id again moves it
  Timestamp due{};
  std::string command;
  std::string stream;
  std::string args_json = "{}";
};

// Position-set entries held back to be written in key order: a rebuild's projections add
// them in log order, scattered over every key of each set; written key by key they cost
// one put per key, mostly searched on the page of the key before, instead of a search of
// the tree per entry (storage::Table::add_positions). Held flat, in the order they come,
// and sorted once at the write: a map from key to positions would cost a few cache misses
// per entry once it holds a million keys.
class DeferredPositions {
 public:
  void add(const storage::Table& table, std::string_view key, std::uint64_t position);
  // Writes every held entry and forgets them.
  Status write(storage::WriteTxn& txn);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t prefix[2];   // the key's first 16 bytes, big-endian, zero-padded
    std::uint64_t key_offset;  // in keys_
    std::uint64_t position;
    std::uint32_t key_size;
    std::uint32_t table;  // in tables_
  };
  std::string_view key(const Entry& e) const { return {keys_.data() + e.key_offset, e.key_size}; }

  std::vector<const storage::Table*> tables_;  // a handful
  std::vector<Entry> entries_;
  std::string keys_;  // every entry's key, back to back
};

class ViewWriter : public ViewReader {
 public:
  // With `deferred`, add_position holds its entries there for the caller to write before
  // the transaction commits; has_position and scan_positions, which would not see them,
  // then fail (Internal: no projection reads a position set).
  ViewWriter(const storage::Environment& env, storage::WriteTxn& txn,
             DeferredPositions* deferred = nullptr)
      : ViewReader(env, txn), write_txn_(txn), deferred_(deferred) {}

  Status put(std::string_view table, std::string_view key, std::string_view value);
  // A put whose key sorts after every key in the table (a table keyed by position or by
  // time then position, fed in log order): no search, and full pages instead of halves.
  Status append(std::string_view table, std::string_view key, std::string_view value);
  Status add_position(std::string_view table, std::string_view key, std::uint64_t position);
  Result<bool> has_position(std::string_view table, std::string_view key,
                            std::uint64_t position) const;
  Status scan_positions(std::string_view table, std::string_view key, std::uint64_t from,
                        storage::Table::Direction direction,
                        const std::function<bool(std::uint64_t)>& visit) const;
  Status erase(std::string_view table, std::string_view key);

  // Timers are views too: scheduled and cancelled by projections, so a rebuild recreates
  // exactly the pending ones.
  Status schedule_timer(const TimerSpec& timer);
  Status cancel_timer(std::string_view id);

 private:
  static Status held_back(std::string_view table);

  storage::WriteTxn& write_txn_;
  DeferredPositions* deferred_;
};

// The tables behind timers: "timers" (due, id -> spec) and "timer_ids" (id -> due).
inline constexpr std::string_view kTimersTable = "timers";
inline constexpr std::string_view kTimerIdsTable = "timer_ids";

std::string encode_timer(const TimerSpec& timer);
std::optional<TimerSpec> decode_timer(std::string_view value);

}  // namespace brandledger::engine
