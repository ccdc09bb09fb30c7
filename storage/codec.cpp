#include "storage/codec.h"

#include <cstring>

namespace brandledger::storage {
namespace {

template <class Int>
void put_le(std::string* out, Int v) {
  using U = std::make_unsigned_t<Int>;
  auto u = static_cast<U>(v);
  char buf[sizeof(U)];
  for (std::size_t i = 0; i < sizeof(U); ++i) buf[i] = static_cast<char>((u >> (8 * i)) & 0xFF);
  out->append(buf, sizeof(U));
}

void put_str(std::string* out, std::string_view s) {
  put_le(out, static_cast<std::uint32_t>(s.size()));
  out->append(s);
}

// Reads the grammar's primitives; any overrun turns the reader bad and every later read
// returns zeros, so a decoder checks ok() once at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  template <class Int>
  Int le() {
    using U = std::make_unsigned_t<Int>;
    if (!take(sizeof(U))) return 0;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i)
      u |= static_cast<U>(static_cast<unsigned char>(in_[pos_ - sizeof(U) + i])) << (8 * i);
    return static_cast<Int>(u);
  }
  std::string_view str() {
    auto n = le<std::uint32_t>();
    if (!take(n)) return {};
    return in_.substr(pos_ - n, n);
  }
  Sha256Digest digest() {
    Sha256Digest d{};
    if (take(d.size())) std::memcpy(d.data(), in_.data() + pos_ - d.size(), d.size());
    return d;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && pos_ == in_.size(); }

 private:
  bool take(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

namespace {

// Copies every field of one event form into the other (owning <-> viewing).
template <class To, class From>
BasicEvent<To> convert(const BasicEvent<From>& v) {
  BasicEvent<To> e;
  e.position = v.position;
  e.stream = To(v.stream);
  e.version = v.version;
  e.stream_prev = v.stream_prev;
  e.type = To(v.type);
  e.schema_version = v.schema_version;
  e.occurred_at = v.occurred_at;
  e.recorded_at = v.recorded_at;
  e.actor = {To(v.actor.id), To(v.actor.name), To(v.actor.role), To(v.actor.org)};
  e.command_id = To(v.command_id);
  e.correlation_id = To(v.correlation_id);
  e.comment = To(v.comment);
  e.data = To(v.data);
  e.prev_hash = v.prev_hash;
  e.hash = v.hash;
  return e;
}

}  // namespace

Event to_owned(const EventView& v) {
  return convert<std::string>(v);
}
EventView view_of(const Event& e) {
  return convert<std::string_view>(e);
}

namespace {

template <class Int>
std::string encode_fixed(Int v) {
  std::string out;
  put_le(&out, v);
  return out;
}

template <class Int>
std::optional<Int> decode_fixed(std::string_view bytes) {
  Reader r(bytes);
  auto v = r.le<Int>();
  return r.at_end() ? std::optional(v) : std::nullopt;
}

}  // namespace

std::string encode_u32(std::uint32_t v) {
  return encode_fixed(v);
}
std::optional<std::uint32_t> decode_u32(std::string_view bytes) {
  return decode_fixed<std::uint32_t>(bytes);
}
std::string encode_u64(std::uint64_t v) {
  return encode_fixed(v);
}
std::optional<std::uint64_t> decode_u64(std::string_view bytes) {
  return decode_fixed<std::uint64_t>(bytes);
}

void append_u64be(std::string* out, std::uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xFF);
  out->append(buf, 8);
}

std::optional<std::uint64_t> decode_u64be(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string position_key(std::uint64_t position) {
  auto native = static_cast<std::size_t>(position);
  return std::string(reinterpret_cast<const char*>(&native), sizeof native);
}

std::optional<std::uint64_t> decode_position_key(std::string_view key) {
  std::size_t native = 0;
  if (key.size() != sizeof native) return std::nullopt;
  std::memcpy(&native, key.data(), sizeof native);
  return native;
}

Sha256Digest encode_event_value(const EventView& e, std::string* out) {
  out->clear();
  out->append(reinterpret_cast<const char*>(e.prev_hash.data()), e.prev_hash.size());
  out->push_back(static_cast<char>(kEventFormat));
  put_le(out, e.position);
  put_str(out, e.stream);
  put_le(out, e.version);
  put_le(out, e.stream_prev);
  put_str(out, e.type);
  put_le(out, e.schema_version);
  put_le(out, to_micros(e.occurred_at));
  put_le(out, to_micros(e.recorded_at));
  put_str(out, e.actor.id);
  put_str(out, e.actor.name);
  put_str(out, e.actor.role);
  put_str(out, e.actor.org);
  put_str(out, e.command_id);
  put_str(out, e.correlation_id);
  put_str(out, e.comment);
  put_str(out, e.data);
  Sha256Digest hash = sha256(*out);
  out->append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return hash;
}

std::optional<EventView> decode_event_value(std::string_view value) {
  Reader r(value);
  EventView e;
  e.prev_hash = r.digest();
  if (r.le<std::uint8_t>() != kEventFormat) return std::nullopt;
  e.position = r.le<std::uint64_t>();
  e.stream = r.str();
  e.version = r.le<std::uint64_t>();
  e.stream_prev = r.le<std::uint64_t>();
  e.type = r.str();
  e.schema_version = r.le<std::uint32_t>();
  e.occurred_at = from_micros(r.le<std::int64_t>());
  e.recorded_at = from_micros(r.le<std::int64_t>());
  e.actor.id = r.str();
  e.actor.name = r.str();
  e.actor.role = r.str();
  e.actor.org = r.str();
  e.command_id = r.str();
  e.correlation_id = r.str();
  e.comment = r.str();
  e.data = r.str();
  e.hash = r.digest();
  if (!r.at_end()) return std::nullopt;
  return e;
}

std::string encode_stream_head(const StreamHeadEntry& head) {
  std::string out;
  put_le(&out, head.version);
  put_le(&out, head.position);
  return out;
}

std::optional<StreamHeadEntry> decode_stream_head(std::string_view value) {
  Reader r(value);
  StreamHeadEntry head;
  head.version = r.le<std::uint64_t>();
  head.position = r.le<std::uint64_t>();
  if (!r.at_end()) return std::nullopt;
  return head;
}

std::string encode_append_result(const AppendResult& result) {
  std::string out;
  put_le(&out, result.first_position);
  put_le(&out, result.last_position);
  put_le(&out, static_cast<std::uint32_t>(result.streams.size()));
  for (const StreamHead& head : result.streams) {
    put_str(&out, head.stream);
    put_le(&out, head.version);
  }
  return out;
}

std::optional<AppendResult> decode_append_result(std::string_view value) {
  Reader r(value);
  AppendResult result;
  result.first_position = r.le<std::uint64_t>();
  result.last_position = r.le<std::uint64_t>();
  auto n = r.le<std::uint32_t>();
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string stream(r.str());
    result.streams.push_back({std::move(stream), r.le<std::uint64_t>()});
  }
  if (!r.at_end()) return std::nullopt;
  return result;
}

}  // namespace brandledger::storage
