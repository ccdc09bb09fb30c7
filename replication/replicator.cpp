#include "replication/replicator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "engine/logging.h"

namespace brandledger::replication {
namespace {

using namespace std::chrono_literals;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::uint64_t> JetStreamShipper::ship(const storage::LogBatch& batch, const std::string& id,
                                             std::uint64_t expected_last) {
  StreamMessage m;
  m.msg_id = id;
  m.first_position = batch.first_position;
  m.last_position = batch.last_position();
  m.body = storage::encode_log_batch(batch);
  auto stored = log_->publish(m, expected_last);
  if (stored.ok()) log_->announce(*stored);
  return stored;
}

Result<std::vector<engine::ShippedBatch>> JetStreamShipper::since(std::uint64_t after,
                                                                  std::size_t limit) {
  std::vector<engine::ShippedBatch> out;
  for (std::uint64_t seq = after + 1; out.size() < limit; ++seq) {
    auto m = log_->get(seq);
    if (m.status().code() == Status::Code::kNotFound) break;
    if (!m.ok()) {
      if (!out.empty()) break;  // what was read is good; the rest next time
      return m.status();
    }
    auto batch = storage::decode_log_batch(m->body);
    if (!batch.ok())
      return Status::Corruption("batch " + std::to_string(seq) +
                                " of the stream: " + batch.status().message());
    if (batch->first_position != m->first_position || batch->last_position() != m->last_position)
      return Status::Corruption("batch " + std::to_string(seq) +
                                " of the stream: its headers and its body name other positions");
    out.push_back({m->sequence, m->msg_id, std::move(*batch), m->stored_ns});
  }
  return out;
}

Replicator::Replicator(engine::Engine& engine, std::shared_ptr<JetStreamShipper> shipper,
                       ReplicatorOptions options)
    : engine_(engine), shipper_(std::move(shipper)), options_(options) {
  thread_ = std::thread([this] {
    engine::name_this_thread("bl-replication");
    run();
  });
  // A follower reads the stream as soon as the writer announces a batch; without the
  // doorbell (a failure here, a lost announcement) it still polls.
  const Status watching = shipper_->log().watch([this] {
    if (engine_.role() == engine::Role::kWriter) return;
    std::lock_guard lock(mutex_);
    rung_ = true;
    cv_.notify_all();
  });
  if (!watching.ok())
    spdlog::warn("replication: no doorbell ({}): polling every {} ms", watching.to_string(),
                 options_.poll.count());
}

Replicator::~Replicator() {
  shipper_->log().unwatch();  // before the state its ring touches goes
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Replicator::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !paused_; });
      if (stopping_) return;
      stepping_ = true;
    }
    const bool worked = step();
    std::unique_lock lock(mutex_);
    stepping_ = false;
    cv_.notify_all();
    if (worked) continue;
    const auto wait = lag_.reachable ? options_.poll : options_.retry;
    cv_.wait_for(lock, wait, [&] { return stopping_ || rung_; });
    rung_ = false;
    if (stopping_) return;
  }
}

bool Replicator::step() {
  const engine::ReplicationStatus node = engine_.replication_status();
  if (node.degraded) return false;
  if (node.role == engine::Role::kWriter) {
    const Status s = engine_.ship_backlog(options_.backlog_batch_bytes);
    std::lock_guard lock(mutex_);
    lag_ = Lag{node.sequence, node.sequence, 0, 0, s.ok()};
    if (!s.ok() && s.code() != Status::Code::kFenced)  // (a step-down is the engine's to say)
      spdlog::warn("replication: the writer's backlog: {}", s.to_string());
    return s.code() == Status::Code::kFenced;  // now a replica: follow at once
  }
  auto last = shipper_->last_sequence();
  if (!last.ok()) {
    std::lock_guard lock(mutex_);
    if (lag_.reachable)
      spdlog::warn("replication: the stream cannot be read: {}", last.status().to_string());
    lag_.reachable = false;
    return false;
  }
  if (*last <= node.sequence) {
    std::lock_guard lock(mutex_);
    lag_ = Lag{*last, node.sequence, 0, 0, true};
    return false;
  }
  auto batches = shipper_->since(node.sequence, 64);
  if (!batches.ok()) {
    if (batches.status().code() == Status::Code::kCorruption)
      engine_.become_degraded(batches.status().message());
    std::lock_guard lock(mutex_);
    lag_.reachable = batches.status().code() == Status::Code::kCorruption;
    return false;
  }
  Lag lag{*last, node.sequence, 0, 0, true};
  if (!batches->empty()) {
    if (batches->front().stored_ns > 0)
      lag.seconds = std::max<double>(0, (now_ns() - batches->front().stored_ns) / 1e9);
    lag.events = batches->back().batch.last_position() - node.position;
  }
  {
    std::lock_guard lock(mutex_);
    lag_ = lag;
  }
  for (const engine::ShippedBatch& b : *batches) {
    const Status s = engine_.apply_shipped(b);
    if (!s.ok()) {
      spdlog::error("replication: batch {} not applied: {}", b.sequence, s.to_string());
      return false;
    }
  }
  return true;
}

Status Replicator::promote() {
  {
    std::unique_lock lock(mutex_);
    const engine::ReplicationStatus node = engine_.replication_status();
    if (node.degraded)
      return Status::InvalidArgument("this node is degraded (" + node.problem +
                                     "): it cannot be promoted");
    if (node.role != engine::Role::kReplica)
      return Status::InvalidArgument("this node is the writer already");
    paused_ = true;
    cv_.wait(lock, [&] { return !stepping_; });
  }
  auto resume = [&] {
    std::lock_guard lock(mutex_);
    paused_ = false;
    cv_.notify_all();
  };
  // Everything the stream holds, then a claim right after it. A batch stored first (the
  // last of a writer that died with it on its way, or a writer still running) is applied
  // and the claim tried again after it; a log that keeps moving is left to its writer.
  constexpr int kClaims = 20;
  constexpr int kReads = 600;  // at 50 ms when a read brings nothing: about 30 s
  Status promoted = Status::Unavailable(
      "the replicated log kept moving: " + std::to_string(kClaims) + " claims came too late");
  for (int claims = 0, reads = 0; claims < kClaims;) {
    auto last = shipper_->last_sequence();
    if (!last.ok()) {
      promoted = last.status();
      break;
    }
    const engine::ReplicationStatus node = engine_.replication_status();
    if (node.sequence > *last) {  // the servers lost the stream's tail: not for a replica
      promoted = Status::InvalidArgument(
          "the replicated log ends at batch " + std::to_string(*last) + ", before this node's " +
          std::to_string(node.sequence) + ": promote the node that wrote the rest");
      break;
    }
    if (node.sequence == *last) {
      ++claims;
      const Status s = engine_.promote();
      if (s.code() == Status::Code::kFenced) continue;
      promoted = s;
      break;
    }
    if (++reads > kReads) {
      promoted = Status::Unavailable("the replicated log's batches cannot be read");
      break;
    }
    auto batches = shipper_->since(node.sequence, 256);
    Status s = batches.status();
    if (batches.ok()) {
      if (batches->empty()) std::this_thread::sleep_for(50ms);  // listed, not yet readable
      for (const engine::ShippedBatch& b : *batches)
        if (s = engine_.apply_shipped(b); !s.ok()) break;
    }
    if (!s.ok()) {
      if (s.code() == Status::Code::kCorruption) engine_.become_degraded(s.message());
      promoted = s;
      break;
    }
  }
  resume();
  return promoted;
}

Replicator::Lag Replicator::lag() const {
  std::lock_guard lock(mutex_);
  Lag out = lag_;
  if (engine_.replication_status().role == engine::Role::kWriter)
    out = Lag{out.stream_last, out.stream_last, 0, 0, out.reachable};
  return out;
}

std::string Replicator::render_metrics() const {
  const Lag l = lag();
  return fmt::format(
      "# HELP brandledger_replication_lag_batches Batches of the replicated log not applied "
      "here.\n# TYPE brandledger_replication_lag_batches gauge\n"
      "brandledger_replication_lag_batches {}\n"
      "# HELP brandledger_replication_lag_events Log positions not applied here.\n"
      "# TYPE brandledger_replication_lag_events gauge\nbrandledger_replication_lag_events {}\n"
      "# HELP brandledger_replication_lag_seconds How long the oldest batch not applied here has "
      "been stored.\n# TYPE brandledger_replication_lag_seconds gauge\n"
      "brandledger_replication_lag_seconds {:.3f}\n"
      "# HELP brandledger_replication_reachable 1 when the last read of the replicated log "
      "succeeded.\n# TYPE brandledger_replication_reachable gauge\n"
      "brandledger_replication_reachable {}\n",
      l.stream_last > l.applied ? l.stream_last - l.applied : 0, l.events, l.seconds,
      l.reachable ? 1 : 0);
}

}  // namespace brandledger::replication
