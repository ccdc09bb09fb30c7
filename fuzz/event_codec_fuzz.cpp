// libFuzzer: arbitrary bytes as a stored event record and as the log's small values. A
// record the decoder accepts must encode back to the same bytes (no two encodings of one
// event: the hash covers the bytes); nothing may read out of bounds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/codec.h"

using namespace brandledger::storage;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto event = decode_event_value(bytes)) {
    std::string again;
    encode_event_value(*event, &again);
    if (again.size() != bytes.size() || hashed_part(again) != hashed_part(bytes)) std::abort();
  }
  if (auto head = decode_stream_head(bytes)) {
    if (encode_stream_head(*head).view() != bytes) std::abort();
  }
  if (auto position = decode_position_key(bytes)) {
    if (position_key(*position) != bytes) std::abort();
  }
  return 0;
}
