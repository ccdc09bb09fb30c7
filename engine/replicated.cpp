// The engine's part in a replicated log (docs/SCALE-OUT.md): the writer ships each batch
// inside its transaction, before the commit; a replica applies shipped batches after
// checking them; promotion, step-down, and the backlog a new writer ships first.
#include <spdlog/spdlog.h>

#include "engine/engine.h"
#include "storage/codec.h"

namespace brandledger::engine {
namespace {

// Meta keys (the meta table holds "small settings of the layers above").
constexpr std::string_view kSequenceKey = "replication.sequence";  // u64 seq ‖ u64 position
constexpr std::string_view kDegradedKey = "replication.degraded";  // why, in words
// "replication.batch." ‖ u64be seq -> u64 last position: where each batch ends, so that a
// writer can ship batches again with the boundaries (and ids) they had.
constexpr std::string_view kBatchPrefix = "replication.batch.";
// u64: the last batch this node stored itself, as the writer. A writer whose last batch is
// not its own has followed another writer since: it does not take the log back on its own
// at a restart (only a promotion does). `backup` leaves it out of the copy.
constexpr std::string_view kOwnKey = "replication.own";
// "replication.unshipped_secret." ‖ secret key -> u8 kind (1 put, 0 erase) ‖ value.
constexpr std::string_view kUnshippedSecretPrefix = "replication.unshipped_secret.";

std::string batch_key(std::uint64_t sequence) {
  std::string key(kBatchPrefix);
  storage::append_u64be(&key, sequence);
  return key;
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kSingle: return "single";
    case Role::kWriter: return "writer";
    case Role::kReplica: return "replica";
  }
  return "single";
}

Status Engine::load_replication_state(const storage::Txn& txn) {
  const auto& meta = env_->log_tables().meta;
  BL_ASSIGN_OR_RETURN(auto stored, meta.get(txn, kSequenceKey));
  BL_ASSIGN_OR_RETURN(auto degraded, meta.get(txn, kDegradedKey));
  BL_ASSIGN_OR_RETURN(auto own, meta.get(txn, kOwnKey));
  std::lock_guard lock(replication_mutex_);
  if (stored && stored->size() == 16) {
    shipped_sequence_ = storage::decode_u64(stored->substr(0, 8)).value_or(0);
    shipped_position_ = storage::decode_u64(stored->substr(8)).value_or(0);
  }
  own_sequence_ = own ? storage::decode_u64(*own).value_or(0) : 0;
  if (degraded) {
    degraded_ = true;
    degraded_problem_ = std::string(*degraded);
  }
  if (options_.shipper) role_ = options_.replica || degraded_ ? Role::kReplica : Role::kWriter;
  replicated_data_ = !options_.shipper && options_.beside_replicated_writer && stored.has_value();
  backlog_pending_ = role_ == Role::kWriter;
  return Status::Ok();
}

Status Engine::record_shipped(storage::WriteTxn& txn, std::uint64_t sequence,
                              std::uint64_t position, bool own) const {
  const auto& meta = env_->log_tables().meta;
  BL_RETURN_IF_ERROR(
      meta.put(txn, kSequenceKey, storage::encode_u64(sequence) + storage::encode_u64(position)));
  if (own) BL_RETURN_IF_ERROR(meta.put(txn, kOwnKey, storage::encode_u64(sequence)));
  return meta.put(txn, batch_key(sequence), storage::encode_u64(position));
}

Status forget_own_batches(storage::Environment& env) {
  return env.write(
      [&](storage::WriteTxn& txn) { return env.log_tables().meta.erase(txn, kOwnKey).status(); });
}

Status Engine::record_unshipped_secret(storage::WriteTxn& txn,
                                       const storage::SecretChange& change) {
  std::string value(1, change.value ? '\1' : '\0');
  if (change.value) value += *change.value;
  return env_->log_tables().meta.put(txn, std::string(kUnshippedSecretPrefix) + change.key, value);
}

Status Engine::take_unshipped_secrets(storage::WriteTxn& txn,
                                      std::vector<storage::SecretChange>* out) {
  const auto& meta = env_->log_tables().meta;
  std::vector<std::string> keys;
  BL_RETURN_IF_ERROR(
      meta.scan_prefix(txn, kUnshippedSecretPrefix, [&](std::string_view k, std::string_view v) {
        keys.emplace_back(k);
        storage::SecretChange c{std::string(k.substr(kUnshippedSecretPrefix.size())), {}};
        if (!v.empty() && v[0] == '\1') c.value = std::string(v.substr(1));
        out->push_back(std::move(c));
        return true;
      }));
  for (const std::string& k : keys) BL_RETURN_IF_ERROR(meta.erase(txn, k).status());
  return Status::Ok();
}

ReplicationStatus Engine::replication_status() const {
  std::lock_guard lock(replication_mutex_);
  return {role_.load(), shipped_sequence_, shipped_position_,
          degraded_,    degraded_problem_, fenced_};
}

Status Engine::ship_batch(storage::WriteTxn& txn, const std::vector<std::string>& command_ids,
                          const std::vector<storage::SecretChange>& secrets,
                          std::uint64_t head_after, std::uint64_t* sequence) {
  std::uint64_t after_sequence = 0, after_position = 0;
  {
    std::lock_guard lock(replication_mutex_);
    after_sequence = shipped_sequence_;
    after_position = shipped_position_;
  }
  storage::LogBatch batch;
  batch.first_position = after_position + 1;
  const auto& t = env_->log_tables();
  for (std::uint64_t p = batch.first_position; p <= head_after; ++p) {
    BL_ASSIGN_OR_RETURN(auto stored, t.events.get(txn, storage::position_key(p)));
    if (!stored) return Status::Internal("event " + std::to_string(p) + " vanished while shipping");
    batch.events.emplace_back(*stored);
  }
  for (const std::string& id : command_ids) {
    BL_ASSIGN_OR_RETURN(auto entry, t.commands.get(txn, id));
    if (entry) batch.commands.emplace_back(id, std::string(*entry));
  }
  // A tool's writes beside this writer first: they came before this batch's.
  BL_RETURN_IF_ERROR(take_unshipped_secrets(txn, &batch.secrets));
  batch.secrets.insert(batch.secrets.end(), secrets.begin(), secrets.end());
  // Above what one message takes, it is not shipped at all: the writer splits the batch.
  if (const std::size_t limit = options_.shipper->max_batch_bytes();
      limit > 0 && storage::encoded_size(batch) > limit)
    return Status::TooLarge("the batch's events take " +
                            std::to_string(storage::encoded_size(batch)) +
                            " bytes, and one message of the replicated log takes " +
                            std::to_string(limit) + " (the NATS servers' max_payload)");
  const std::string id = storage::log_batch_id(batch);
  const auto start = std::chrono::steady_clock::now();
  auto shipped = options_.shipper->ship(batch, id, after_sequence);
  metrics_.ship_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!shipped.ok()) {
    // Refused by the fence, or no answer: either way, before the next batch this writer
    // reads what the replicated log holds after its last batch. Its own earlier batches
    // without an answer may be there (a proposal the stream's RAFT log committed once a
    // quorum was back): those it applies and goes on; another writer's make it step down.
    reconcile_ = true;
    unanswered_ids_.insert(id);
    spdlog::warn("replication: batch after {} not stored ({}): its commands get 503",
                 after_sequence, shipped.status().message());
    return Status::Unavailable("the replicated log did not store the batch: " +
                               shipped.status().message());
  }
  unanswered_ids_.clear();  // a batch stored after ours settles every earlier one
  in_flight_id_ = id;
  *sequence = *shipped;
  return record_shipped(txn, *shipped, head_after, true);
}

void Engine::confirm_still_writer(const std::vector<Pending>& batch,
                                  const std::vector<bool>& excluded,
                                  std::vector<CommandOutcome>& outcomes) {
  std::uint64_t ours = 0;
  {
    std::lock_guard lock(replication_mutex_);
    ours = shipped_sequence_;
  }
  auto last = options_.shipper->last_sequence();
  if (last.ok() && *last == ours) return;
  if (last.ok()) reconcile_ = true;
  const Status unknown = Status::Unavailable(
      last.ok() ? "the replicated log has moved past this writer's last batch"
                : "the replicated log could not be read: " + last.status().message());
  spdlog::warn("replication: {}: answers decided without a ship are withheld", unknown.message());
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (!excluded[i]) {
      outcomes[i] = CommandOutcome{};
      outcomes[i].error = unknown;
    }
}

Status Engine::reconcile() {
  std::uint64_t after = 0;
  {
    std::lock_guard lock(replication_mutex_);
    after = shipped_sequence_;
  }
  BL_ASSIGN_OR_RETURN(std::vector<ShippedBatch> stored, options_.shipper->since(after, 64));
  for (const ShippedBatch& b : stored) {
    if (!unanswered_ids_.contains(b.id)) {
      {
        std::lock_guard lock(replication_mutex_);
        ++fenced_;
      }
      metrics_.ship_fenced.add();
      role_ = Role::kReplica;
      spdlog::warn(
          "replication: batch {} of the replicated log is another writer's: stepping "
          "down to replica",
          b.sequence);
      return Status::Fenced("another writer appended: this node is now a replica");
    }
    BL_RETURN_IF_ERROR(apply_shipped(b, /*own=*/true));
    spdlog::info("replication: batch {} without an answer was stored after all: applied",
                 b.sequence);
  }
  // Fewer than asked: nothing more is stored now (more of ours may land later; then the
  // fence refuses the next batch and this runs again).
  if (stored.size() < 64) reconcile_ = false;
  return Status::Ok();
}

void Engine::become_degraded(const std::string& problem) {
  {
    std::lock_guard lock(replication_mutex_);
    if (degraded_) return;
    degraded_ = true;
    degraded_problem_ = problem;
  }
  role_ = Role::kReplica;
  spdlog::error("replication: {}: applying stopped; this node is degraded and cannot be promoted",
                problem);
  const Status s = env_->write([&](storage::WriteTxn& txn) {
    return env_->log_tables().meta.put(txn, kDegradedKey, problem);
  });
  if (!s.ok()) spdlog::error("replication: could not record the degraded state: {}", s.to_string());
}

Status Engine::apply_shipped(const ShippedBatch& shipped, bool own) {
  std::uint64_t expected_sequence = 0;
  {
    std::lock_guard lock(replication_mutex_);
    if (degraded_) return Status::Corruption("degraded: " + degraded_problem_);
    expected_sequence = shipped_sequence_ + 1;
  }
  if (shipped.sequence != expected_sequence) {
    const std::string problem = "batch " + std::to_string(shipped.sequence) +
                                " arrived where batch " + std::to_string(expected_sequence) +
                                " was due";
    become_degraded(problem);
    return Status::Corruption(problem);
  }
  Status s = env_->write([&](storage::WriteTxn& txn) -> Status {
    // A throw from a projection fails the batch (kept off the thread that applies).
    try {
      return apply_shipped_in(txn, shipped, own);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("applying the batch threw: ") + e.what());
    }
  });
  if (s.code() == Status::Code::kCorruption) {
    applied_states_.clear();  // the failed transaction's states are not the log's
    become_degraded("batch " + std::to_string(shipped.sequence) + ": " + s.message());
    return s;
  }
  if (!s.ok()) {
    applied_states_.clear();
    return s;
  }
  std::lock_guard lock(replication_mutex_);
  shipped_sequence_ = shipped.sequence;
  shipped_position_ = shipped.batch.last_position();
  return Status::Ok();
}

Status Engine::apply_shipped_in(storage::WriteTxn& txn, const ShippedBatch& shipped, bool own) {
  const storage::LogBatch& batch = shipped.batch;
  BL_ASSIGN_OR_RETURN(storage::LogHead head, log_->head(txn));
  BL_RETURN_IF_ERROR(storage::continues_log(batch, head.position, head.hash));
  if (batch.is_claim() ? !storage::claim_names(shipped.id, head.hash, shipped.sequence)
                       : shipped.id != storage::log_batch_id(batch))
    return Status::Corruption(batch.is_claim() ? "the claim's id does not name this log's head"
                                               : "its id is not its last event's hash");
  if (batch.is_claim())
    spdlog::info("replication: batch {}: a writer claimed the log after position {}",
                 shipped.sequence, head.position);
  storage::EventLog::Writer writer = log_->writer(txn);
  ViewWriter views(*env_, txn);
  for (const std::string& stored : batch.events) {
    BL_RETURN_IF_ERROR(writer.append_stored(stored));
    // Read from the batch's own bytes: a view into the page would not outlive the
    // projections' writes.
    const storage::EventView ev = *storage::decode_event_value(stored);
    BL_ASSIGN_OR_RETURN(boost::json::object data, event_data(ev));
    auto it = applied_states_.find(ev.stream);
    if (it == applied_states_.end() || it->second.version != ev.version - 1) {
      if (applied_states_.size() >= options_.state_cache_limit) applied_states_.clear();
      BL_ASSIGN_OR_RETURN(StreamState before, replay(txn, ev.stream, ev.version - 1));
      it = applied_states_.insert_or_assign(std::string(ev.stream), std::move(before)).first;
    }
    // Applied to a copy of its own: the committed state others may hold stays as it was.
    std::shared_ptr<AggregateState> state = it->second.state->clone();
    state->apply(RecordedEvent{ev, data});
    const RecordedEvent recorded{ev, data, state.get()};
    for (const auto& projection : domain_.projections)
      BL_RETURN_IF_ERROR(projection->apply(recorded, views));
    it->second = StreamState{ev.version, std::move(state)};
  }
  for (const auto& [id, entry] : batch.commands) BL_RETURN_IF_ERROR(writer.put_command(id, entry));
  const storage::Table& secrets = env_->log_tables().secrets;
  for (const storage::SecretChange& c : batch.secrets) {
    if (c.value)
      BL_RETURN_IF_ERROR(secrets.put(txn, c.key, *c.value));
    else
      BL_RETURN_IF_ERROR(secrets.erase(txn, c.key).status());
  }
  return record_shipped(txn, shipped.sequence, batch.last_position(), own);
}

Status Engine::promote() {
  std::uint64_t sequence = 0, position = 0;
  {
    std::lock_guard lock(replication_mutex_);
    if (!options_.shipper) return Status::InvalidArgument("this node has no replicated log");
    if (degraded_)
      return Status::InvalidArgument("this node is degraded (" + degraded_problem_ +
                                     "): it cannot be promoted");
    if (role_.load() != Role::kReplica) return Status::InvalidArgument("this node is the writer");
    sequence = shipped_sequence_;
    position = shipped_position_;
  }
  // The claim, fenced like any batch: stored only right after the last batch applied here.
  storage::LogHead head;
  {
    BL_ASSIGN_OR_RETURN(storage::ReadTxn read, env_->begin_read());
    BL_ASSIGN_OR_RETURN(head, log_->head(read));
  }
  if (head.position != position)
    return Status::Internal("the log's head " + std::to_string(head.position) +
                            " is not where batch " + std::to_string(sequence) + " ends");
  const storage::LogBatch claim{position + 1, {}, {}, {}};
  BL_ASSIGN_OR_RETURN(
      std::uint64_t claimed,
      options_.shipper->ship(
          claim, storage::claim_id(head.hash, sequence + 1, storage::claim_nonce()), sequence));
  BL_RETURN_IF_ERROR(env_->write(
      [&](storage::WriteTxn& txn) { return record_shipped(txn, claimed, position, true); }));
  applied_states_.clear();
  {
    std::lock_guard lock(replication_mutex_);
    shipped_sequence_ = claimed;
    backlog_pending_ = false;  // it holds exactly what the replicated log held
  }
  role_ = Role::kWriter;
  spdlog::info("replication: promoted to writer: batch {} claims the log after position {}",
               claimed, position);
  // Timers that fell due while this node was a replica fire now, as the writer's would have.
  auto fired = fire_due_timers();
  if (!fired.ok())
    spdlog::warn("replication: due timers after promotion: {}", fired.status().to_string());
  return Status::Ok();
}

Status Engine::ship_backlog(std::size_t max_bytes) {
  {
    std::lock_guard lock(replication_mutex_);
    if (role_.load() != Role::kWriter || !backlog_pending_) return Status::Ok();
  }
  // One batch, a command beyond max_bytes included, must fit in a message.
  if (const std::size_t limit = options_.shipper->max_batch_bytes(); limit > 0)
    max_bytes = std::min(max_bytes, limit / 2);
  auto step_down = [&](const std::string& why) {
    role_ = Role::kReplica;
    {
      std::lock_guard lock(replication_mutex_);
      backlog_pending_ = false;
      ++fenced_;
    }
    metrics_.ship_fenced.add();
    spdlog::warn("replication: {}: another writer has written; stepping down to replica", why);
    return Status::Fenced(why + ": another writer has written; this node follows it");
  };
  const auto& t = env_->log_tables();
  // The hash of this log's event at `position` (zeros at 0: an empty log's head); nullopt
  // past this log's head.
  auto hash_at = [&](const storage::Txn& txn,
                     std::uint64_t position) -> Result<std::optional<Sha256Digest>> {
    if (position == 0) return std::optional<Sha256Digest>(Sha256Digest{});
    BL_ASSIGN_OR_RETURN(auto event, log_->get(txn, position));
    if (!event) return std::optional<Sha256Digest>();
    return std::optional<Sha256Digest>(event->hash);
  };
  // Whether `theirs` (numbered as it is) names this log: a batch by its last event's hash,
  // a claim by the head it claims (its nonce is its claimant's own).
  auto names_this_log = [&](const ShippedBatch& theirs) -> Result<bool> {
    BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, env_->begin_read());
    BL_ASSIGN_OR_RETURN(auto hash, hash_at(txn, theirs.batch.last_position()));
    if (!hash) return false;
    return theirs.batch.is_claim() ? storage::claim_names(theirs.id, *hash, theirs.sequence)
                                   : theirs.id == to_hex(*hash);
  };
  auto batch_end = [&](std::uint64_t sequence) -> Result<std::uint64_t> {
    if (sequence == 0) return std::uint64_t{0};
    BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, env_->begin_read());
    BL_ASSIGN_OR_RETURN(auto end, t.meta.get(txn, batch_key(sequence)));
    if (!end)
      return Status::Corruption("no record of where batch " + std::to_string(sequence) + " ends");
    return storage::decode_u64(*end).value_or(0);
  };
  auto stream_batch = [&](std::uint64_t sequence) -> Result<ShippedBatch> {
    BL_ASSIGN_OR_RETURN(auto one, options_.shipper->since(sequence - 1, 1));
    if (one.empty())
      return Status::Unavailable("batch " + std::to_string(sequence) + " cannot be read");
    return std::move(one.front());
  };

  BL_ASSIGN_OR_RETURN(std::uint64_t stream_last, options_.shipper->last_sequence());
  std::uint64_t sequence = replication_status().sequence;
  const std::uint64_t recorded = sequence;
  // A node whose last batch is another writer's has followed that writer since: it goes on
  // following after a restart, until a promotion makes the log its own again.
  if (sequence > 0 && own_sequence_ != sequence)
    return step_down("this node's last batch, " + std::to_string(sequence) +
                     ", is another writer's");
  // The last batch both hold must be the same batch: else the logs forked (the stream lost
  // its tail and another writer wrote after it).
  if (const std::uint64_t common = std::min(stream_last, sequence); common > 0) {
    BL_ASSIGN_OR_RETURN(ShippedBatch theirs, stream_batch(common));
    BL_ASSIGN_OR_RETURN(std::uint64_t end, batch_end(common));
    BL_ASSIGN_OR_RETURN(bool ours, names_this_log(theirs));
    if (theirs.batch.last_position() != end || !ours)
      return step_down("the replicated log's batch " + std::to_string(common) +
                       " is not this node's");
  }
  BL_ASSIGN_OR_RETURN(std::uint64_t position, batch_end(std::min(stream_last, sequence)));
  // What this node holds so far, for the thread that follows the stream if it steps down.
  auto remember = [&] {
    std::lock_guard lock(replication_mutex_);
    shipped_sequence_ = sequence;
    shipped_position_ = position;
  };
  // Batches the stream holds beyond this node's record: its own when their events are this
  // log's events (a ship whose answer was lost): adopted. The one right after the record,
  // when this log does not hold it yet but it continues it: the batch this writer shipped
  // and lost with a stop before its commit (any other writer claims the log first): applied
  // from the stream. A claim, or anything else: another node writes; this one follows.
  for (std::uint64_t next = sequence + 1; next <= stream_last; ++next) {
    BL_ASSIGN_OR_RETURN(ShippedBatch theirs, stream_batch(next));
    BL_ASSIGN_OR_RETURN(bool ours, names_this_log(theirs));
    const bool continues = !theirs.batch.is_claim() && theirs.batch.first_position == position + 1;
    if (continues && ours) {
      BL_RETURN_IF_ERROR(env_->write([&](storage::WriteTxn& txn) {
        return record_shipped(txn, next, theirs.batch.last_position(), true);
      }));
    } else {
      storage::LogHead head;
      {
        BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, env_->begin_read());
        BL_ASSIGN_OR_RETURN(head, log_->head(txn));
      }
      remember();
      if (!continues || next != recorded + 1 || head.position != position)
        return step_down("batch " + std::to_string(next) +
                         " of the replicated log is not this "
                         "node's");
      BL_RETURN_IF_ERROR(apply_shipped(theirs, /*own=*/true));
      spdlog::info(
          "replication: batch {} was shipped but not committed here (a stop between the "
          "two): applied from the replicated log",
          next);
    }
    position = theirs.batch.last_position();
    sequence = next;
  }
  if (stream_last < sequence) sequence = stream_last;  // the stream lost its tail: ship it again

  // The rest, a batch per transaction, so that what the stream holds is recorded here as it
  // goes: with the old bounds (and so the old ids) where a batch had a number here, else up
  // to max_bytes, cut only between commands. A claim lost with the tail is claimed again.
  // The stream's first batches carry the credentials this log's commands wrote before it
  // was replicated (they are in no event: a replica must know the same users), as many as
  // fit beside the events; any left over go in claims of their own after the events.
  const std::size_t limit = options_.shipper->max_batch_bytes();
  std::vector<storage::SecretChange> credentials;
  if (sequence == 0) {
    BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, env_->begin_read());
    BL_RETURN_IF_ERROR(t.secrets.scan_prefix(txn, "", [&](std::string_view k, std::string_view v) {
      credentials.push_back({std::string(k), std::string(v)});
      return true;
    }));
  }
  std::size_t next_credential = 0;
  std::size_t shipped_batches = 0;
  for (;;) {
    bool done = false;
    BL_RETURN_IF_ERROR(env_->write([&](storage::WriteTxn& txn) -> Status {
      BL_ASSIGN_OR_RETURN(storage::LogHead head, log_->head(txn));
      std::uint64_t end = 0;
      BL_ASSIGN_OR_RETURN(auto known, t.meta.get(txn, batch_key(sequence + 1)));
      if (known) end = storage::decode_u64(*known).value_or(0);
      const bool lost_claim = known && end == position;
      if (position >= head.position && !lost_claim && next_credential == credentials.size()) {
        done = true;
        return Status::Ok();
      }
      storage::LogBatch batch;
      batch.first_position = position + 1;
      std::size_t bytes = 0;
      std::string last_command, last_actor;
      Timestamp last_recorded{};
      for (std::uint64_t p = position + 1; !lost_claim && p <= head.position; ++p) {
        BL_ASSIGN_OR_RETURN(auto stored, t.events.get(txn, storage::position_key(p)));
        if (!stored) return Status::Internal("event " + std::to_string(p) + " is missing");
        auto ev = storage::decode_event_value(*stored);
        if (!ev) return Status::Corruption("event " + std::to_string(p) + " is malformed");
        // One command's events share its id, or (without an Idempotency-Key) its actor and
        // the instant it was recorded: never cut between them.
        const bool same_command = batch.events.empty()      ? false
                                  : !ev->command_id.empty() ? ev->command_id == last_command
                                                            : ev->recorded_at == last_recorded &&
                                                                  ev->actor.id == last_actor;
        if (end != 0 ? p > end : (!same_command && !batch.events.empty() && bytes >= max_bytes))
          break;
        batch.events.emplace_back(*stored);
        bytes += stored->size();
        if (!ev->command_id.empty() && ev->command_id != last_command) {
          BL_ASSIGN_OR_RETURN(auto entry, t.commands.get(txn, ev->command_id));
          if (entry) batch.commands.emplace_back(std::string(ev->command_id), std::string(*entry));
        }
        last_command = std::string(ev->command_id);
        last_recorded = ev->recorded_at;
        last_actor = std::string(ev->actor.id);
      }
      // A tool's writes while the writer was down (users set-password), then credentials
      // while they fit.
      BL_RETURN_IF_ERROR(take_unshipped_secrets(txn, &batch.secrets));
      const std::size_t room = limit > 0 ? limit : 2 * max_bytes;
      std::size_t size = storage::encoded_size(batch);
      while (next_credential < credentials.size()) {
        const storage::SecretChange& c = credentials[next_credential];
        const std::size_t more = 9 + c.key.size() + (c.value ? c.value->size() : 0);
        if (size + more > room && (!batch.secrets.empty() || !batch.events.empty())) break;
        batch.secrets.push_back(c);
        size += more;
        ++next_credential;
      }
      if (limit > 0 && storage::encoded_size(batch) > limit)
        return Status::TooLarge("batch " + std::to_string(sequence + 1) + " of the backlog takes " +
                                std::to_string(storage::encoded_size(batch)) +
                                " bytes; the NATS servers take " + std::to_string(limit) +
                                " in one message (raise their max_payload)");
      std::string id;
      if (batch.is_claim()) {
        BL_ASSIGN_OR_RETURN(auto hash, hash_at(txn, position));
        if (!hash) return Status::Internal("event " + std::to_string(position) + " is missing");
        id = storage::claim_id(*hash, sequence + 1, storage::claim_nonce());
      } else {
        id = storage::log_batch_id(batch);
      }
      BL_ASSIGN_OR_RETURN(std::uint64_t stored_as, options_.shipper->ship(batch, id, sequence));
      BL_RETURN_IF_ERROR(record_shipped(txn, stored_as, batch.last_position(), true));
      sequence = stored_as;
      position = batch.last_position();
      ++shipped_batches;
      return Status::Ok();
    }));
    if (done) break;
  }
  if (shipped_batches > 0)
    spdlog::info(
        "replication: shipped {} batches of this node's log (to position {}) before "
        "taking commands",
        shipped_batches, position);
  {
    std::lock_guard lock(replication_mutex_);
    shipped_sequence_ = sequence;
    shipped_position_ = position;
    backlog_pending_ = false;
  }
  // Timers that fell due while the writer could take no command.
  auto fired = fire_due_timers();
  if (!fired.ok())
    spdlog::warn("replication: due timers after the backlog: {}", fired.status().to_string());
  return Status::Ok();
}

}  // namespace brandledger::engine
