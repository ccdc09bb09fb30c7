#include <catch2/catch.hpp>

#include "storage/codec.h"

using namespace brandledger;
using namespace brandledger::storage;

TEST_CASE("an event value round-trips every field and its hash covers the record") {
  EventView e;
  e.position = 42;
  e.stream = "brand-b1";
  e.version = 7;
  e.stream_prev = 40;
  e.type = "BrandNamed";
  e.schema_version = 2;
  e.occurred_at = *parse_rfc3339("2026-11-22T10:00:00Z");
  e.recorded_at = *parse_rfc3339("2026-11-22T10:00:00.5Z");
  e.actor = {"u1", "李四", "committee", "wc"};
  e.command_id = "cmd-1";
  e.correlation_id = "corr-1";
  e.comment = "同意命名";
  e.data = R"({"name":"红蓝融 税先锋"})";
  e.prev_hash = sha256("previous");

  std::string value;
  Sha256Digest hash = encode_event_value(e, &value);
  CHECK(hash == sha256(hashed_part(value)));
  auto back = decode_event_value(value);
  REQUIRE(back);
  CHECK(back->position == 42);
  CHECK(back->stream == "brand-b1");
  CHECK(back->version == 7);
  CHECK(back->stream_prev == 40);
  CHECK(back->type == "BrandNamed");
  CHECK(back->schema_version == 2);
  CHECK(back->occurred_at == e.occurred_at);
  CHECK(back->recorded_at == e.recorded_at);
  CHECK(back->actor.name == "李四");
  CHECK(back->actor.org == "wc");
  CHECK(back->command_id == "cmd-1");
  CHECK(back->correlation_id == "corr-1");
  CHECK(back->comment == "同意命名");
  CHECK(back->data == e.data);
  CHECK(back->prev_hash == e.prev_hash);
  CHECK(back->hash == hash);
}

TEST_CASE("a truncated or padded event value is refused") {
  EventView e;
  e.position = 1;
  e.stream = "s";
  e.type = "T";
  std::string value;
  encode_event_value(e, &value);
  CHECK(decode_event_value(value));
  CHECK_FALSE(decode_event_value(value.substr(0, value.size() - 1)));
  CHECK_FALSE(decode_event_value(value + "x"));
  CHECK_FALSE(decode_event_value(""));
}

TEST_CASE("stream heads round-trip and refuse the wrong length") {
  auto back = decode_stream_head(encode_stream_head({12, 3456}).view());
  REQUIRE(back);
  CHECK(back->version == 12);
  CHECK(back->position == 3456);
  CHECK_FALSE(decode_stream_head(encode_u64(12)));
}

TEST_CASE("big-endian keys sort in numeric order") {
  std::string a, b;
  append_u64be(&a, 255);
  append_u64be(&b, 256);
  CHECK(a < b);
  CHECK(decode_u64be(b) == 256u);
}

TEST_CASE("command entries round-trip and refuse what cannot be an append") {
  auto back = decode_command_entry(encode_command_entry({10, 12}));
  REQUIRE(back);
  CHECK(back->first_position == 10);
  CHECK(back->last_position == 12);
  CHECK_FALSE(decode_command_entry("short"));
  CHECK_FALSE(decode_command_entry(encode_command_entry({0, 0})));
  CHECK_FALSE(decode_command_entry(encode_command_entry({12, 10})));
  // From format 3 on, with the digest of the request that carried the id.
  const std::string digest(kRequestDigestSize, '\x5a');
  auto bound = decode_command_entry(encode_command_entry({10, 12, digest}));
  REQUIRE(bound);
  CHECK(bound->request_digest == digest);
  CHECK(back->request_digest.empty());
  CHECK_FALSE(decode_command_entry(encode_command_entry({10, 12, "too short"})));
}

TEST_CASE("an event value is exactly as long as event_value_size says") {
  EventView e;
  e.position = 3;
  e.stream = "brand-b1";
  e.type = "BrandFiled";
  e.actor = {"u1", "李四", "committee", "wc"};
  e.data = R"({"name":"红蓝融 税先锋"})";
  std::string value;
  encode_event_value(e, &value);
  CHECK(value.size() == event_value_size(e));
  // The in-place form writes the same bytes.
  std::string place(event_value_size(e), '\0');
  encode_event_value(e, place.data());
  CHECK(place == value);
}

TEST_CASE("fixed-width integers refuse the wrong length") {
  CHECK(decode_u32(encode_u32(7)) == 7u);
  CHECK_FALSE(decode_u32(encode_u64(7)));
  CHECK(decode_u64(encode_u64(1ULL << 40)) == (1ULL << 40));
  CHECK(decode_position_key(position_key(99)) == 99u);
}
