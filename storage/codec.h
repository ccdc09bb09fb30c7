// The on-disk encoding of BrandLedger's LMDB tables. This grammar is the format contract:
// change it only with a new kSchemaVersion (storage/environment.h) and an upgrade path.
// docs/FORMAT.md spells out the event record and its hash for auditors, byte for byte, and
// how an `export` line maps to it: keep the two in step.
//
//   u8, u32, u64, i64 := fixed width, little-endian (i64 two's complement)
//   u64be             := 8 bytes big-endian, so that byte order is numeric order in keys
//   str               := u32 length, then that many bytes (UTF-8 text, not NUL-terminated)
//   time              := i64 microseconds since 1970-01-01T00:00:00Z
//   time_be           := u64be of (time XOR 2^63), so that byte order is time order in keys
//   digest            := 32 bytes of SHA-256
//
//   events        key   := position as a native size_t (MDB_INTEGERKEY), gapless from 1
//                 value := prev_hash:digest record hash:digest
//     record      := format:u8(=1) position:u64 stream:str version:u64 stream_prev:u64
//                    type:str schema_version:u32 occurred_at:time recorded_at:time
//                    actor_id:str actor_name:str actor_role:str actor_org:str
//                    command_id:str correlation_id:str comment:str data:str
//     hash        := SHA-256(prev_hash record)   ; the first event's prev_hash is all zeros
//     stream_prev := the position of the stream's event at version-1 (0 at version 1): each
//                    stream is a chain inside the log, walked back from its head
//   streams       key   := stream-bytes      (never contains 0x00)
//                 value := head_version:u64 head_position:u64
//   commands      key   := command-id bytes
//                 value := first_position:u64 last_position:u64 [request_digest:16 bytes]
//                 (the digest of the request that carried the id, from format 3 on when
//                 the caller gave one: the same id on another request is not a retry)
//                 (the streams a command touched, and their heads after it, are read back
//                 from its events; format 1 stored them here too: storage/upgrade.cpp)
//   meta          key   := "schema_version"  value := u32
//                 (the layers above keep their own small keys here)
//   secrets       key, value := the domain's bytes (credentials: workflows/credentials.h);
//                 outside the hash chain, so that no event ever holds a secret
//   view.*        the engine's projections; their keys and values are the engine's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/event.h"

namespace brandledger::storage {

inline constexpr std::uint8_t kEventFormat = 1;
inline constexpr std::size_t kDigestSize = 32;

std::string encode_u32(std::uint32_t v);
std::optional<std::uint32_t> decode_u32(std::string_view bytes);
std::string encode_u64(std::uint64_t v);
std::optional<std::uint64_t> decode_u64(std::string_view bytes);
void append_u64be(std::string* out, std::uint64_t v);
// An instant as 8 big-endian bytes, offset so that instants before 1970 sort below later
// ones: for keys ordered by time (views, timers).
void append_time_be(std::string* out, Timestamp t);
std::optional<std::uint64_t> decode_u64be(std::string_view bytes);

// The events table's key for a position.
std::string position_key(std::uint64_t position);
std::optional<std::uint64_t> decode_position_key(std::string_view key);

// The size of the stored value (prev_hash, record, hash) of `event`.
std::size_t event_value_size(const EventView& event);

// Writes the stored value of `event` into out[0, event_value_size(event)), computing the
// hash from event.prev_hash and the record; event.hash is ignored. Returns the hash.
Sha256Digest encode_event_value(const EventView& event, char* out);
// The same into a string, sized to fit.
Sha256Digest encode_event_value(const EventView& event, std::string* out);

// Parses a stored value. nullopt when it is malformed (the hash is not checked here).
std::optional<EventView> decode_event_value(std::string_view value);

// The bytes that `hash` covers: everything before the trailing digest.
// REQUIRES: value.size() >= kDigestSize.
inline std::string_view hashed_part(std::string_view value) {
  return value.substr(0, value.size() - kDigestSize);
}

struct StreamHeadEntry {
  std::uint64_t version = 0;   // 0: the stream has no events
  std::uint64_t position = 0;  // of the event at `version`
};
// Fixed-size encodings, held in place (no allocation on the append path).
template <std::size_t N>
struct Encoded {
  std::array<char, N> bytes{};
  std::string_view view() const { return {bytes.data(), N}; }
};

using EncodedStreamHead = Encoded<16>;
EncodedStreamHead encode_stream_head(const StreamHeadEntry& head);
std::optional<StreamHeadEntry> decode_stream_head(std::string_view value);

// What the idempotency table keeps of an append: its positions.
struct CommandEntry {
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  std::string request_digest;  // kRequestDigestSize bytes, or empty
};
std::string encode_command_entry(const CommandEntry& entry);
std::optional<CommandEntry> decode_command_entry(std::string_view value);

}  // namespace brandledger::storage
