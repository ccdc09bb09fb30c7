// The engine's side of a replicated log (docs/SCALE-OUT.md): what a writer ships each batch
// to before it commits it, and the roles a node plays. The transport (NATS JetStream) lives
// in replication/; the engine knows only this interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/log_batch.h"

namespace brandledger::engine {

// A batch as the replicated log holds it.
struct ShippedBatch {
  std::uint64_t sequence = 0;  // its number in the replicated log
  std::string id;              // storage::log_batch_id(), or claim_id() for a claim
  storage::LogBatch batch;
  std::int64_t stored_ns = 0;  // when the replicated log stored it (UTC ns; 0: unknown)
};

class LogShipper {
 public:
  virtual ~LogShipper() = default;
  // Stores `batch`, known by `id`, right after the batch numbered `expected_last` (0: first),
  // and returns its number once a quorum holds it. Fenced: another writer stored a batch
  // there first. Unavailable: no answer; the batch may or may not be stored.
  virtual Result<std::uint64_t> ship(const storage::LogBatch& batch, const std::string& id,
                                     std::uint64_t expected_last) = 0;
  // The batches stored after number `after`, in order, up to `limit` of them.
  virtual Result<std::vector<ShippedBatch>> since(std::uint64_t after, std::size_t limit) = 0;
  // The number of the last batch stored (0: none).
  virtual Result<std::uint64_t> last_sequence() = 0;
  // The largest encoded batch (storage::encoded_size) ship() can store; 0 when unknown.
  virtual std::size_t max_batch_bytes() = 0;
};

enum class Role : std::uint8_t {
  kSingle,   // no replicated log
  kWriter,   // ships every batch before committing it
  kReplica,  // applies the replicated log's batches; takes no command
};

std::string_view role_name(Role role);

struct ReplicationStatus {
  Role role = Role::kSingle;
  std::uint64_t sequence = 0;  // the replicated log's batch this node's log ends with
  std::uint64_t position = 0;  // the log position that batch ends at
  bool degraded = false;       // a batch failed its checks: applying stopped for good
  std::string problem;         // why, when degraded
  std::uint64_t fenced = 0;    // ships refused by the fence (this process)
};

}  // namespace brandledger::engine
