#include "storage/codec.h"

#include <bit>
#include <cstring>

namespace brandledger::storage {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the grammar is little-endian and is written with memcpy; swap bytes on a big-endian "
              "port");

// Writes the grammar's primitives into a buffer the caller sized beforehand (the event
// value goes straight into LMDB's page); each call returns the position after what it wrote.
template <class Int>
char* put_le(char* out, Int v) {
  using U = std::make_unsigned_t<Int>;
  auto u = static_cast<U>(v);
  std::memcpy(out, &u, sizeof u);
  return out + sizeof u;
}

char* put_bytes(char* out, std::string_view s) {
  if (!s.empty()) std::memcpy(out, s.data(), s.size());  // an empty view's data() may be null
  return out + s.size();
}

char* put_str(char* out, std::string_view s) {
  return put_bytes(put_le(out, static_cast<std::uint32_t>(s.size())), s);
}

template <class Int>
void put_le(std::string* out, Int v) {
  char buf[sizeof(Int)];
  put_le(buf, v);
  out->append(buf, sizeof buf);
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

void append_time_be(std::string* out, Timestamp t) {
  append_u64be(out, static_cast<std::uint64_t>(to_micros(t)) ^ (1ULL << 63));
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

std::size_t event_value_size(const EventView& e) {
  constexpr std::size_t kFixed = 2 * kDigestSize + 1 + 3 * 8 + 4 + 2 * 8;
  constexpr std::size_t kLength = 4;
  std::size_t size = kFixed;
  for (std::string_view text : {e.stream, e.type, e.actor.id, e.actor.name, e.actor.role,
                                e.actor.org, e.command_id, e.correlation_id, e.comment, e.data})
    size += kLength + text.size();
  return size;
}

Sha256Digest encode_event_value(const EventView& e, char* out) {
  char* const start = out;
  out = put_bytes(out, {reinterpret_cast<const char*>(e.prev_hash.data()), kDigestSize});
  out = put_le(out, kEventFormat);
  out = put_le(out, e.position);
  out = put_str(out, e.stream);
  out = put_le(out, e.version);
  out = put_le(out, e.stream_prev);
  out = put_str(out, e.type);
  out = put_le(out, e.schema_version);
  out = put_le(out, to_micros(e.occurred_at));
  out = put_le(out, to_micros(e.recorded_at));
  out = put_str(out, e.actor.id);
  out = put_str(out, e.actor.name);
  out = put_str(out, e.actor.role);
  out = put_str(out, e.actor.org);
  out = put_str(out, e.command_id);
  out = put_str(out, e.correlation_id);
  out = put_str(out, e.comment);
  out = put_str(out, e.data);
  const Sha256Digest hash = sha256({start, static_cast<std::size_t>(out - start)});
  put_bytes(out, {reinterpret_cast<const char*>(hash.data()), kDigestSize});
  return hash;
}

Sha256Digest encode_event_value(const EventView& e, std::string* out) {
  out->resize(event_value_size(e));
  return encode_event_value(e, out->data());
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

EncodedStreamHead encode_stream_head(const StreamHeadEntry& head) {
  EncodedStreamHead out;
  put_le(put_le(out.bytes.data(), head.version), head.position);
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

std::string encode_command_entry(const CommandEntry& entry) {
  std::string out(16 + entry.request_digest.size(), '\0');
  put_le(put_le(out.data(), entry.first_position), entry.last_position);
  std::copy(entry.request_digest.begin(), entry.request_digest.end(), out.begin() + 16);
  return out;
}

std::optional<CommandEntry> decode_command_entry(std::string_view value) {
  if (value.size() != 16 && value.size() != 16 + kRequestDigestSize) return std::nullopt;
  Reader r(value.substr(0, 16));
  CommandEntry entry;
  entry.first_position = r.le<std::uint64_t>();
  entry.last_position = r.le<std::uint64_t>();
  entry.request_digest = std::string(value.substr(16));
  if (entry.first_position == 0 || entry.last_position < entry.first_position) return std::nullopt;
  return entry;
}

}  // namespace brandledger::storage
