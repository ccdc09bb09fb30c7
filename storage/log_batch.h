// A committed batch of the log as it travels to replicas: a run of consecutive events in
// their stored form (prev_hash ‖ record ‖ hash, docs/FORMAT.md), the idempotency entries of
// the commands that appended them (a replica must answer a retried command as the writer
// would: the entry holds the request's digest, which no event does), and the writes its
// commands made to the secrets table (credentials never enter the log, but a replica must
// know them).
//
// The body's format (big-endian integers), which replicas read and nothing else writes:
//
//   "BLB1" ‖ u64 first_position ‖ u32 n ‖ n × (u32 size ‖ stored event)
//          ‖ u32 c ‖ c × (u32 id size ‖ command id ‖ u32 entry size ‖ entry)
//          ‖ u32 m ‖ m × (u32 key size ‖ key ‖ u8 kind ‖ [u32 value size ‖ value])
//   kind: 1 put, 0 erase
//
// A batch with no events is a claim: the node that stores it becomes the writer from there
// on (a promotion), and a writer still shipping after the claimed head is refused by the
// fence. Its id names the head it claims and the number it takes (claim_id).
//
// decode_log_batch() checks the framing only; continues_log() checks that the events carry
// on a log whose head is given: positions, links and every hash recomputed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sha256.h"
#include "core/status.h"

namespace brandledger::storage {

struct SecretChange {
  std::string key;
  std::optional<std::string> value;  // nullopt: erased
};

struct LogBatch {
  std::uint64_t first_position = 0;  // of events[0]
  std::vector<std::string> events;   // stored values, in position order
  // Command id -> its entry in the idempotency table (storage/codec.h, CommandEntry).
  std::vector<std::pair<std::string, std::string>> commands;
  std::vector<SecretChange> secrets;

  // For a claim (no events), the head it claims.
  std::uint64_t last_position() const { return first_position + events.size() - 1; }
  bool is_claim() const { return events.empty(); }
};

std::string encode_log_batch(const LogBatch& batch);
// The size of encode_log_batch(batch), without encoding it.
std::size_t encoded_size(const LogBatch& batch);
// The batch's identity in the replicated log (its de-duplication id): the hex hash of its
// last event, which names the whole chain up to it. REQUIRES: events not empty.
std::string log_batch_id(const LogBatch& batch);
// A claim's id: the hex hash of the head it claims, "." the batch number it takes, "." a
// nonce of the claimant's: it names the log it continues, and two claims (two nodes
// promoted at once at one head) are two messages to the de-duplication window.
std::string claim_id(const Sha256Digest& head_hash, std::uint64_t sequence, std::string_view nonce);
// 16 random hex digits.
std::string claim_nonce();
// Whether `id` is a claim of the head `head_hash` taking number `sequence`.
bool claim_names(std::string_view id, const Sha256Digest& head_hash, std::uint64_t sequence);
// InvalidArgument when the bytes are not a well-formed batch (truncated, trailing bytes,
// an undecodable event, a claim with idempotency entries).
Result<LogBatch> decode_log_batch(std::string_view body);

// Ok when the batch's events follow a log whose head is (head_position, head_hash) (0 and
// zeros for an empty log): the first is at head_position + 1, each names its position in
// order and links to the previous event's hash, and each stored hash is the SHA-256 of what
// it covers; and each idempotency entry names positions of this batch whose events carry
// its command id. Corruption naming the first event or entry that does not, otherwise.
Status continues_log(const LogBatch& batch, std::uint64_t head_position,
                     const Sha256Digest& head_hash);

}  // namespace brandledger::storage
