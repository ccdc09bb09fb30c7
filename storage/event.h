// The event record of the log, and what an append asks for and answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sha256.h"
#include "core/time.h"

namespace brandledger::storage {

// Who issued a command: kept with every event it produced.
template <class Text>
struct BasicActor {
  Text id, name, role, org;
};

// One stored event. `EventView` points into the memory map (valid while its transaction
// lives; used by scans that touch every event); `Event` owns its bytes.
template <class Text>
struct BasicEvent {
  std::uint64_t position = 0;  // global, gapless from 1
  Text stream;
  std::uint64_t version = 0;      // within the stream, gapless from 1
  std::uint64_t stream_prev = 0;  // position of the stream's previous event; 0 at version 1
  Text type;
  std::uint32_t schema_version = 1;  // of `data`, for upcasting
  Timestamp occurred_at{};           // when it happened on the business clock
  Timestamp recorded_at{};           // when it was written, on the system clock
  BasicActor<Text> actor;
  Text command_id, correlation_id, comment;
  Text data;  // JSON text, stored byte for byte
  Sha256Digest prev_hash{}, hash{};
};

using Actor = BasicActor<std::string>;
using EventView = BasicEvent<std::string_view>;
using Event = BasicEvent<std::string>;

Event to_owned(const EventView& view);
// A view of an owned event; valid while `event` lives.
EventView view_of(const Event& event);

// One event to append; the rest of its record comes from the AppendRequest.
struct NewEvent {
  std::string stream;
  std::string type;
  std::string data;  // JSON text
  std::uint32_t schema_version = 1;
};

// `version` is the head the stream must have; 0 means the stream must not exist yet.
struct ExpectedVersion {
  std::string stream;
  std::uint64_t version = 0;
};

// One command's events: appended to one or more streams all together or not at all.
struct AppendRequest {
  std::vector<NewEvent> events;
  std::vector<ExpectedVersion> expected;
  Actor actor;
  // When set, an append with a command id already in the log writes nothing and answers
  // the first append's result.
  std::string command_id;
  // With a command id: what identifies the request that carried it (kRequestDigestSize
  // bytes, or empty), kept beside the id so that the same id on another request is told
  // apart from a retry.
  std::string request_digest;
  std::string correlation_id;
  std::string comment;
  Timestamp occurred_at{};
  Timestamp recorded_at{};
};

inline constexpr std::size_t kRequestDigestSize = 16;

struct StreamHead {
  std::string stream;
  std::uint64_t version = 0;
  bool operator==(const StreamHead&) const = default;
};

struct VersionConflict {
  std::string stream;
  std::uint64_t expected = 0;
  std::uint64_t actual = 0;
};

struct AppendResult {
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  std::vector<StreamHead> streams;          // each touched stream's head after the append
  bool duplicate = false;                   // the command id was seen before; nothing was written
  std::string request_digest;               // of the first append's request ("" when not kept)
  std::optional<VersionConflict> conflict;  // set when the append failed on an expectation
};

}  // namespace brandledger::storage
