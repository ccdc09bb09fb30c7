#include "engine/engine.h"

#include <pthread.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <map>

#include "engine/json_text.h"
#include "engine/logging.h"
#include "storage/codec.h"

namespace brandledger::engine {
namespace {

using Clock_ = std::chrono::steady_clock;
constexpr std::string_view kManualClockKey = "engine.manual_clock";
// Domain::views_version of the projections that wrote the views.
constexpr std::string_view kViewsVersionKey = "engine.views_version";
constexpr std::string_view kRebuildMarkerKey = "engine.rebuild_in_progress";

// Ignores every event: the state of a stream no aggregate claims.
class NoState final : public AggregateState {
 public:
  std::unique_ptr<AggregateState> clone() const override { return std::make_unique<NoState>(); }
  void apply(const RecordedEvent&) override {}
};

// Drops a timer when the engine records that it fired.
class TimerFiredProjection final : public Projection {
 public:
  std::vector<std::string> tables() const override { return {}; }
  Status apply(const RecordedEvent& event, ViewWriter& views) override {
    if (event.envelope.type != kTimerFired) return Status::Ok();
    const auto* id = event.data.if_contains("timer");
    if (id == nullptr || !id->is_string())
      return Status::Corruption("TimerFired without a timer id");
    return views.cancel_timer(id->as_string());
  }
};

std::string_view outcome_name(const CommandOutcome& o) {
  if (!o.error.ok()) return "failed";
  if (o.rejection) return o.rejection->code;
  if (o.append.duplicate) return "duplicate";
  return "accepted";
}

}  // namespace

// The state of one batch attempt: its transaction, and the streams it changed so far.
class Engine::BatchContext {
 public:
  BatchContext(const storage::Environment& env, storage::WriteTxn& write_txn,
               storage::EventLog::Writer log_writer, Timestamp last_committed)
      : txn(write_txn),
        writer(std::move(log_writer)),
        views(env, write_txn),
        last_occurred(last_committed) {}

  storage::WriteTxn& txn;
  storage::EventLog::Writer writer;
  ViewWriter views;
  // Each stream the batch changed: its own copy, cloned once from the committed state
  // and then moved forward in place, so a stream with a large state (a round with
  // thousands of scores) is not copied once per event.
  struct Changed {
    std::uint64_t version = 0;
    std::shared_ptr<AggregateState> state;
  };
  std::unordered_map<std::string, Changed, StringHash, std::equal_to<>> changed;
  Timestamp last_occurred;
  // What a replicated batch carries besides its events (engine/replicated.cpp).
  std::vector<storage::SecretChange> secrets;
  std::vector<std::string> command_ids;  // of the commands that appended
};

namespace {

class CommandContext final : public DecideContext {
 public:
  CommandContext(std::function<Result<StreamState>(std::string_view)> load, const ViewReader& views,
                 const storage::Table& secrets, const storage::Txn& txn, Timestamp now)
      : load_(std::move(load)), views_(views), secrets_(secrets), txn_(txn), now_(now) {}
  Timestamp now() const override { return now_; }
  Result<StreamState> load(std::string_view stream) override { return load_(stream); }
  const ViewReader& views() const override { return views_; }
  Result<std::optional<std::string>> secret(std::string_view key) const override {
    BL_ASSIGN_OR_RETURN(auto value, secrets_.get(txn_, key));
    if (!value) return std::optional<std::string>();
    return std::optional<std::string>(std::string(*value));
  }
  Status scan_secrets(std::string_view prefix, const SecretVisitor& visit) const override {
    return secrets_.scan_prefix(txn_, prefix, visit);
  }

 private:
  std::function<Result<StreamState>(std::string_view)> load_;
  const ViewReader& views_;
  const storage::Table& secrets_;
  const storage::Txn& txn_;
  Timestamp now_;
};

// Runs a handler: a malformed argument becomes the refusal it is (400 naming the field), a
// storage failure the error it is. Anything else it throws is left to the caller.
Result<Decision> call_handler(const CommandHandler& handler, const Command& cmd,
                              DecideContext& ctx) {
  try {
    return handler(cmd, ctx);
  } catch (const ArgumentError& e) {
    Decision decision = Decision::reject(RejectionKind::kInvalid, e.code(), e.what());
    decision.rejection->field = e.field();
    return decision;
  } catch (const StorageFailure& e) {
    return e.status();
  }
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(EngineOptions options, Domain domain) {
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = std::move(options);
  engine->domain_ = std::move(domain);
  engine->domain_.projections.insert(engine->domain_.projections.begin(),
                                     std::make_shared<TimerFiredProjection>());

  storage::EnvironmentOptions env_options;
  env_options.map_size = engine->options_.map_size;
  env_options.preallocate_ahead = engine->options_.preallocate_ahead;
  env_options.unsafe_no_sync = engine->options_.unsafe_no_sync;
  env_options.view_tables = engine->domain_.view_tables();
  env_options.read_only = engine->options_.read_only;
  BL_ASSIGN_OR_RETURN(engine->env_,
                      storage::Environment::open(engine->options_.data_dir, env_options));
  engine->log_.emplace(*engine->env_);

  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine->env_->begin_read());
  const auto& meta = engine->env_->log_tables().meta;
  BL_ASSIGN_OR_RETURN(auto rebuilding, meta.get(txn, kRebuildMarkerKey));
  BL_ASSIGN_OR_RETURN(storage::LogHead head, engine->log_->head(txn));
  BL_ASSIGN_OR_RETURN(auto views_version, meta.get(txn, kViewsVersionKey));
  const std::uint32_t current_views = engine->domain_.views_version;
  // Views are stale when a rebuild was interrupted, or when other projections wrote them.
  const bool views_stale =
      rebuilding.has_value() ||
      (views_version.has_value() ? storage::decode_u32(*views_version) != current_views
                                 : head.position != 0);
  if (head.position != 0) {
    BL_ASSIGN_OR_RETURN(auto last, engine->log_->get(txn, head.position));
    if (last) engine->last_occurred_ = last->occurred_at;
  }
  engine->committed_head_ = head.position;
  BL_RETURN_IF_ERROR(engine->load_replication_state(txn));
  if (engine->options_.manual_clock) {
    Timestamp start = engine->options_.manual_clock_start.value_or(system_now());
    BL_ASSIGN_OR_RETURN(auto stored, meta.get(txn, kManualClockKey));
    if (stored) {
      auto micros = storage::decode_u64(*stored);
      if (micros) start = std::max(start, from_micros(static_cast<std::int64_t>(*micros)));
    }
    auto manual = std::make_shared<ManualClock>(start);
    engine->manual_clock_ = manual.get();
    engine->clock_ = std::move(manual);
  } else {
    engine->clock_ = std::make_shared<SystemClock>();
  }
  txn.abort();

  if (views_stale && engine->options_.read_only) {
    spdlog::warn(
        "the views in {} are stale (an interrupted rebuild, or another version of "
        "the projections); open it for writing (serve or rebuild) to rebuild them",
        engine->options_.data_dir.string());
  } else if (views_stale) {
    spdlog::info(
        "the views in {} are stale (an interrupted rebuild, or another version of "
        "the projections): rebuilding them from the log",
        engine->options_.data_dir.string());
    // What earlier projections kept and these no longer read would otherwise stay on
    // disk for good.
    BL_ASSIGN_OR_RETURN(auto dropped, engine->env_->drop_unregistered_views());
    for (const std::string& table : dropped)
      spdlog::info("dropped the unused view table {}", table);
    BL_RETURN_IF_ERROR(engine->rebuild());
    engine->rebuilt_at_open_ = true;
  } else if (!views_version && !engine->options_.read_only) {
    BL_RETURN_IF_ERROR(
        engine->env_->write([&](storage::WriteTxn& w) { return engine->stamp_views_version(w); }));
  }

  if (!engine->options_.read_only) {
    for (const auto& on_open : engine->domain_.on_open)
      BL_RETURN_IF_ERROR(
          engine->env_->write([&](storage::WriteTxn& w) { return on_open(*engine, w); }));
    if (!engine->options_.take_commands) return engine;
    engine->writer_ = std::thread([e = engine.get()] {
      name_this_thread("bl-writer");
      e->writer_loop();
    });
    if (!engine->options_.fire_timers) return engine;
    // Catch up with timers that fell due while nothing ran.
    // (A replicated writer takes no command before its backlog is shipped: its due timers
    // fire once it is, from ship_backlog.)
    if (engine->role_.load() == Role::kSingle)
      BL_RETURN_IF_ERROR(engine->fire_due_timers().status());
    if (!engine->manual_clock())
      engine->timer_thread_ = std::thread([e = engine.get()] {
        name_this_thread("bl-timers");
        e->timer_loop();
      });
    if (engine->options_.chain_check_interval.count() > 0)
      engine->chain_thread_ = std::thread([e = engine.get()] {
        name_this_thread("bl-chain");
        e->chain_loop();
      });
  }
  return engine;
}

Engine::~Engine() {
  stop();
}

void Engine::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_ && !writer_.joinable() && !timer_thread_.joinable()) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  {
    std::lock_guard lock(timer_mutex_);
    timers_stopping_ = true;
  }
  timer_cv_.notify_all();
  {
    std::lock_guard lock(chain_mutex_);
    chain_stopping_ = true;
  }
  chain_cv_.notify_all();
  if (chain_thread_.joinable()) chain_thread_.join();
  if (timer_thread_.joinable()) timer_thread_.join();
  if (writer_.joinable()) writer_.join();
}

Engine::ChainStatus Engine::chain_status() const {
  std::lock_guard lock(chain_mutex_);
  return chain_status_;
}

void Engine::chain_loop() {
  for (;;) {
    // One read snapshot for the whole walk: writers go on meanwhile (LMDB readers never
    // block the writer), and what is checked is one consistent prefix of the log.
    auto txn = env_->begin_read();
    Result<storage::VerifyReport> report = txn.ok() ? log_->verify(*txn, &chain_stopping_)
                                                    : Result<storage::VerifyReport>(txn.status());
    if (txn.ok()) txn->abort();
    if (!report.ok()) {
      spdlog::error("chain check: could not walk the log: {}", report.status().to_string());
    } else if (report->complete) {
      ChainStatus status{
          true,        report->ok, report->events, report->first_bad_position, report->problem,
          system_now()};
      if (!report->ok)
        spdlog::error(
            "chain check: the hash chain breaks at position {}: {} ({} events verified before "
            "it); the log was altered behind BrandLedger's back: see docs/OPERATIONS.md",
            report->first_bad_position, report->problem, report->events);
      else
        spdlog::info("chain check: {} events, every hash and link holds", report->events);
      std::lock_guard lock(chain_mutex_);
      chain_status_ = std::move(status);
    }
    std::unique_lock lock(chain_mutex_);
    if (chain_cv_.wait_for(lock, options_.chain_check_interval,
                           [&] { return chain_stopping_.load(); }))
      return;
  }
}

std::future<CommandOutcome> Engine::submit(Command command) {
  auto promise = std::make_shared<std::promise<CommandOutcome>>();
  auto future = promise->get_future();
  submit(std::move(command), [promise](CommandOutcome o) { promise->set_value(std::move(o)); });
  return future;
}

void Engine::submit(Command command, std::function<void(CommandOutcome)> done) {
  bool queued = false, wake = false;
  {
    std::lock_guard lock(queue_mutex_);
    if (!stopping_ && !options_.read_only && options_.take_commands) {
      queue_.push_back(Pending{std::move(command), std::move(done), Clock_::now()});
      queued = true;
      wake = queue_.size() == writer_waits_for_;
    }
  }
  // Notified after the unlock, the writer does not wake into a mutex still held.
  if (wake) queue_cv_.notify_one();
  if (queued) return;
  CommandOutcome refused;
  refused.error = Status::Unsupported("the engine is not taking commands");
  done(std::move(refused));
}

void Engine::writer_loop() {
  std::vector<Pending> batch;
  batch.reserve(options_.max_batch);  // commands join a batch in flight: never move them
  std::size_t last_batch = 0;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      writer_waits_for_ = 1;
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      writer_waits_for_ = 0;
      if (queue_.empty()) return;  // stopping, and everything answered
      take_queued(batch);
    }
    process(batch, last_batch);
    last_batch = batch.size();
    batch.clear();
  }
}

void Engine::take_queued(std::vector<Pending>& batch) {
  while (!queue_.empty() && batch.size() < options_.max_batch) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void Engine::requeue_from(std::vector<Pending>& batch, std::size_t from,
                          std::vector<bool>& excluded, std::vector<CommandOutcome>& outcomes) {
  // Excluded commands stay: they are answered with this batch.
  std::vector<Pending> back;
  std::size_t kept = from;
  for (std::size_t i = from; i < batch.size(); ++i) {
    if (excluded[i]) {
      batch[kept] = std::move(batch[i]);
      outcomes[kept] = std::move(outcomes[i]);
      excluded[kept] = true;
      ++kept;
    } else {
      back.push_back(std::move(batch[i]));
    }
  }
  batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(kept), batch.end());
  outcomes.erase(outcomes.begin() + static_cast<std::ptrdiff_t>(kept), outcomes.end());
  excluded.resize(kept);
  std::lock_guard lock(queue_mutex_);
  for (auto it = back.rbegin(); it != back.rend(); ++it) queue_.push_front(std::move(*it));
}

bool Engine::gather_more(std::vector<Pending>& batch, std::size_t expected,
                         std::chrono::microseconds& idle_budget) {
  std::unique_lock lock(queue_mutex_);
  if (queue_.empty() && !stopping_ && batch.size() < expected && idle_budget.count() > 0) {
    const auto start = Clock_::now();
    writer_waits_for_ = 1;
    queue_cv_.wait_for(lock, idle_budget, [&] { return stopping_ || !queue_.empty(); });
    writer_waits_for_ = 0;
    idle_budget -= std::chrono::duration_cast<std::chrono::microseconds>(Clock_::now() - start);
  }
  const std::size_t before = batch.size();
  take_queued(batch);
  return batch.size() > before;
}

void Engine::process(std::vector<Pending>& batch, std::size_t expected) {
  if (role_.load() != Role::kSingle) {
    Status refused;
    bool backlog = false;
    {
      std::lock_guard lock(replication_mutex_);
      backlog = backlog_pending_;
    }
    if (role_.load() == Role::kReplica)
      refused = Status::Fenced("this node is a replica: commands go to the writer");
    else if (backlog)
      refused = Status::Unavailable("the writer is shipping its log to the replicated log");
    else if (reconcile_)
      refused = reconcile();
    if (!refused.ok()) {
      for (Pending& p : batch) {
        CommandOutcome o;
        o.error = refused;
        metrics_.commands_failed.add();
        p.done(std::move(o));
      }
      if (options_.after_answers) options_.after_answers();
      return;
    }
  }
  std::vector<CommandOutcome> outcomes(batch.size());
  std::vector<bool> excluded(batch.size(), false);
  std::unordered_map<std::string, BatchContext::Changed, StringHash, std::equal_to<>> changed;
  Timestamp last_occurred = last_occurred_;
  bool committed = false;
  std::uint64_t head_after = 0;  // the log's head in the transaction that committed
  std::uint64_t shipped_as = 0;  // its number in the replicated log (writer role)
  // The role for the whole batch: a replicated writer ships it; checked again for replicas
  // above, and only this thread turns a writer into a replica.
  const bool writer_role = role_.load() == Role::kWriter;
  // Group commit: the callers answered last time are likely sending their next commands.
  // While the transaction is open, commands that arrive join it, and when there is nothing
  // to do yet fewer than `expected` came, the writer waits for them, up to this much idle
  // time in all (as PostgreSQL's commit_delay does). A lone caller never waits: its last
  // batch was 1.
  std::chrono::microseconds idle_budget = options_.group_commit_wait;
  // The most commands this batch may hold: lowered when it is too large to ship.
  std::size_t cap = std::numeric_limits<std::size_t>::max();

  for (;;) {
    std::optional<std::size_t> failing;
    const auto batch_start = Clock_::now();
    Clock_::duration commit_time{};
    auto run_batch = [&](storage::WriteTxn& txn) -> Status {
      // Another process may have appended since this writer's last commit (a CLI command
      // such as `users set-password`, while the server runs; LMDB serialises the two write
      // transactions): then the states this writer remembers may be behind the log.
      BL_ASSIGN_OR_RETURN(storage::LogHead head, log_->head(txn));
      if (head.position != committed_head_) {
        cache_.clear();
        BL_ASSIGN_OR_RETURN(auto last, log_->get(txn, head.position));
        if (last) last_occurred_ = std::max(last_occurred_, last->occurred_at);
        last_occurred = last_occurred_;
        committed_head_ = head.position;
      }
      // Runs again from here without a command that failed: start from the committed state.
      BatchContext ctx(*env_, txn, log_->writer(txn), last_occurred_);
      for (std::size_t i = 0;; ++i) {
        if (i == batch.size()) {
          if (batch.size() >= cap || !gather_more(batch, expected, idle_budget)) break;
          outcomes.resize(batch.size());
          excluded.resize(batch.size(), false);
        }
        if (excluded[i]) continue;
        outcomes[i] = CommandOutcome{};
        Status st;
        // A throw from a handler, an apply or a projection fails this command alone: the
        // transaction runs again without it and the writer lives on.
        try {
          st = run_command(batch[i].command, ctx, &outcomes[i]);
        } catch (const std::exception& e) {
          st = Status::Internal("command " + batch[i].command.type + " on " +
                                batch[i].command.stream + " threw: " + e.what());
        } catch (...) {
          st = Status::Internal("command " + batch[i].command.type + " on " +
                                batch[i].command.stream + " threw a non-exception");
        }
        if (!st.ok()) {
          failing = i;
          return st;
        }
      }
      BL_ASSIGN_OR_RETURN(storage::LogHead after, log_->head(txn));
      // A replicated writer commits only what a quorum of the replicated log holds.
      if (writer_role && after.position != committed_head_)
        BL_RETURN_IF_ERROR(
            ship_batch(txn, ctx.command_ids, ctx.secrets, after.position, &shipped_as));
      changed = std::move(ctx.changed);
      last_occurred = ctx.last_occurred;
      head_after = after.position;
      return Status::Ok();
    };
    Status s = env_->write(run_batch, &commit_time);
    if (s.ok()) {
      committed = true;
      metrics_.commit_seconds.observe(std::chrono::duration<double>(commit_time).count());
      metrics_.batch_seconds.observe(
          std::chrono::duration<double>(Clock_::now() - batch_start).count());
      break;
    }
    if (s.code() == Status::Code::kTooLarge && !failing) {  // the ship's measure, not a command's
      // More than one message of the replicated log takes: the later half of the commands
      // goes back to the head of the queue for the next batch. A command too large alone
      // is refused.
      std::vector<std::size_t> active;
      for (std::size_t i = 0; i < batch.size(); ++i)
        if (!excluded[i]) active.push_back(i);
      if (active.size() > 1) {
        cap = active[active.size() / 2];
        requeue_from(batch, cap, excluded, outcomes);
        continue;
      }
      if (active.size() == 1) {
        excluded[active[0]] = true;
        outcomes[active[0]] = CommandOutcome{};
        outcomes[active[0]].error = Status::TooLarge(
            "the command's events are too large to "
            "replicate: " +
            s.message());
        continue;
      }
    }
    if (failing && s.code() != Status::Code::kMapFull && s.code() != Status::Code::kNoSpace) {
      // One command broke the transaction: answer it with the error, redo the others.
      excluded[*failing] = true;
      outcomes[*failing] = CommandOutcome{};
      outcomes[*failing].error = s;
      continue;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (!excluded[i]) {
        outcomes[i] = CommandOutcome{};
        outcomes[i].error = s;
      }
    break;
  }

  if (!committed && shipped_as != 0) {
    // The replicated log holds the batch, this log does not (the commit failed after the
    // ship): the outcome is the stream's. Read it before the next batch; its commands get
    // the answer of an unknown outcome, so that a retry with its key finds it.
    reconcile_ = true;
    unanswered_ids_.insert(in_flight_id_);
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (!excluded[i] && !outcomes[i].error.ok())
        outcomes[i].error = Status::Unavailable(
            "stored by the replicated log but not committed "
            "here: " +
            outcomes[i].error.message());
  }
  if (committed && shipped_as != 0) {
    std::lock_guard lock(replication_mutex_);
    shipped_sequence_ = shipped_as;
    shipped_position_ = head_after;
  }
  if (committed && writer_role && shipped_as == 0) confirm_still_writer(batch, excluded, outcomes);
  if (committed) {
    if (cache_.size() + changed.size() > options_.state_cache_limit) cache_.clear();
    for (auto& [stream, c] : changed) cache_[stream] = StreamState{c.version, std::move(c.state)};
    last_occurred_ = last_occurred;
    committed_head_ = head_after;
  }
  metrics_.batches.add();
  metrics_.batch_size.observe(static_cast<double>(batch.size()));
  const auto done = Clock_::now();
  // Answer everyone first and log afterwards: callers can send their next commands while
  // the writer formats its log lines, instead of the last caller waiting for all of them.
  struct LogLine {
    std::string outcome;  // a copy: a rejection's code moves away with its answer
    std::uint64_t first = 0, last = 0;
    double seconds = 0;
    std::string error;
  };
  std::vector<LogLine> lines;
  const bool logging = spdlog::should_log(spdlog::level::info);
  if (logging) lines.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CommandOutcome& o = outcomes[i];
    if (!o.error.ok())
      metrics_.commands_failed.add();
    else if (o.rejection)
      metrics_.commands_rejected.add();
    else if (o.append.duplicate)
      metrics_.commands_duplicate.add();
    else
      metrics_.commands_accepted.add();
    if (o.error.ok() && !o.append.duplicate && o.append.last_position != 0)
      metrics_.events_appended.add(o.append.last_position - o.append.first_position + 1);
    const double seconds = std::chrono::duration<double>(done - batch[i].queued).count();
    metrics_.command_seconds.observe(seconds);
    if (logging)
      lines.push_back({std::string(outcome_name(o)), o.append.first_position,
                       o.append.last_position, seconds,
                       o.error.ok() ? std::string() : " error=" + o.error.to_string()});
    batch[i].done(std::move(o));
  }
  if (options_.after_answers) options_.after_answers();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Command& c = batch[i].command;
    const LogLine& l = lines[i];
    spdlog::info(
        "command actor={} role={} command={} stream={} outcome={} positions={}-{} "
        "latency_ms={:.3f}{}",
        c.actor.id, c.actor.role, c.type, c.stream, l.outcome, l.first, l.last, l.seconds * 1000,
        l.error);
  }
}

Status Engine::run_command(const Command& cmd, BatchContext& batch, CommandOutcome* out) {
  std::string command_id;
  if (!cmd.idempotency_key.empty()) {
    command_id = cmd.actor.id + '\x1f' + cmd.idempotency_key;
    if (command_id.size() > storage::kMaxCommandId) {
      out->rejection =
          Rejection{RejectionKind::kInvalid, "invalid_field", "Idempotency-Key is too long", {}};
      return Status::Ok();
    }
    BL_ASSIGN_OR_RETURN(auto earlier, log_->find_command(batch.txn, command_id));
    if (earlier) {
      // Entries from before format 3 kept no digest: those can only be taken as retries.
      if (!earlier->request_digest.empty() && !cmd.request_digest.empty() &&
          earlier->request_digest != cmd.request_digest) {
        out->rejection =
            Rejection{RejectionKind::kRule, "idempotency_key_reused",
                      "this Idempotency-Key was used on another request (method, path or body "
                      "differ); a retry must repeat its request exactly",
                      ""};
        return Status::Ok();
      }
      out->append = std::move(*earlier);
      out->append.duplicate = true;
      return Status::Ok();
    }
  }

  const Timestamp occurred = std::max(cmd.occurred_at.value_or(clock_->now()), batch.last_occurred);
  Decision decision;
  if (!cmd.fired_timer && cmd.actor.role == kSystemActor)
    decision = Decision::reject(RejectionKind::kForbidden, "forbidden",
                                "only the engine's timers act as the system");
  else if (cmd.expected_version) {
    BL_ASSIGN_OR_RETURN(StreamState current, load_for_write(batch, cmd.stream, UINT64_MAX));
    if (current.version != *cmd.expected_version)
      decision = Decision::reject(RejectionKind::kVersionMismatch, "version_mismatch",
                                  cmd.stream + " is at version " + std::to_string(current.version) +
                                      ", not " + std::to_string(*cmd.expected_version));
  }
  if (!decision.rejection) {
    auto handler = domain_.handlers.find(cmd.type);
    if (handler == domain_.handlers.end()) {
      decision =
          Decision::reject(RejectionKind::kInvalid, "unknown_command", "no command " + cmd.type);
    } else {
      Status load_error;
      CommandContext ctx(
          [&](std::string_view stream) -> Result<StreamState> {
            auto state = load_for_write(batch, stream, UINT64_MAX);
            if (!state.ok()) load_error = state.status();
            return state;
          },
          batch.views, env_->log_tables().secrets, batch.txn, occurred);
      // Anything but a bad argument or storage: a defect, which process() turns into
      // Status::Internal.
      BL_ASSIGN_OR_RETURN(decision, call_handler(handler->second, cmd, ctx));
      BL_RETURN_IF_ERROR(load_error);
    }
  }

  if (!decision.rejection && !decision.secrets.empty() && decision.events.empty())
    return Status::Internal(cmd.type + " changes secrets without an event saying so");
  if (decision.rejection) decision.secrets.clear();  // a refusal writes nothing

  storage::AppendRequest req;
  req.actor = cmd.actor;
  req.command_id = command_id;
  if (!command_id.empty()) req.request_digest = cmd.request_digest;
  req.correlation_id = cmd.correlation_id;
  req.comment = cmd.comment;
  req.occurred_at = occurred;
  req.recorded_at = system_now();
  const bool timer = cmd.fired_timer.has_value();
  if (timer) {
    // The record that this timer fired; the timers view drops it on this event.
    boost::json::object fired;
    fired["timer"] = *cmd.fired_timer;
    fired["command"] = cmd.type;
    fired["outcome"] = decision.rejection ? decision.rejection->code : "accepted";
    req.events.push_back({cmd.stream, std::string(kTimerFired), to_text(fired),
                          domain_.upcasters.current(kTimerFired)});
  }
  if (decision.rejection) {
    out->rejection = std::move(decision.rejection);
    if (!timer) return Status::Ok();
  } else {
    // Data is stored as Boost.JSON writes it; docs/FORMAT.md 4.3 holds auditors' verifiers
    // to exactly these bytes, so another serializer here needs a new record format.
    for (EventDraft& draft : decision.events)
      req.events.push_back({std::move(draft.stream), draft.type, to_text(draft.data),
                            domain_.upcasters.current(draft.type)});
    for (StreamGuard& guard : decision.guards)
      req.expected.push_back({std::move(guard.stream), guard.version});
  }
  out->reply = std::move(decision.reply);
  out->occurred_at = occurred;
  if (req.events.empty()) return Status::Ok();  // accepted, nothing to record

  std::vector<storage::EventView> written;
  Status st = batch.writer.append(req, &out->append, &written);
  if (st.code() == Status::Code::kConflict) {
    out->rejection =
        Rejection{RejectionKind::kVersionMismatch, "version_mismatch", st.message(), {}};
    return Status::Ok();
  }
  if (st.code() == Status::Code::kInvalidArgument) {
    out->rejection = Rejection{RejectionKind::kInvalid, "invalid_field", st.message(), {}};
    return Status::Ok();
  }
  BL_RETURN_IF_ERROR(st);
  batch.last_occurred = occurred;
  // Credentials change with the events that record it, in the same transaction.
  const storage::Table& secrets = env_->log_tables().secrets;
  for (const SecretWrite& w : decision.secrets) {
    if (w.value)
      BL_RETURN_IF_ERROR(secrets.put(batch.txn, w.key, *w.value));
    else
      BL_RETURN_IF_ERROR(secrets.erase(batch.txn, w.key).status());
  }
  if (role_.load(std::memory_order_relaxed) == Role::kWriter) {
    for (const SecretWrite& w : decision.secrets) batch.secrets.push_back({w.key, w.value});
    if (!command_id.empty() && !out->append.duplicate) batch.command_ids.push_back(command_id);
  } else if (replicated_data_) {
    // A tool beside a replicated writer (users set-password): its event ships with the
    // writer's next batch, and so, from here, do its secrets' writes.
    for (const SecretWrite& w : decision.secrets)
      BL_RETURN_IF_ERROR(record_unshipped_secret(batch.txn, {w.key, w.value}));
  }

  for (const storage::EventView& ev : written) {
    auto it = batch.changed.find(ev.stream);
    if (it == batch.changed.end()) {
      BL_ASSIGN_OR_RETURN(StreamState before, load_for_write(batch, ev.stream, ev.version - 1));
      it = batch.changed
               .emplace(std::string(ev.stream),
                        BatchContext::Changed{before.version, before.state->clone()})
               .first;
    }
    BL_ASSIGN_OR_RETURN(boost::json::object data, event_data(ev));
    AggregateState& state = *it->second.state;
    state.apply(RecordedEvent{ev, data});
    it->second.version = ev.version;
    const RecordedEvent recorded{ev, data, &state};
    for (const auto& projection : domain_.projections)
      BL_RETURN_IF_ERROR(projection->apply(recorded, batch.views));
  }
  if (auto it = batch.changed.find(cmd.stream); it != batch.changed.end())
    for (const auto& [prefix, render] : domain_.renderers)
      if (cmd.stream.starts_with(prefix)) {
        BL_ASSIGN_OR_RETURN(out->entity,
                            render(*it->second.state, it->second.version, batch.views));
        break;
      }
  return Status::Ok();
}

// The stream's state for a decision inside the batch: changed earlier in the batch, or
// committed (cached, else replayed from the log up to max_version).
Result<StreamState> Engine::load_for_write(BatchContext& batch, std::string_view stream,
                                           std::uint64_t max_version) {
  if (auto it = batch.changed.find(stream); it != batch.changed.end())
    return StreamState{it->second.version, it->second.state};
  if (auto it = cache_.find(stream); it != cache_.end() && it->second.version <= max_version)
    return it->second;
  return replay(batch.txn, stream, max_version);
}

std::unique_ptr<AggregateState> Engine::make_state(std::string_view stream) const {
  const std::pair<std::string, AggregateFactory>* best = nullptr;
  for (const auto& entry : domain_.aggregates)
    if (stream.starts_with(entry.first) &&
        (best == nullptr || entry.first.size() > best->first.size()))
      best = &entry;
  return best != nullptr ? best->second() : std::make_unique<NoState>();
}

Status Engine::apply_events(std::span<const storage::Event> events,
                            AggregateState& aggregate) const {
  for (const storage::Event& e : events) {
    const storage::EventView view = storage::view_of(e);
    BL_ASSIGN_OR_RETURN(boost::json::object data, event_data(view));
    aggregate.apply(RecordedEvent{view, data});
  }
  return Status::Ok();
}

Result<StreamState> Engine::fold(std::string_view stream,
                                 std::span<const storage::Event> events) const {
  std::unique_ptr<AggregateState> aggregate = make_state(stream);
  BL_RETURN_IF_ERROR(apply_events(events, *aggregate));
  return StreamState{events.empty() ? 0 : events.back().version, std::move(aggregate)};
}

Result<StreamState> Engine::replay(const storage::Txn& txn, std::string_view stream,
                                   std::optional<std::uint64_t> to_version) const {
  BL_ASSIGN_OR_RETURN(std::vector<storage::Event> events,
                      log_->read_stream(txn, stream, 1, to_version.value_or(UINT64_MAX)));
  return fold(stream, events);
}

Result<StreamState> Engine::replay_as_of(const storage::Txn& txn, std::string_view stream,
                                         Timestamp at) const {
  BL_ASSIGN_OR_RETURN(std::vector<storage::Event> events, log_->read_stream_until(txn, stream, at));
  return fold(stream, events);
}

Result<boost::json::object> Engine::event_data(const storage::EventView& event) const {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(event.data, ec);
  if (ec || !parsed.is_object())
    return Status::Corruption("event " + std::to_string(event.position) +
                              " has data that is not a JSON object");
  boost::json::object data = std::move(parsed.as_object());
  domain_.upcasters.upcast(event.type, event.schema_version, data);
  return data;
}

std::size_t Engine::queued_commands() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

std::string Engine::render_metrics() const {
  std::string out;
  metrics_.render(&out);
  render_allocator(&out);
  auto gauge = [&](const char* name, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
           " " + std::to_string(value) + "\n";
  };
  gauge("brandledger_commands_queued", "Commands waiting for the writer to take them.",
        queued_commands());
  if (auto stats = env_->stats(); stats.ok()) {
    gauge("brandledger_log_events", "Events in the log.", stats->events);
    gauge("brandledger_log_streams", "Streams in the log.", stats->streams);
    gauge("brandledger_map_used_bytes", "Bytes of the LMDB map in use.", stats->map_used);
    gauge("brandledger_map_size_bytes", "Bytes reserved for the LMDB map.", stats->map_size);
    gauge("brandledger_readers", "LMDB reader slots in use.", stats->readers);
  }
  if (const ReplicationStatus r = replication_status(); r.role != Role::kSingle) {
    out += fmt::format(
        "# HELP brandledger_replication_role 1 on the writer, 0 on a replica.\n"
        "# TYPE brandledger_replication_role gauge\nbrandledger_replication_role {}\n"
        "# HELP brandledger_replication_sequence The replicated log's batch this node's log ends "
        "with.\n# TYPE brandledger_replication_sequence gauge\n"
        "brandledger_replication_sequence {}\n"
        "# HELP brandledger_replication_degraded 1 once a replicated batch failed its checks.\n"
        "# TYPE brandledger_replication_degraded gauge\nbrandledger_replication_degraded {}\n"
        "# HELP brandledger_replication_fenced_total Ships refused because another writer "
        "appended first.\n# TYPE brandledger_replication_fenced_total counter\n"
        "brandledger_replication_fenced_total {}\n",
        r.role == Role::kWriter ? 1 : 0, r.sequence, r.degraded ? 1 : 0,
        metrics_.ship_fenced.value());
    metrics_.ship_seconds.render(&out, "brandledger_replication_publish_seconds",
                                 "Shipping a batch to the replicated log until a quorum holds it.");
  }
  const ChainStatus chain = chain_status();
  out +=
      "# HELP brandledger_chain_ok 1 unless the last walk of the hash chain found a break.\n"
      "# TYPE brandledger_chain_ok gauge\nbrandledger_chain_ok " +
      std::string(chain.ok ? "1" : "0") +
      "\n# HELP brandledger_chain_checked_events Events the last complete walk of the chain "
      "verified.\n# TYPE brandledger_chain_checked_events "
      "gauge\nbrandledger_chain_checked_events " +
      std::to_string(chain.events) + "\n";
  return out;
}

Result<Timestamp> Engine::advance_clock(Timestamp to) {
  if (manual_clock_ == nullptr) return Status::Unsupported("the clock is not manual");
  if (to < manual_clock_->now())
    return Status::InvalidArgument("the clock cannot go back from " +
                                   format_rfc3339(manual_clock_->now()));
  BL_RETURN_IF_ERROR(env_->write([&](storage::WriteTxn& txn) {
    return env_->log_tables().meta.put(
        txn, kManualClockKey, storage::encode_u64(static_cast<std::uint64_t>(to_micros(to))));
  }));
  BL_RETURN_IF_ERROR(manual_clock_->set(to));
  BL_RETURN_IF_ERROR(fire_due_timers().status());
  return manual_clock_->now();
}

Result<Decision> Engine::decide_only(const Command& cmd) const {
  auto handler = domain_.handlers.find(cmd.type);
  if (handler == domain_.handlers.end())
    return Decision::reject(RejectionKind::kInvalid, "unknown_command", "no command " + cmd.type);
  if (!cmd.fired_timer && cmd.actor.role == kSystemActor)
    return Decision::reject(RejectionKind::kForbidden, "forbidden", "only a timer acts as system");
  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, env_->begin_read());
  ViewReader views(*env_, txn);
  Status load_error;
  CommandContext ctx(
      [&](std::string_view stream) -> Result<StreamState> {
        auto state = replay(txn, stream);
        if (!state.ok()) load_error = state.status();
        return state;
      },
      views, env_->log_tables().secrets, txn, clock_->now());
  Result<Decision> decision = Status::Internal("not decided");
  try {
    decision = call_handler(handler->second, cmd, ctx);
  } catch (const std::exception& e) {
    return Status::Internal("deciding " + cmd.type + " threw: " + e.what());
  }
  BL_RETURN_IF_ERROR(load_error);
  return decision;
}

Status Engine::write_secrets(
    const std::function<Status(storage::WriteTxn&, const storage::Table& secrets)>& write) {
  if (options_.read_only) return Status::Unsupported("opened read-only");
  return env_->write(
      [&](storage::WriteTxn& txn) { return write(txn, env_->log_tables().secrets); });
}

Result<std::size_t> Engine::fire_due_timers() {
  // A replica's timers are the writer's to fire: their events arrive with its batches.
  if (role_.load() == Role::kReplica) return std::size_t{0};
  // Each round fires what is due; a timer's command may schedule another one already due.
  std::size_t fired = 0;
  for (int round = 0; round < 100; ++round) {
    const Timestamp now = clock_->now();
    std::vector<TimerSpec> due;
    {
      BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, env_->begin_read());
      ViewReader views(*env_, txn);
      Status bad;
      BL_RETURN_IF_ERROR(
          views.scan(kTimersTable, "", [&](std::string_view, std::string_view value) {
            auto timer = decode_timer(value);
            if (!timer) {
              bad = Status::Corruption("unreadable timer");
              return false;
            }
            if (timer->due > now) return false;
            due.push_back(std::move(*timer));
            return true;
          }));
      BL_RETURN_IF_ERROR(bad);
    }
    if (due.empty()) return fired;
    std::vector<std::future<CommandOutcome>> answers;
    for (TimerSpec& t : due) {
      Command c;
      c.type = t.command;
      c.stream = t.stream;
      c.actor = {std::string(kSystemActor), "系统", std::string(kSystemActor), ""};
      c.idempotency_key = "timer:" + t.id + "@" + std::to_string(to_micros(t.due));
      c.occurred_at = t.due;
      c.comment = "timer " + t.id;
      boost::system::error_code ec;
      auto args = boost::json::parse(t.args_json, ec);
      if (!ec && args.is_object()) c.args = std::move(args.as_object());
      c.fired_timer = t.id;
      answers.push_back(submit(std::move(c)));
    }
    for (auto& answer : answers) {
      CommandOutcome o = answer.get();
      if (!o.error.ok()) return o.error;
      ++fired;
      metrics_.timers_fired.add();
    }
  }
  return fired;
}

void Engine::timer_loop() {
  std::unique_lock lock(timer_mutex_);
  for (;;) {
    if (timer_cv_.wait_for(lock, options_.timer_poll, [&] { return timers_stopping_; })) return;
    lock.unlock();
    auto fired = fire_due_timers();
    if (!fired.ok()) spdlog::error("firing timers: {}", fired.status().to_string());
    lock.lock();
  }
}

Result<std::vector<std::string>> Engine::views_differing_from_log(
    const std::filesystem::path& scratch) const {
  // Every entry in scan order: a position set's key comes once per position.
  using Tables = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;
  auto read_views = [](const storage::Environment& env) -> Result<Tables> {
    Tables out;
    BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, env.begin_read());
    for (const storage::Table& t : env.view_tables())
      BL_RETURN_IF_ERROR(t.scan(txn, "", [&](std::string_view k, std::string_view v) {
        out[t.name()].emplace_back(k, v);
        return true;
      }));
    return out;
  };
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  auto differing = [&]() -> Result<std::vector<std::string>> {
    BL_RETURN_IF_ERROR(env_->backup(scratch));
    Tables kept;
    {
      storage::EnvironmentOptions env_options;
      env_options.read_only = true;
      env_options.view_tables = domain_.view_tables();
      BL_ASSIGN_OR_RETURN(auto copy, storage::Environment::open(scratch, env_options));
      BL_ASSIGN_OR_RETURN(kept, read_views(*copy));
    }
    EngineOptions options;
    options.data_dir = scratch;
    options.take_commands = false;  // never append, whatever is due
    BL_ASSIGN_OR_RETURN(auto copy, Engine::open(options, domain_));
    if (!copy->rebuilt_at_open()) BL_RETURN_IF_ERROR(copy->rebuild());
    BL_ASSIGN_OR_RETURN(Tables rebuilt, read_views(copy->environment()));
    std::vector<std::string> out;
    for (const auto& [table, rows] : kept)
      if (rebuilt.count(table) == 0 || rebuilt.at(table) != rows) out.push_back(table);
    return out;
  }();
  std::filesystem::remove_all(scratch, ignored);
  return differing;
}

Status Engine::rebuild() {
  const auto& meta = env_->log_tables().meta;
  BL_RETURN_IF_ERROR(env_->write([&](storage::WriteTxn& txn) -> Status {
    BL_RETURN_IF_ERROR(meta.put(txn, kRebuildMarkerKey, "1"));
    for (const storage::Table& t : env_->view_tables()) BL_RETURN_IF_ERROR(t.clear(txn));
    return Status::Ok();
  }));
  // Chunks of 50,000 events: smaller ones commit and sync more often, larger ones make the
  // list of dirty pages LMDB searches and inserts into at each page a write touches long
  // (539,133 events: 20,000 a chunk 6.8 - 7.0 s, 50,000 6.2 s, 200,000 6.6 - 7.1 s); both
  // stay well inside LMDB's limit of dirty pages per transaction. A rebuild cut
  // short (a crash, an error) is done again from the start at the next open (the marker),
  // so no chunk needs to leave the views complete: projections write what depends only on
  // an aggregate's latest state once, at the end (Projection::flush).
  constexpr std::uint64_t kChunk = 50'000;
  std::uint64_t after = 0;
  // Every stream's aggregate as the replay goes: projections render from it. Applied in
  // place (nobody else holds them), so a rebuild clones nothing, and each stays where it
  // is until the flush.
  struct Replayed {
    std::unique_ptr<AggregateState> state;
    std::uint64_t version = 0;
  };
  std::unordered_map<std::string, Replayed, StringHash, std::equal_to<>> aggregates;
  // Position-set entries are held across chunks and written key by key (views.h): the
  // more a key has at once, the fewer searches and page rewrites per entry. Four million
  // entries of 40 bytes, their keys and the sort's buffer: about 330 MB at the write (two
  // million: 200 MB, but ten million events took 171 s rather than 140 s).
  DeferredPositions positions;
  constexpr std::size_t kHeldPositions = 4'000'000;
  for (;;) {
    std::uint64_t last = after;
    BL_RETURN_IF_ERROR(env_->write([&](storage::WriteTxn& txn) -> Status {
      ViewWriter views(*env_, txn, &positions);
      Status bad;
      BL_RETURN_IF_ERROR(log_->for_each(txn, after, [&](const storage::EventView& ev) {
        auto data = event_data(ev);
        if (!data.ok()) {
          bad = data.status();
          return false;
        }
        auto it = aggregates.find(ev.stream);
        if (it == aggregates.end())
          it = aggregates.emplace(std::string(ev.stream), Replayed{make_state(ev.stream)}).first;
        AggregateState& aggregate = *it->second.state;
        aggregate.apply(RecordedEvent{ev, *data});
        it->second.version = ev.version;
        const RecordedEvent recorded{ev, *data, &aggregate, /*replaying=*/true};
        for (const auto& projection : domain_.projections) {
          bad = projection->apply(recorded, views);
          if (!bad.ok()) return false;
        }
        last = ev.position;
        return last - after < kChunk && positions.size() < kHeldPositions;
      }));
      BL_RETURN_IF_ERROR(bad);
      return positions.size() >= kHeldPositions || last == after ? positions.write(txn)
                                                                 : Status::Ok();
    }));
    if (last == after) break;
    after = last;
  }
  cache_.clear();
  return env_->write([&](storage::WriteTxn& txn) -> Status {
    ViewWriter views(*env_, txn);
    std::vector<ReplayedStream> streams;
    streams.reserve(aggregates.size());
    for (const auto& [stream, replayed] : aggregates)
      streams.push_back({stream, replayed.state.get(), replayed.version});
    // In stream order, so that documents keyed by their stream's id go in in key order.
    std::sort(streams.begin(), streams.end(),
              [](const auto& a, const auto& b) { return a.stream < b.stream; });
    for (const auto& projection : domain_.projections)
      BL_RETURN_IF_ERROR(projection->flush(streams, views));
    BL_RETURN_IF_ERROR(meta.erase(txn, kRebuildMarkerKey).status());
    return stamp_views_version(txn);
  });
}

Status Engine::stamp_views_version(storage::WriteTxn& txn) const {
  return env_->log_tables().meta.put(txn, kViewsVersionKey,
                                     storage::encode_u32(domain_.views_version));
}

void Upcasters::add(std::string type, std::uint32_t from,
                    std::function<void(boost::json::object&)> step) {
  auto& current = current_[type];
  current = std::max({current, from + 1, std::uint32_t{1}});
  steps_[{std::move(type), from}] = std::move(step);
}

std::uint32_t Upcasters::current(std::string_view type) const {
  auto it = current_.find(type);
  return it == current_.end() ? 1 : it->second;
}

void Upcasters::upcast(std::string_view type, std::uint32_t schema,
                       boost::json::object& data) const {
  for (std::uint32_t v = schema; v < current(type); ++v) {
    auto it = steps_.find(std::pair<std::string, std::uint32_t>(std::string(type), v));
    if (it != steps_.end()) it->second(data);
  }
}

std::vector<storage::ViewTableSpec> Domain::view_tables() const {
  std::vector<storage::ViewTableSpec> tables = {std::string(kTimersTable),
                                                std::string(kTimerIdsTable)};
  auto add = [&](std::string name, bool position_set) {
    for (const auto& t : tables)
      if (t.name == name) return;
    tables.emplace_back(std::move(name), position_set);
  };
  for (const auto& p : projections) {
    for (std::string& t : p->tables()) add(std::move(t), false);
    for (std::string& t : p->position_sets()) add(std::move(t), true);
  }
  return tables;
}

}  // namespace brandledger::engine
