#include <catch2/catch.hpp>

#include "storage/codec.h"
#include "storage/log_batch.h"

using namespace brandledger;
using namespace brandledger::storage;

namespace {

// `n` chained events from position `first`, after a log whose head hash is `prev`.
std::vector<std::string> chained(std::uint64_t first, int n, Sha256Digest prev) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    EventView e;
    e.position = first + i;
    e.stream = "brand-b1";
    e.version = first + i;
    e.stream_prev = i == 0 ? 0 : first + i - 1;
    e.type = "BrandProgressReported";
    e.actor = {"b1", "书记", "branch", "b1"};
    const std::string command_id = "cmd-" + std::to_string(first + i);  // e views it
    e.command_id = command_id;
    e.data = R"({"summary":"年度自评"})";
    e.prev_hash = prev;
    std::string stored;
    prev = encode_event_value(e, &stored);
    out.push_back(std::move(stored));
  }
  return out;
}

Sha256Digest hash_of(const std::string& stored) {
  return decode_event_value(stored)->hash;
}

}  // namespace

TEST_CASE("a log batch travels with its events byte for byte and its secrets' writes") {
  LogBatch batch{7,
                 chained(7, 3, Sha256Digest{}),
                 {{"cmd-8", encode_command_entry({8, 8, std::string(kRequestDigestSize, 'd')})}},
                 {{"user:b1", "argon2id-hash"}, {"token:x", std::nullopt}}};
  const std::string body = encode_log_batch(batch);
  auto back = decode_log_batch(body);
  REQUIRE(back.ok());
  CHECK(back->first_position == 7);
  CHECK(back->last_position() == 9);
  CHECK(back->events == batch.events);
  CHECK(back->commands == batch.commands);
  REQUIRE(back->secrets.size() == 2);
  CHECK(back->secrets[0].key == "user:b1");
  CHECK(back->secrets[0].value == std::optional<std::string>("argon2id-hash"));
  CHECK(back->secrets[1].key == "token:x");
  CHECK_FALSE(back->secrets[1].value.has_value());
  CHECK(encode_log_batch(*back) == body);

  // Every truncation, and anything after the end, is refused (never read past the bytes).
  for (std::size_t n = 0; n < body.size(); ++n) {
    INFO(n);
    CHECK(decode_log_batch(body.substr(0, n)).status().code() == Status::Code::kInvalidArgument);
  }
  CHECK_FALSE(decode_log_batch(body + "x").ok());
  CHECK_FALSE(decode_log_batch(encode_log_batch(LogBatch{0, {}, {}, {}})).ok());  // position 0
  // A count that the body cannot hold is refused before anything is reserved for it.
  std::string huge = body;
  huge[12] = '\x7f';  // the event count's top byte
  CHECK_FALSE(decode_log_batch(huge).ok());
}

TEST_CASE("a claim is a batch without events at the head it claims - with an id per number") {
  const auto body = encode_log_batch(LogBatch{7, {}, {}, {}});
  auto claim = decode_log_batch(body);
  REQUIRE(claim.ok());
  CHECK(claim->is_claim());
  CHECK(claim->last_position() == 6);
  CHECK(continues_log(*claim, 6, Sha256Digest{}).ok());
  CHECK(continues_log(*claim, 5, Sha256Digest{}).code() == Status::Code::kCorruption);
  // A claim appends no command, so it carries no idempotency entry.
  CHECK_FALSE(decode_log_batch(encode_log_batch(LogBatch{7, {}, {{"c", "entry"}}, {}})).ok());
  // Two claims of one head are two batches to the de-duplication window.
  Sha256Digest head{};
  head[0] = 0xab;
  CHECK(claim_id(head, 4, "n1") != claim_id(head, 5, "n1"));
  // Two nodes claiming one head at once: two messages, each naming the head and number.
  CHECK(claim_id(head, 4, claim_nonce()) != claim_id(head, 4, claim_nonce()));
  CHECK(claim_names(claim_id(head, 4, claim_nonce()), head, 4));
  CHECK_FALSE(claim_names(claim_id(head, 4, "n1"), head, 5));
  CHECK_FALSE(claim_names(claim_id(head, 4, "n1"), Sha256Digest{}, 4));
  CHECK_FALSE(claim_names(to_hex(head) + ".4.", head, 4));  // no nonce: not a claim's id
}

TEST_CASE("a log batch continues a log only from its head - linked and hashed") {
  const auto first = chained(1, 2, Sha256Digest{});
  const Sha256Digest head = hash_of(first.back());
  LogBatch next{3, chained(3, 3, head), {}, {}};
  CHECK(continues_log(LogBatch{1, first, {}, {}}, 0, Sha256Digest{}).ok());
  CHECK(continues_log(next, 2, head).ok());

  // Not after this head: a gap, an overlap, another chain.
  CHECK(continues_log(next, 1, hash_of(first[0])).code() == Status::Code::kCorruption);
  CHECK(continues_log(next, 3, head).code() == Status::Code::kCorruption);
  CHECK(continues_log(next, 2, hash_of(first[0])).code() == Status::Code::kCorruption);

  // A byte changed anywhere in any event's hashed part: its hash no longer recomputes.
  for (std::size_t e = 0; e < next.events.size(); ++e)
    for (std::size_t i = 0; i + kDigestSize < next.events[e].size(); i += 7) {
      LogBatch tampered = next;
      tampered.events[e][i] ^= 0x01;
      INFO("event " << e << " byte " << i);
      CHECK_FALSE(continues_log(tampered, 2, head).ok());
    }
  // An event re-hashed after the change no longer links to the next one.
  LogBatch relinked = next;
  auto middle = decode_event_value(relinked.events[1]);
  REQUIRE(middle);
  EventView changed = *middle;
  changed.comment = "改过";
  std::string restored;
  encode_event_value(changed, &restored);
  relinked.events[1] = restored;
  const Status s = continues_log(relinked, 2, head);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("event 5") != std::string::npos);
  // Idempotency entries must name this batch's events of that very command.
  LogBatch with_entry = next;
  with_entry.commands = {{"cmd-4", encode_command_entry({4, 4, {}})}};
  CHECK(continues_log(with_entry, 2, head).ok());
  with_entry.commands = {{"cmd-4", encode_command_entry({4, 5, {}})}};  // 5 is cmd-5's
  CHECK(continues_log(with_entry, 2, head).code() == Status::Code::kCorruption);
  with_entry.commands = {{"cmd-4", encode_command_entry({1, 1, {}})}};  // not in the batch
  CHECK(continues_log(with_entry, 2, head).code() == Status::Code::kCorruption);
  // Events out of order.
  LogBatch swapped = next;
  std::swap(swapped.events[0], swapped.events[1]);
  CHECK_FALSE(continues_log(swapped, 2, head).ok());
}
