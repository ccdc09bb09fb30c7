// The replicated log's transport: one JetStream stream, written with a fence and read by
// sequence (nats.c, Debian's libnats-dev; docs/SCALE-OUT.md). One message per committed
// batch of the log; the stream's sequence is the batch's number.
//
// Thread safety: one JetStreamLog may be used from several threads (nats.c's connection and
// JetStream context are thread-safe); the writer publishes from its one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace brandledger::replication {

struct JetStreamOptions {
  std::vector<std::string> servers;  // nats://host:port, any members of the cluster
  std::string stream = "BRANDLEDGER";
  int replicas = 3;
  // How long a request (publish, stream info, get) waits for its answer; past it the
  // outcome is unknown (Unavailable).
  std::chrono::milliseconds timeout{2000};
  // The stream's de-duplication window for Nats-Msg-Id.
  std::chrono::seconds duplicate_window{120};
};

// One message of the stream.
struct StreamMessage {
  std::uint64_t sequence = 0;
  std::string msg_id;
  // The log positions it holds (a claim holds none: last_position is first_position - 1).
  std::uint64_t first_position = 0, last_position = 0;
  std::string body;            // storage::encode_log_batch()
  std::int64_t stored_ns = 0;  // when the stream stored it (UTC nanoseconds; get() only)
};

class JetStreamLog {
 public:
  // Connects (retrying in the background when no server answers yet) and keeps
  // reconnecting to any of `servers` for as long as it lives.
  static Result<std::unique_ptr<JetStreamLog>> connect(const JetStreamOptions& options);
  ~JetStreamLog();
  JetStreamLog(const JetStreamLog&) = delete;
  JetStreamLog& operator=(const JetStreamLog&) = delete;

  // Creates the stream when there is none; refuses (InvalidArgument) one that allows
  // deleting or purging messages, or keeps fewer copies than asked.
  Status ensure_stream();

  // The sequence of the stream's last message (0: empty).
  Result<std::uint64_t> last_sequence();

  // Appends `message` (its sequence ignored) if and only if the stream's last sequence is
  // `expected_last` (Nats-Expected-Last-Sequence, checked in RAFT order), de-duplicated by
  // its msg_id. Returns the sequence it was stored at once a quorum has it (a duplicate:
  // the sequence it was stored at before). Fenced: another message came first.
  // Unavailable: no answer in time; the message may or may not be stored.
  Result<std::uint64_t> publish(const StreamMessage& message, std::uint64_t expected_last);

  // The message at `sequence` (NotFound past the end).
  Result<StreamMessage> get(std::uint64_t sequence);

  // The doorbell: a plain NATS message on `<stream>.head` (outside the stream, not stored)
  // saying that the stream now ends at `sequence`. At most once: a hint that lets those
  // who follow the stream read it at once instead of at their next poll, never a source of
  // truth. Returns without waiting for anyone.
  void announce(std::uint64_t sequence);
  // Calls `ring` (on a NATS thread) for each announcement from now on, until unwatch(); at
  // most one watcher.
  Status watch(std::function<void()> ring);
  // No call to the last watch()'s `ring` starts after this returns.
  void unwatch();

  // The largest message body the servers take (their max_payload less room for the
  // headers); 0 before the first connection.
  std::size_t max_body_bytes() const;

  const JetStreamOptions& options() const { return options_; }

 private:
  struct Handles;
  explicit JetStreamLog(JetStreamOptions options);
  JetStreamOptions options_;
  std::string subject_;       // the stream's: "<stream>.log"
  std::string head_subject_;  // the doorbell's: "<stream>.head"
  std::unique_ptr<Handles> h_;
};

// "nats://a:4222,nats://b:4222" → its servers.
std::vector<std::string> split_servers(const std::string& list);

}  // namespace brandledger::replication
