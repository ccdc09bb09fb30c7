#include "storage/log_batch.h"

#include <cstdio>
#include <cstring>
#include <random>

#include "storage/codec.h"

namespace brandledger::storage {
namespace {

constexpr std::string_view kMagic = "BLB1";

void append_u32be(std::string* out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void append_sized(std::string* out, std::string_view bytes) {
  append_u32be(out, static_cast<std::uint32_t>(bytes.size()));
  out->append(bytes);
}

// Reads the body front to back; every read fails (and stays failed) past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  bool take(std::size_t n, std::string_view* out) {
    if (!ok_ || rest_.size() < n) return ok_ = false;
    *out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  std::optional<std::uint64_t> u64() {
    std::string_view b;
    if (!take(8, &b)) return std::nullopt;
    return decode_u64be(b);
  }
  std::optional<std::uint32_t> u32() {
    std::string_view b;
    if (!take(4, &b)) return std::nullopt;
    std::uint32_t v = 0;
    for (unsigned char c : b) v = (v << 8) | c;
    return v;
  }
  std::optional<std::string_view> sized() {
    auto n = u32();
    std::string_view b;
    if (!n || !take(*n, &b)) return std::nullopt;
    return b;
  }
  bool at_end() const { return ok_ && rest_.empty(); }
  std::size_t left() const { return rest_.size(); }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

}  // namespace

std::size_t encoded_size(const LogBatch& batch) {
  std::size_t size = kMagic.size() + 8 + 4 + 4 + 4;
  for (const auto& e : batch.events) size += 4 + e.size();
  for (const auto& [id, entry] : batch.commands) size += 8 + id.size() + entry.size();
  for (const auto& s : batch.secrets)
    size += 4 + s.key.size() + 1 + (s.value ? 4 + s.value->size() : 0);
  return size;
}

std::string encode_log_batch(const LogBatch& batch) {
  std::string out;
  out.reserve(encoded_size(batch));
  out.append(kMagic);
  append_u64be(&out, batch.first_position);
  append_u32be(&out, static_cast<std::uint32_t>(batch.events.size()));
  for (const auto& e : batch.events) append_sized(&out, e);
  append_u32be(&out, static_cast<std::uint32_t>(batch.commands.size()));
  for (const auto& [id, entry] : batch.commands) {
    append_sized(&out, id);
    append_sized(&out, entry);
  }
  append_u32be(&out, static_cast<std::uint32_t>(batch.secrets.size()));
  for (const auto& s : batch.secrets) {
    append_sized(&out, s.key);
    out.push_back(s.value ? '\1' : '\0');
    if (s.value) append_sized(&out, *s.value);
  }
  return out;
}

std::string log_batch_id(const LogBatch& batch) {
  const std::string& last = batch.events.back();
  Sha256Digest hash{};
  if (last.size() >= kDigestSize)
    std::memcpy(hash.data(), last.data() + last.size() - kDigestSize, kDigestSize);
  return to_hex(hash);
}

std::string claim_id(const Sha256Digest& head_hash, std::uint64_t sequence,
                     std::string_view nonce) {
  return to_hex(head_hash) + "." + std::to_string(sequence) + "." + std::string(nonce);
}

std::string claim_nonce() {
  std::random_device random;
  const std::uint64_t n = (std::uint64_t{random()} << 32) | random();
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(n));
  return out;
}

bool claim_names(std::string_view id, const Sha256Digest& head_hash, std::uint64_t sequence) {
  const std::string prefix = to_hex(head_hash) + "." + std::to_string(sequence) + ".";
  return id.size() > prefix.size() && id.starts_with(prefix);
}

Result<LogBatch> decode_log_batch(std::string_view body) {
  Reader r(body);
  std::string_view magic;
  if (!r.take(kMagic.size(), &magic) || magic != kMagic)
    return Status::InvalidArgument("not a log batch (no BLB1 mark)");
  LogBatch batch;
  auto first = r.u64();
  auto n = r.u32();
  if (!first || !n) return Status::InvalidArgument("log batch: truncated header");
  if (*first == 0) return Status::InvalidArgument("log batch: no position 0 in a log");
  // Each event takes at least its size field: a count the body cannot hold is refused before
  // anything is reserved for it.
  if (*n > r.left() / 4) return Status::InvalidArgument("log batch: more events than bytes");
  batch.first_position = *first;
  batch.events.reserve(*n);
  for (std::uint32_t i = 0; i < *n; ++i) {
    auto e = r.sized();
    if (!e) return Status::InvalidArgument("log batch: truncated event " + std::to_string(i));
    if (!decode_event_value(*e))
      return Status::InvalidArgument("log batch: event " + std::to_string(i) + " is malformed");
    batch.events.emplace_back(*e);
  }
  auto c = r.u32();
  if (!c) return Status::InvalidArgument("log batch: truncated commands");
  if (*c > r.left() / 8) return Status::InvalidArgument("log batch: more commands than bytes");
  if (*c > 0 && *n == 0) return Status::InvalidArgument("log batch: a claim with commands");
  for (std::uint32_t i = 0; i < *c; ++i) {
    auto id = r.sized();
    auto entry = id ? r.sized() : std::nullopt;
    if (!entry || !decode_command_entry(*entry))
      return Status::InvalidArgument("log batch: malformed command entry " + std::to_string(i));
    batch.commands.emplace_back(std::string(*id), std::string(*entry));
  }
  auto m = r.u32();
  if (!m) return Status::InvalidArgument("log batch: truncated secrets");
  if (*m > r.left() / 5) return Status::InvalidArgument("log batch: more secrets than bytes");
  for (std::uint32_t i = 0; i < *m; ++i) {
    auto key = r.sized();
    std::string_view kind;
    if (!key || !r.take(1, &kind) || (kind[0] != '\0' && kind[0] != '\1'))
      return Status::InvalidArgument("log batch: malformed secret " + std::to_string(i));
    SecretChange change{std::string(*key), std::nullopt};
    if (kind[0] == '\1') {
      auto value = r.sized();
      if (!value)
        return Status::InvalidArgument("log batch: truncated secret " + std::to_string(i));
      change.value = std::string(*value);
    }
    batch.secrets.push_back(std::move(change));
  }
  if (!r.at_end()) return Status::InvalidArgument("log batch: bytes after the end");
  return batch;
}

Status continues_log(const LogBatch& batch, std::uint64_t head_position,
                     const Sha256Digest& head_hash) {
  if (batch.first_position != head_position + 1)
    return Status::Corruption("batch starts at position " + std::to_string(batch.first_position) +
                              ", the log's head is " + std::to_string(head_position));
  Sha256Digest prev = head_hash;
  std::uint64_t expected = batch.first_position;
  for (const std::string& stored : batch.events) {
    auto e = decode_event_value(stored);
    if (!e) return Status::Corruption("event " + std::to_string(expected) + " is malformed");
    if (e->position != expected)
      return Status::Corruption("event " + std::to_string(expected) + " names position " +
                                std::to_string(e->position));
    if (!digests_equal(e->prev_hash, prev))
      return Status::Corruption("event " + std::to_string(expected) +
                                " does not link to the previous event's hash");
    if (!digests_equal(sha256(hashed_part(stored)), e->hash))
      return Status::Corruption("event " + std::to_string(expected) + " does not match its hash");
    prev = e->hash;
    ++expected;
  }
  for (const auto& [id, bytes] : batch.commands) {
    auto entry = decode_command_entry(bytes);
    const bool inside = entry && entry->first_position >= batch.first_position &&
                        entry->first_position <= entry->last_position &&
                        entry->last_position <= batch.last_position();
    if (!inside)
      return Status::Corruption("the idempotency entry of command " + id +
                                " names positions outside the batch");
    for (std::uint64_t p = entry->first_position; p <= entry->last_position; ++p) {
      auto e = decode_event_value(batch.events[p - batch.first_position]);
      if (!e || e->command_id != id)
        return Status::Corruption("the idempotency entry of command " + id + " names event " +
                                  std::to_string(p) + ", which another command appended");
    }
  }
  return Status::Ok();
}

}  // namespace brandledger::storage
