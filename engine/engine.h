// Engine: turns commands into events, durably, and keeps every view in step with the log.
//
// Commands queue for exactly one writer thread. Whatever queued while a commit was in
// flight forms the next batch, and commands that arrive while it is being decided join it
// (the writer waits up to group_commit_wait of idle time for callers it just answered):
// one LMDB write transaction, one fsync, and an answer per command. Each command is decided on the
// state the commands before it left (its streams' aggregates and the views), then its events are
// appended and projected in the same transaction. A rejection appends nothing and never fails the
// rest of the batch; a command whose append or projection fails is taken out and the batch run
// again without it. A command is answered only after its transaction committed.
//
// Timers are view entries that projections schedule; when the clock passes one, the
// engine issues its command as actor `system` with an idempotency key of its own, and
// appends a TimerFired event with it, which removes the timer: each fires exactly once,
// across restarts and crashes.
//
// Thread safety: submit/execute, reads, now(), advance_clock() and fire_due_timers() are
// safe from any thread. rebuild() needs the engine to be the only writer (no server).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/string_hash.h"
#include "engine/clock.h"
#include "engine/command.h"
#include "engine/domain.h"
#include "engine/metrics.h"
#include "engine/replication.h"
#include "storage/environment.h"
#include "storage/event_log.h"

namespace brandledger::engine {

struct EngineOptions {
  std::filesystem::path data_dir;
  // The most the data may take; reserved as address space at open, never resized
  // (storage/environment.h). Commands past it fail with MapFull, answered 507.
  std::size_t map_size = storage::kDefaultMapSize;
  // Zeros kept written ahead of the data file's last page, so that commits need not grow
  // the file (storage/preallocator.h); 0: off. The server keeps 64 MiB.
  std::size_t preallocate_ahead = 0;
  // TEST ONLY: commit without flushing (storage/environment.h); loses answers at power loss.
  bool unsafe_no_sync = false;
  // Stand the clock still (it starts at the later of the system time and the last value
  // it was set to) and move it only by advance_clock().
  bool manual_clock = false;
  // With manual_clock, where a clock never set before starts instead of the system time: a
  // generator writing years of history (bench/) starts it years back and moves it forward,
  // so that timers fire on the days they fall due.
  std::optional<Timestamp> manual_clock_start;
  std::size_t max_batch = 1024;
  // When fewer commands are queued than the last batch held, how long the writer waits for
  // the rest before it commits what it has (0: never waits).
  std::chrono::microseconds group_commit_wait{100};
  // Called on the writer thread once every answer of a batch has been given. Callers that
  // hand answers over to threads of their own can wake each such thread once per batch here,
  // rather than once per answer: a thread that has taken its answers and gone back to sleep
  // before the batch's last answer would be woken again, and a wake-up costs the writer
  // several microseconds and the woken thread tens (docs/PERFORMANCE.md).
  // (A command refused at submit, the engine stopping, is answered on the submitting thread,
  // with no batch and no call.)
  std::function<void()> after_answers;
  // How often a system clock is checked for due timers.
  std::chrono::milliseconds timer_poll{1000};
  // How often a background thread walks the whole hash chain and the stream links (the
  // first walk right after open; 0: never). A break is logged as an error naming the first
  // bad position and shown by chain_status() and the brandledger_chain_ok metric. The
  // server walks daily.
  std::chrono::seconds chain_check_interval{0};
  // Streams whose state the writer keeps in memory before it starts again from empty.
  std::size_t state_cache_limit = 200'000;
  // Open without a writer thread or timers (the CLI's read-only subcommands).
  bool read_only = false;
  // false: open for writing (format upgrades, stale views rebuilt, Domain::on_open) but take
  // no commands and fire no timer, at open or later. verify and rebuild work so: they must
  // never append, whatever the clock says is due.
  bool take_commands = true;
  // false: take commands but never fire timers (a CLI command that writes beside a running
  // server, whose timers are the server's to fire).
  bool fire_timers = true;
  // The replicated log (docs/SCALE-OUT.md): a writer ships each batch to it inside the
  // batch's transaction and commits only once it is stored; null: a single node.
  std::shared_ptr<LogShipper> shipper;
  // With a shipper: start as a replica, which applies the replicated log's batches
  // (apply_shipped) and refuses every command (Fenced) until promote().
  bool replica = false;
  // Without a shipper, on data a replicated writer wrote (a tool beside it, such as `users
  // set-password`): its secrets' writes wait in meta for the writer's next batch.
  bool beside_replicated_writer = false;
};

// A copy of a node's data (a backup) is no node's writer: removes the record of which
// batches this data's node stored itself, so that a node started on the copy never takes a
// batch after them for its own (docs/SCALE-OUT.md).
Status forget_own_batches(storage::Environment& env);

// The event type the engine appends when a timer fires.
inline constexpr std::string_view kTimerFired = "TimerFired";
inline constexpr std::string_view kSystemActor = "system";

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> open(EngineOptions options, Domain domain);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a command; the future is ready once it is committed (or refused).
  std::future<CommandOutcome> submit(Command command);
  // Queues a command; `done` runs on the writer thread once it is committed (or refused):
  // keep it short (hand the outcome to another thread).
  void submit(Command command, std::function<void(CommandOutcome)> done);
  CommandOutcome execute(Command command) { return submit(std::move(command)).get(); }

  Timestamp now() const { return clock_->now(); }
  bool manual_clock() const { return manual_clock_ != nullptr; }
  // Manual clock only: moves it to `to` (never back: InvalidArgument), durably, and fires
  // every timer due by then before returning.
  Result<Timestamp> advance_clock(Timestamp to);
  // Issues the command of every timer due by now(); returns how many fired.
  Result<std::size_t> fire_due_timers();

  Result<storage::ReadTxn> begin_read() const { return env_->begin_read(); }
  const storage::Environment& environment() const { return *env_; }
  const storage::EventLog& log() const { return *log_; }
  const Domain& domain() const { return domain_; }
  EngineMetrics& metrics() { return metrics_; }
  // Commands submitted and not yet taken into a batch by the writer.
  std::size_t queued_commands() const;
  // Every metric in the Prometheus text format, with the log's and the map's gauges.
  std::string render_metrics() const;

  // A stream's state from its events: all of them, up to `version`, or as of an instant.
  Result<StreamState> replay(const storage::Txn& txn, std::string_view stream,
                             std::optional<std::uint64_t> to_version = std::nullopt) const;
  Result<StreamState> replay_as_of(const storage::Txn& txn, std::string_view stream,
                                   Timestamp at) const;

  // What `command` would be decided now, without appending or writing anything: the
  // handler runs on one read snapshot (states replayed from the log), as the writer would
  // run it. For the API's "what may I do" answers: the rules answer, not a copy of them.
  // A malformed argument is a rejection (kInvalid, naming the field), as in a command.
  Result<Decision> decide_only(const Command& command) const;

  // Writes to the secrets table outside any command, so no event says so: only what need
  // not be audited (when a token or a session was last used). A write transaction of its
  // own on the calling thread, between the writer's batches.
  Status write_secrets(
      const std::function<Status(storage::WriteTxn&, const storage::Table& secrets)>& write);

  // Parses an event's data and brings it to the current schema.
  Result<boost::json::object> event_data(const storage::EventView& event) const;

  // Drops every view and recomputes it from the log. REQUIRES: no other writer.
  Status rebuild();
  // Compares the views with a rebuild from the log, safely while commands go on: a backup
  // into `scratch` (one snapshot of log and views together; created, then removed) has its
  // views recomputed there and compared with what it held. Returns the names of the tables
  // that differ (empty: every view equals the log's).
  Result<std::vector<std::string>> views_differing_from_log(
      const std::filesystem::path& scratch) const;
  // Whether open() found the views stale and rebuilt them (a caller about to rebuild
  // need not do it again).
  bool rebuilt_at_open() const { return rebuilt_at_open_; }

  // What the last background walk of the chain found (chain_check_interval).
  struct ChainStatus {
    bool checked = false;  // a walk has completed
    bool ok = true;        // no break found (true before the first walk ends)
    std::uint64_t events = 0;
    std::uint64_t first_bad_position = 0;
    std::string problem;
    Timestamp at{};  // when the last walk ended (system time)
  };
  ChainStatus chain_status() const;

  // Replication (docs/SCALE-OUT.md). Safe from any thread.
  ReplicationStatus replication_status() const;
  Role role() const { return role_.load(); }
  // A replica's step: applies `shipped`, which must continue this node's log (its first
  // position after the head, every link and hash, its stream versions, the batch number
  // after the last applied), in one transaction with its projections, its idempotency
  // entries and its secrets' writes. A batch that fails the checks makes the node degraded
  // for good (recorded in its data: a restart remembers) and is Corruption; a degraded node
  // applies nothing more. REQUIRES: one caller at a time, and the node is a replica.
  // `own`: a batch this node shipped itself (its answer lost, or lost with a crash before
  // the commit), which it applies as a replica would and counts as its own.
  Status apply_shipped(const ShippedBatch& shipped, bool own = false);
  // Records for good that the replicated log cannot be applied here (`problem` says why):
  // the node stays a replica, applies nothing more and cannot be promoted.
  void become_degraded(const std::string& problem);
  // Replica to writer: stores a claim (a batch without events) right after the last batch
  // applied, so that a writer still shipping after it is fenced off, even one whose last
  // batch was on its way when the caller read the replicated log; then commands are taken
  // and timers fire. InvalidArgument when degraded; Fenced when a batch came first (the
  // caller applies it and may try again); Unavailable without an answer.
  // REQUIRES: the caller has applied every batch it means to (no apply_shipped meanwhile).
  Status promote();
  // A writer whose log holds events the replicated log does not (a single node turned
  // writer; a replicated log that lost its unsynced tail): ships them, in batches of about
  // `max_bytes`, after the last batch both hold. Before taking commands; on the caller's
  // thread, in one write transaction, so nothing appends meanwhile.
  Status ship_backlog(std::size_t max_bytes);

  // Stops taking commands, answers every queued one, and joins the threads.
  void stop();

 private:
  struct Pending {
    Command command;
    std::function<void(CommandOutcome)> done;
    std::chrono::steady_clock::time_point queued;
  };
  class BatchContext;

  Engine() = default;
  void writer_loop();
  void timer_loop();
  // Commits `batch` and whatever joins it while the transaction is open (see the body).
  void process(std::vector<Pending>& batch, std::size_t expected);
  // Records that the views are the domain's views_version (a new data dir's are).
  Status stamp_views_version(storage::WriteTxn& txn) const;
  // Moves queued commands into the batch, up to max_batch. REQUIRES: queue_mutex_ held.
  void take_queued(std::vector<Pending>& batch);
  // Takes newly queued commands into the batch; when none are queued and the batch is
  // smaller than `expected`, first waits for one, spending no more than idle_budget.
  // True when the batch grew.
  bool gather_more(std::vector<Pending>& batch, std::size_t expected,
                   std::chrono::microseconds& idle_budget);
  // Returns the commands of batch[from..] that are not excluded to the head of the queue,
  // in order; the excluded stay (with their outcomes), after batch[from - 1].
  void requeue_from(std::vector<Pending>& batch, std::size_t from, std::vector<bool>& excluded,
                    std::vector<CommandOutcome>& outcomes);
  Status run_command(const Command& command, BatchContext& batch, CommandOutcome* out);
  // A replicated writer's batch that appended nothing (refusals, no-ops) shipped nothing, so
  // no fence vouched for the state it was decided on: its answers stand only if the
  // replicated log still ends with this writer's last batch. Else they become Unavailable
  // and the log is read before the next batch (a cut-off writer then steps down).
  void confirm_still_writer(const std::vector<Pending>& batch, const std::vector<bool>& excluded,
                            std::vector<CommandOutcome>& outcomes);
  // Replication (engine/replicated.cpp). Ships the batch being committed in `txn` (positions
  // after the last shipped up to head_after) and records its number; on the writer thread.
  Status ship_batch(storage::WriteTxn& txn, const std::vector<std::string>& command_ids,
                    const std::vector<storage::SecretChange>& secrets, std::uint64_t head_after,
                    std::uint64_t* sequence);
  // Applies a shipped batch inside `txn`; `checked`: continues_log already ran.
  Status apply_shipped_in(storage::WriteTxn& txn, const ShippedBatch& shipped, bool own);
  // After a ship without an answer: applies what the replicated log holds after this node's
  // last batch; steps down if a batch there is not the one this writer shipped.
  Status reconcile();
  // Secrets' writes made on a replicated node's data without a shipper (a tool such as
  // `users set-password` beside the writer), kept in meta until the writer ships them.
  Status record_unshipped_secret(storage::WriteTxn& txn, const storage::SecretChange& change);
  // Appends them to *out and removes them, inside the transaction that ships them.
  Status take_unshipped_secrets(storage::WriteTxn& txn, std::vector<storage::SecretChange>* out);
  // Loads the replication state from the meta table at open.
  Status load_replication_state(const storage::Txn& txn);
  // Records batch `sequence`, ending at `position`, as this log's last, inside `txn`;
  // `own`: this node stored it in the replicated log itself (as the writer).
  Status record_shipped(storage::WriteTxn& txn, std::uint64_t sequence, std::uint64_t position,
                        bool own) const;
  Result<StreamState> load_for_write(BatchContext& batch, std::string_view stream,
                                     std::uint64_t max_version);
  std::unique_ptr<AggregateState> make_state(std::string_view stream) const;
  // Applies `events`, in order, to `aggregate`.
  Status apply_events(std::span<const storage::Event> events, AggregateState& aggregate) const;
  // A fresh state of `stream` after `events` (its first ones, in order).
  Result<StreamState> fold(std::string_view stream, std::span<const storage::Event> events) const;

  EngineOptions options_;
  Domain domain_;
  std::unique_ptr<storage::Environment> env_;
  std::optional<storage::EventLog> log_;  // set once env_ is open
  std::shared_ptr<Clock> clock_;
  ManualClock* manual_clock_ = nullptr;
  EngineMetrics metrics_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  // How many queued commands the writer is waiting for (0: not waiting), so that submit
  // wakes it once when they are there rather than at every command. Guarded by queue_mutex_.
  std::size_t writer_waits_for_ = 0;
  bool rebuilt_at_open_ = false;  // set by open(), read-only after
  bool stopping_ = false;
  std::thread writer_;

  void chain_loop();
  std::thread chain_thread_;
  std::atomic<bool> chain_stopping_{false};  // also ends a walk in progress
  mutable std::mutex chain_mutex_;           // guards chain_status_ and the wait
  std::condition_variable chain_cv_;
  ChainStatus chain_status_;

  std::mutex timer_mutex_;
  std::condition_variable timer_cv_;
  bool timers_stopping_ = false;  // guarded by timer_mutex_
  std::thread timer_thread_;

  // Writer thread only: committed stream states, and the latest occurred_at in the log
  // (business time never runs backwards through the log).
  std::unordered_map<std::string, StreamState, StringHash, std::equal_to<>> cache_;
  Timestamp last_occurred_{};
  // Writer thread only: the log's head position after this writer's last commit; another
  // head at the next batch means another process appended (see process()).
  std::uint64_t committed_head_ = 0;

  // Replication. role_ is read by any thread; the rest under replication_mutex_ (the writer
  // thread and the thread applying batches take turns, never run at once by design, but a
  // reader may look at any time).
  std::atomic<Role> role_{Role::kSingle};
  // Opened without a shipper on data a replicated node wrote (a tool beside the writer).
  bool replicated_data_ = false;
  mutable std::mutex replication_mutex_;
  std::uint64_t shipped_sequence_ = 0;  // the replicated log's batch this log ends with
  std::uint64_t shipped_position_ = 0;  // the position it ends at
  std::uint64_t own_sequence_ = 0;      // as loaded at open: the last batch it stored itself
  bool degraded_ = false;
  std::string degraded_problem_;
  // A writer takes no command until ship_backlog() has run (its log may hold events the
  // replicated log lacks).
  bool backlog_pending_ = false;
  std::uint64_t fenced_ = 0;
  // Writer thread only: a ship was refused or had no answer, so what the replicated log
  // holds after shipped_sequence_ must be read before the next batch; unanswered_ids_ are
  // the ids of this writer's batches not known to be stored or refused since its last
  // stored one (any of them may still be stored).
  bool reconcile_ = false;
  std::set<std::string> unanswered_ids_;
  std::string in_flight_id_;  // the id of the batch shipped in the transaction now open
  // The applying thread's stream states (apply_shipped), as cache_ is the writer's.
  std::unordered_map<std::string, StreamState, StringHash, std::equal_to<>> applied_states_;
};

}  // namespace brandledger::engine
