// Key encodings shared by the view tables: parts joined by 0x00 (ids never contain it),
// numbers big-endian so that byte order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.h"
#include "storage/codec.h"

namespace brandledger::views {

inline std::string join(std::string_view a, std::string_view b) {
  std::string k(a);
  k.push_back('\0');
  k.append(b);
  return k;
}

// A position as 8 big-endian bytes.
inline std::string position_part(std::uint64_t position) {
  std::string k;
  storage::append_u64be(&k, position);
  return k;
}

// An instant as 8 big-endian bytes, offset so that instants before 1970 sort first.
inline std::string time_part(Timestamp t) {
  std::string k;
  storage::append_time_be(&k, t);
  return k;
}

// The part of `key` before its first 0x00 (all of it when there is none).
inline std::string_view first_part(std::string_view key) {
  return key.substr(0, key.find('\0'));
}

// What follows the first 0x00 of `key` (empty when there is none).
inline std::string_view after_first_part(std::string_view key) {
  const auto p = key.find('\0');
  return p == std::string_view::npos ? std::string_view() : key.substr(p + 1);
}

// The part of `key` after its last 0x00.
inline std::string_view last_part(std::string_view key) {
  auto p = key.rfind('\0');
  return p == std::string_view::npos ? key : key.substr(p + 1);
}

}  // namespace brandledger::views
