// A node of a replicated BrandLedger (docs/SCALE-OUT.md): the engine's LogShipper over a
// JetStream stream, and the thread that keeps the node in step with it — a replica applies
// every new batch; a writer first ships the part of its log the stream lacks — with
// promotion, lag and metrics.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/engine.h"
#include "replication/jetstream.h"

namespace brandledger::replication {

class JetStreamShipper : public engine::LogShipper {
 public:
  explicit JetStreamShipper(std::shared_ptr<JetStreamLog> log) : log_(std::move(log)) {}
  Result<std::uint64_t> ship(const storage::LogBatch& batch, const std::string& id,
                             std::uint64_t expected_last) override;
  Result<std::vector<engine::ShippedBatch>> since(std::uint64_t after, std::size_t limit) override;
  Result<std::uint64_t> last_sequence() override { return log_->last_sequence(); }
  std::size_t max_batch_bytes() override { return log_->max_body_bytes(); }
  JetStreamLog& log() { return *log_; }

 private:
  std::shared_ptr<JetStreamLog> log_;
};

struct ReplicatorOptions {
  // How often a node in step asks the stream whether it grew, when no doorbell rang (the
  // writer announces each batch it ships: JetStreamLog::announce).
  std::chrono::milliseconds poll{250};
  // After a failure to reach the stream, how long before trying again.
  std::chrono::milliseconds retry{500};
  // The most a batch of the backlog a new writer ships holds (NATS's default max_payload is
  // 1 MiB; the message's headers need room too).
  std::size_t backlog_batch_bytes = 512 * 1024;
};

class Replicator {
 public:
  // Starts the thread. REQUIRES: `engine` was opened with `shipper` and outlives this.
  Replicator(engine::Engine& engine, std::shared_ptr<JetStreamShipper> shipper,
             ReplicatorOptions options = {});
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // On a replica: stop following, apply everything up to the stream's last batch, and
  // become the writer. InvalidArgument when degraded or already the writer; Unavailable when
  // the stream cannot be read (the node stays a replica and follows again).
  Status promote();

  struct Lag {
    std::uint64_t stream_last = 0;  // the stream's last batch, when last read
    std::uint64_t applied = 0;      // the node's last batch
    std::uint64_t events = 0;       // log positions behind
    double seconds = 0;             // how long the oldest batch not applied has been stored
    bool reachable = false;         // the last read of the stream succeeded
  };
  Lag lag() const;
  // The replication gauges beyond the engine's: lag in batches, events and seconds.
  std::string render_metrics() const;

 private:
  void run();
  // One step: ships the backlog or applies what is new; false when there was nothing to do.
  bool step();

  engine::Engine& engine_;
  std::shared_ptr<JetStreamShipper> shipper_;
  ReplicatorOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool paused_ = false;    // promote() holds the thread off
  bool stepping_ = false;  // the thread is inside step()
  bool rung_ = false;      // the doorbell rang since the thread last waited
  Lag lag_;
  std::thread thread_;
};

}  // namespace brandledger::replication
