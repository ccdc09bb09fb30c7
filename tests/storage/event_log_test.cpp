#include <catch2/catch.hpp>

#include <lmdb.h>

#include "storage/codec.h"
#include "tests/storage/log_fixture.h"

using namespace brandledger;
using namespace brandledger::storage;
using testing::append_ok;
using testing::event;
using testing::event_count;
using testing::open_env;
using testing::request;
using testing::TempDir;

namespace {

std::vector<Event> read_stream(Environment& env, std::string_view stream) {
  auto txn = env.begin_read();
  REQUIRE(txn.ok());
  auto events = EventLog(env).read_stream(*txn, stream);
  REQUIRE(events.ok());
  return std::move(events).value();
}

VerifyReport verify(Environment& env) {
  auto txn = env.begin_read();
  REQUIRE(txn.ok());
  auto report = EventLog(env).verify(*txn);
  REQUIRE(report.ok());
  return *report;
}

Status try_append(Environment& env, const AppendRequest& req, AppendResult* out) {
  EventLog log(env);
  return env.write([&](WriteTxn& txn) { return log.append(txn, req, out); });
}

}  // namespace

TEST_CASE("appends get gapless global positions and per-stream versions") {
  TempDir dir;
  auto env = open_env(dir.path());
  auto r1 = append_ok(
      *env, request({event("brand-a"), event("brand-b"), event("brand-a", "BrandEdited")}));
  CHECK(r1.first_position == 1);
  CHECK(r1.last_position == 3);
  CHECK(r1.streams == std::vector<StreamHead>{{"brand-a", 2}, {"brand-b", 1}});
  auto r2 = append_ok(*env, request({event("brand-b", "BrandSubmitted")}));
  CHECK(r2.first_position == 4);
  CHECK(r2.streams == std::vector<StreamHead>{{"brand-b", 2}});

  auto a = read_stream(*env, "brand-a");
  REQUIRE(a.size() == 2);
  CHECK(a[0].position == 1);
  CHECK(a[0].version == 1);
  CHECK(a[1].position == 3);
  CHECK(a[1].version == 2);
  CHECK(a[1].type == "BrandEdited");
  CHECK(a[1].actor.role == "committee");
  CHECK(a[1].comment == "测试");
  CHECK(a[1].correlation_id == "corr-1");
}

TEST_CASE("each event's prev_hash is the hash of the event before it") {
  TempDir dir;
  auto env = open_env(dir.path());
  append_ok(*env, request({event("s-1"), event("s-2")}));
  append_ok(*env, request({event("s-1")}));
  auto txn = env->begin_read();
  auto all = EventLog(*env).read_all(*txn, 0, 100);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].prev_hash == Sha256Digest{});
  CHECK((*all)[1].prev_hash == (*all)[0].hash);
  CHECK((*all)[2].prev_hash == (*all)[1].hash);
  auto head = EventLog(*env).head(*txn);
  CHECK(head->position == 3);
  CHECK(head->hash == (*all)[2].hash);
}

TEST_CASE("an expected version that fails on any stream writes nothing and names the stream") {
  TempDir dir;
  auto env = open_env(dir.path());
  append_ok(*env, request({event("brand-a"), event("round-1")}));
  append_ok(*env, request({event("round-1")}));
  const auto before = event_count(*env);

  auto req = request({event("brand-a", "BrandNominated"), event("round-1", "BrandNominated")});
  req.expected = {{"brand-a", 1}, {"round-1", 1}};  // round-1 is at 2
  AppendResult out;
  Status s = try_append(*env, req, &out);
  CHECK(s.code() == Status::Code::kConflict);
  REQUIRE(out.conflict);
  CHECK(out.conflict->stream == "round-1");
  CHECK(out.conflict->expected == 1);
  CHECK(out.conflict->actual == 2);
  CHECK(event_count(*env) == before);
  CHECK(read_stream(*env, "brand-a").size() == 1);

  req.expected = {{"brand-a", 1}, {"round-1", 2}};
  auto ok = append_ok(*env, req);
  CHECK(ok.streams == std::vector<StreamHead>{{"brand-a", 2}, {"round-1", 3}});
}

TEST_CASE("expected version 0 means the stream must not exist yet") {
  TempDir dir;
  auto env = open_env(dir.path());
  auto req = request({event("brand-new")});
  req.expected = {{"brand-new", 0}};
  append_ok(*env, req);
  AppendResult out;
  CHECK(try_append(*env, req, &out).code() == Status::Code::kConflict);
  CHECK(out.conflict->actual == 1);
}

TEST_CASE("an expectation may guard a stream the append does not write") {
  TempDir dir;
  auto env = open_env(dir.path());
  append_ok(*env, request({event("round-1")}));
  auto req = request({event("brand-a")});
  req.expected = {{"round-1", 5}};
  AppendResult out;
  CHECK(try_append(*env, req, &out).code() == Status::Code::kConflict);
  CHECK(read_stream(*env, "brand-a").empty());
}

TEST_CASE("re-appending with the same command id answers the first result and writes nothing") {
  TempDir dir;
  auto env = open_env(dir.path());
  auto first = append_ok(*env, request({event("brand-a"), event("round-1")}, "cmd-42"));
  append_ok(*env, request({event("brand-b")}));
  const auto before = event_count(*env);
  // Even a retry whose body differs gets the first answer: the id names the command.
  auto again = append_ok(*env, request({event("brand-a", "Other")}, "cmd-42"));
  CHECK(again.duplicate);
  CHECK_FALSE(first.duplicate);
  CHECK(again.first_position == first.first_position);
  CHECK(again.last_position == first.last_position);
  CHECK(again.streams == first.streams);
  CHECK(event_count(*env) == before);

  auto txn = env->begin_read();
  auto found = EventLog(*env).find_command(*txn, "cmd-42");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->last_position == 2);
  CHECK_FALSE(EventLog(*env).find_command(*txn, "cmd-43")->has_value());
}

TEST_CASE("a refused append leaves its command id free, in a transaction that goes on") {
  TempDir dir;
  auto env = open_env(dir.path());
  append_ok(*env, request({event("brand-a")}));
  EventLog log(*env);
  auto refused = request({event("brand-a", "BrandNominated")}, "cmd-7");
  refused.expected = {{"brand-a", 5}};
  // The engine's shape: one transaction, one command refused, the next one committed.
  REQUIRE(env->write([&](WriteTxn& txn) {
               EventLog::Writer writer = log.writer(txn);
               AppendResult out;
               Status s = writer.append(refused, &out);
               CHECK(s.code() == Status::Code::kConflict);
               CHECK_FALSE(out.duplicate);
               return writer.append(request({event("brand-b")}), &out);
             })
              .ok());
  {
    auto txn = env->begin_read();
    CHECK_FALSE(log.find_command(*txn, "cmd-7")->has_value());
  }
  refused.expected = {{"brand-a", 1}};
  auto ok = append_ok(*env, refused);
  CHECK_FALSE(ok.duplicate);
  CHECK(ok.first_position == 3);
}

TEST_CASE("a repeated command id answers first even when its expectation no longer holds") {
  TempDir dir;
  auto env = open_env(dir.path());
  auto req = request({event("brand-a")}, "cmd-1");
  req.expected = {{"brand-a", 0}};
  auto first = append_ok(*env, req);
  auto again = append_ok(*env, req);  // brand-a is at 1 now: a fresh append would conflict
  CHECK(again.duplicate);
  CHECK(again.first_position == first.first_position);
  CHECK(event_count(*env) == 1);
}

TEST_CASE("malformed appends are refused and write nothing") {
  TempDir dir;
  auto env = open_env(dir.path());
  AppendResult out;
  CHECK(try_append(*env, request({}), &out).code() == Status::Code::kInvalidArgument);
  CHECK(try_append(*env, request({event("")}), &out).code() == Status::Code::kInvalidArgument);
  CHECK(try_append(*env, request({event(std::string("a\0b", 3))}), &out).code() ==
        Status::Code::kInvalidArgument);
  CHECK(try_append(*env, request({event(std::string(kMaxStreamName + 1, 's'))}), &out).code() ==
        Status::Code::kInvalidArgument);
  CHECK(try_append(*env, request({event("s", "")}), &out).code() == Status::Code::kInvalidArgument);
  CHECK(try_append(*env, request({event("s")}, std::string(kMaxCommandId + 1, 'c')), &out).code() ==
        Status::Code::kInvalidArgument);
  CHECK(event_count(*env) == 0);
}

TEST_CASE("a stream reads as it stood at an instant") {
  TempDir dir;
  auto env = open_env(dir.path());
  const char* days[] = {"2024-01-10T08:00:00Z", "2025-06-01T08:00:00Z", "2026-03-01T08:00:00Z"};
  for (const char* day : days) {
    auto req = request({event("brand-a", "Step", std::string(R"({"day":")") + day + "\"}")});
    req.occurred_at = *parse_rfc3339(day);
    append_ok(*env, req);
  }
  EventLog log(*env);
  auto txn = env->begin_read();
  auto at = [&](const char* instant) {
    auto events = log.read_stream_until(*txn, "brand-a", *parse_rfc3339(instant));
    REQUIRE(events.ok());
    return events->size();
  };
  CHECK(at("2023-12-31T00:00:00Z") == 0);
  CHECK(at("2024-01-10T08:00:00Z") == 1);  // inclusive
  CHECK(at("2025-12-31T23:59:59Z") == 2);
  CHECK(at("2030-01-01T00:00:00Z") == 3);
  CHECK(log.read_stream_until(*txn, "brand-none", *parse_rfc3339("2030-01-01"))->empty());
}

TEST_CASE("a stream reads between two versions") {
  TempDir dir;
  auto env = open_env(dir.path());
  for (int i = 0; i < 300; ++i) append_ok(*env, request({event("brand-a"), event("brand-b")}));
  auto txn = env->begin_read();
  EventLog log(*env);
  auto part = log.read_stream(*txn, "brand-a", 255, 257);
  REQUIRE(part.ok());
  REQUIRE(part->size() == 3);
  CHECK((*part)[0].version == 255);
  CHECK((*part)[2].version == 257);
  CHECK((*part)[0].position == 2 * 254 + 1);
  CHECK(*log.stream_version(*txn, "brand-b") == 300);
  CHECK(*log.stream_version(*txn, "brand-z") == 0);
}

TEST_CASE("the whole log reads from a position, with a limit") {
  TempDir dir;
  auto env = open_env(dir.path());
  for (int i = 0; i < 10; ++i) append_ok(*env, request({event("s-" + std::to_string(i))}));
  auto txn = env->begin_read();
  EventLog log(*env);
  auto page = log.read_all(*txn, 4, 3);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 3);
  CHECK((*page)[0].position == 5);
  CHECK((*page)[2].position == 7);
  CHECK(log.read_all(*txn, 10, 5)->empty());
  std::vector<std::string> streams;
  REQUIRE(log.for_each_stream(*txn, "s-",
                              [&](std::string_view name, std::uint64_t version) {
                                CHECK(version == 1);
                                streams.emplace_back(name);
                                return true;
                              })
              .ok());
  CHECK(streams.size() == 10);
}

TEST_CASE("Chinese brand names and payloads round-trip byte for byte") {
  const std::vector<std::string> names = {"坚强前哨·巩固后院",
                                          "宣报党旗分外红",
                                          "三色青春·党建有Young",
                                          "党建+‘四精’后勤",
                                          "12319市民好帮手",
                                          "天地人和·亮赛比",
                                          "红蓝融 税先锋",
                                          "萱姐姐",
                                          "三元融合铸金盾",
                                          "‘宣’锋引领·‘州’到服务",
                                          "忠诚奉献尽责 铸就‘四最’机关"};
  TempDir dir;
  auto env = open_env(dir.path());
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto req = request({event("brand-" + std::to_string(i), "BrandCreated",
                              R"({"name":")" + names[i] + R"(","org":"宣城市直机关工委"})")});
    req.comment = names[i];
    req.actor.name = "市政府机关第一党支部 书记";
    append_ok(*env, req);
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto events = read_stream(*env, "brand-" + std::to_string(i));
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == R"({"name":")" + names[i] + R"(","org":"宣城市直机关工委"})");
    CHECK(events[0].comment == names[i]);
    CHECK(events[0].actor.name == "市政府机关第一党支部 书记");
  }
  CHECK(verify(*env).ok);
}

TEST_CASE("verify passes an intact log and reports its head") {
  TempDir dir;
  auto env = open_env(dir.path());
  for (int i = 0; i < 50; ++i) append_ok(*env, request({event("s-" + std::to_string(i % 5))}));
  auto report = verify(*env);
  CHECK(report.ok);
  CHECK(report.events == 50);
  CHECK(report.head.position == 50);
}

namespace {

// Rewrites one stored value behind the log's back, through LMDB directly.
void tamper(const std::filesystem::path& dir, std::uint64_t position,
            const std::function<void(std::string&)>& change) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 16);
  REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, "events", MDB_INTEGERKEY, &dbi) == 0);
  std::size_t key_value = position;
  MDB_val key{sizeof key_value, &key_value}, value{};
  REQUIRE(mdb_get(txn, dbi, &key, &value) == 0);
  std::string bytes(static_cast<const char*>(value.mv_data), value.mv_size);
  change(bytes);
  MDB_val changed{bytes.size(), bytes.data()};
  REQUIRE(mdb_put(txn, dbi, &key, &changed, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

}  // namespace

TEST_CASE("verify names exactly the event whose bytes were altered") {
  struct Case {
    const char* what;
    std::uint64_t position;
    std::function<void(std::string&)> change;
  };
  const std::vector<Case> cases = {
      {"a byte of the payload", 17, [](std::string& b) { b[b.size() - 40] ^= 0x01; }},
      {"the comment", 1, [](std::string& b) { b.replace(b.find("测试"), 6, "测验"); }},
      {"the stored hash", 30, [](std::string& b) { b.back() ^= 0x80; }},
      {"the prev_hash", 42, [](std::string& b) { b[0] ^= 0x01; }},
      {"the last event's type", 60, [](std::string& b) { b.replace(b.find("Step"), 4, "Stop"); }},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.what) {
      TempDir dir;
      {
        auto env = open_env(dir.path());
        for (int i = 0; i < 60; ++i)
          append_ok(*env, request({event("brand-" + std::to_string(i % 7), "Step",
                                         R"({"n":)" + std::to_string(i) + "}")}));
      }
      tamper(dir.path(), c.position, c.change);
      auto env = open_env(dir.path());
      auto report = verify(*env);
      CHECK_FALSE(report.ok);
      CHECK(report.first_bad_position == c.position);
      CHECK(report.events == c.position - 1);
      CHECK_FALSE(report.problem.empty());
    }
  }
}

TEST_CASE("each event points at its stream's previous event") {
  TempDir dir;
  auto env = open_env(dir.path());
  append_ok(*env, request({event("brand-a"), event("brand-b")}));
  append_ok(*env, request({event("brand-b"), event("brand-a")}));
  auto a = read_stream(*env, "brand-a");
  REQUIRE(a.size() == 2);
  CHECK(a[0].stream_prev == 0);
  CHECK(a[1].stream_prev == a[0].position);
  CHECK(a[1].position == 4);
}

TEST_CASE("verify notices a stream head that disagrees with the log") {
  TempDir dir;
  auto env = open_env(dir.path());
  append_ok(*env, request({event("brand-a"), event("brand-a")}));
  REQUIRE(
      env->write([&](WriteTxn& txn) {
           return env->log_tables().streams.put(txn, "brand-a", encode_stream_head({1, 1}).view());
         })
          .ok());
  auto report = verify(*env);
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad_position == 0);
  CHECK_THAT(report.problem, Catch::Contains("brand-a"));
}

TEST_CASE("verify notices a missing event") {
  TempDir dir;
  {
    auto env = open_env(dir.path());
    for (int i = 0; i < 5; ++i) append_ok(*env, request({event("s")}));
  }
  MDB_env* raw = nullptr;
  mdb_env_create(&raw);
  mdb_env_set_maxdbs(raw, 16);
  REQUIRE(mdb_env_open(raw, dir.path().c_str(), 0, 0644) == 0);
  MDB_txn* txn = nullptr;
  mdb_txn_begin(raw, nullptr, 0, &txn);
  MDB_dbi dbi;
  mdb_dbi_open(txn, "events", MDB_INTEGERKEY, &dbi);
  std::size_t three = 3;
  MDB_val key{sizeof three, &three};
  REQUIRE(mdb_del(txn, dbi, &key, nullptr) == 0);
  mdb_txn_commit(txn);
  mdb_env_close(raw);

  auto env = open_env(dir.path());
  auto report = verify(*env);
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad_position == 3);
}
