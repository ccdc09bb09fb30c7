// EventLog: the append-only, hash-chained log of every event, on an Environment's tables.
//
// An append writes one command's events to one or more streams at once: all of them or,
// when any stream's expected version fails or the request is malformed, none. The log
// keeps, per event, a global gapless position and a per-stream gapless version, and chains
// every event to the one before by SHA-256 (storage/codec.h has the exact bytes), so that
// verify() finds the first event altered behind the log's back.
//
// A stream is a second chain through the same records: each event names the position of
// its stream's previous event, and the streams table holds each stream's head. Reading a
// stream walks back from its head. A separate (stream, version) index would cost one
// B-tree page per stream touched in every commit, which measured at a third of the
// append throughput (docs/PERFORMANCE.md); the chain costs nothing extra to write.
//
// Every method takes the caller's transaction, so that the engine commits a command's events
// and its view updates together.
//
// Thread safety: an EventLog holds no mutable state; use it from any thread with that
// thread's transaction.
#pragma once

#include <atomic>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/string_hash.h"
#include "storage/environment.h"
#include "storage/event.h"

namespace brandledger::storage {

struct CommandEntry;

struct LogHead {
  std::uint64_t position = 0;  // 0 for an empty log
  Sha256Digest hash{};         // all zeros for an empty log
};

struct VerifyReport {
  bool ok = true;
  std::uint64_t events = 0;              // events checked
  LogHead head;                          // the last good event
  std::uint64_t first_bad_position = 0;  // set when !ok
  std::string problem;                   // what was wrong there
  bool complete = true;                  // false: stopped early on request (not judged)
};

// Stream names and command ids are stored as LMDB keys.
inline constexpr std::size_t kMaxStreamName = 400;
inline constexpr std::size_t kMaxCommandId = 500;

class EventLog {
 public:
  // REQUIRES: env outlives the EventLog.
  explicit EventLog(const Environment& env) : t_(env.log_tables()) {}

  // Appends many commands inside one write transaction (the engine's group commit),
  // remembering the log head and the stream heads it has seen instead of reading them
  // again for every append. Create it after the transaction's last write by other means
  // to the log, use it only with that transaction, and drop it with the transaction.
  class Writer {
   public:
    // Appends request.events in order. On success fills *out (positions, stream heads).
    // With a command id seen before: writes nothing, *out is the first result with
    // duplicate = true, returns ok. When an expected version does not hold: leaves the
    // tables as they were, sets out->conflict and returns Conflict. A malformed request (no events,
    // a bad stream name) writes nothing and returns InvalidArgument. Any other failure (MapFull,
    // I/O) leaves the transaction half-written: abort it (Environment::write does).
    // `written`, when given, receives the appended events; their text points into `request`,
    // so they live as long as it does. Left empty for a duplicate.
    Status append(const AppendRequest& request, AppendResult* out,
                  std::vector<EventView>* written = nullptr);

    // Appends an event hashed elsewhere, in its stored form (a replicated batch's,
    // storage/log_batch.h): it must be the next position, link to the log's last hash, have
    // its hash recompute, and be its stream's next version linked to the stream's last
    // position; Corruption otherwise, with nothing written. `written`, when given, views the
    // stored bytes (valid until the transaction writes again).
    Status append_stored(std::string_view stored, EventView* written = nullptr);
    // Records a replicated command's idempotency entry (CommandEntry's encoding). An id
    // already there with another entry is Corruption.
    Status put_command(std::string_view command_id, std::string_view entry);

   private:
    friend class EventLog;
    struct Head {
      std::uint64_t version = 0;
      std::uint64_t position = 0;
    };
    Writer(const LogTables& tables, WriteTxn& txn) : t_(tables), txn_(txn) {}
    Result<Head*> stream_head(std::string_view stream);

    const LogTables& t_;
    WriteTxn& txn_;
    std::optional<LogHead> log_head_;
    // The streams seen in this transaction (node-based: Head pointers stay valid).
    std::unordered_map<std::string, Head, StringHash, std::equal_to<>> heads_;
  };

  Writer writer(WriteTxn& txn) const { return Writer(t_, txn); }

  // One append in its own Writer.
  Status append(WriteTxn& txn, const AppendRequest& request, AppendResult* out) const {
    return writer(txn).append(request, out);
  }

  Result<LogHead> head(const Txn& txn) const;

  // The stream's head version; 0 when the stream has no events.
  Result<std::uint64_t> stream_version(const Txn& txn, std::string_view stream) const;

  Result<std::optional<Event>> get(const Txn& txn, std::uint64_t position) const;

  // The stream's events with from <= version <= to, oldest first.
  Result<std::vector<Event>> read_stream(
      const Txn& txn, std::string_view stream, std::uint64_t from_version = 1,
      std::uint64_t to_version = std::numeric_limits<std::uint64_t>::max()) const;

  // The stream as it stood at `until`: its events up to the first with occurred_at > until.
  Result<std::vector<Event>> read_stream_until(const Txn& txn, std::string_view stream,
                                               Timestamp until) const;

  // Up to `limit` events with position > after, in order.
  Result<std::vector<Event>> read_all(const Txn& txn, std::uint64_t after, std::size_t limit) const;

  // Visits every event with position > after, in order, while visit returns true; the view
  // is valid only during the call. An unreadable record stops the walk with Corruption.
  Status for_each(const Txn& txn, std::uint64_t after,
                  const std::function<bool(const EventView&)>& visit) const;

  // Every stream whose name starts with prefix, with its head version, by name.
  Status for_each_stream(const Txn& txn, std::string_view prefix,
                         const std::function<bool(std::string_view, std::uint64_t)>& visit) const;

  // The result of the append that carried this command id, if any.
  Result<std::optional<AppendResult>> find_command(const Txn& txn,
                                                   std::string_view command_id) const;

  // Walks the whole log: positions gapless from 1, records readable, each prev_hash equal
  // to the hash before it, each hash equal to SHA-256 of its bytes, each event's version
  // and stream_prev following its stream's previous event; then every stream head.
  // Reports the first bad position (0 when only a stream head is wrong).
  // `stop`, when given and set, ends the walk early (report.complete is then false).
  Result<VerifyReport> verify(const Txn& txn, const std::atomic<bool>* stop = nullptr) const;

 private:
  static Result<LogHead> read_head(const LogTables& t, const Txn& txn);
  static Result<std::optional<AppendResult>> find_command(const LogTables& t, const Txn& txn,
                                                          std::string_view command_id);
  // What an append answered, rebuilt from its events: the idempotency table keeps only where
  // they are (`stored`, the command's entry there).
  static Result<AppendResult> result_of(const LogTables& t, const Txn& txn,
                                        std::string_view command_id, std::string_view stored);
  // The stream's events from its head back to (not below) version `from`, newest first.
  Result<std::vector<Event>> walk_back(const Txn& txn, std::string_view stream,
                                       std::uint64_t from) const;

  LogTables t_;
};

}  // namespace brandledger::storage
