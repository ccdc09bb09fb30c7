#include <catch2/catch.hpp>

#include <lmdb.h>

#include <chrono>
#include <thread>

#include "storage/codec.h"
#include "tests/storage/log_fixture.h"

using namespace brandledger;
using namespace brandledger::storage;
using brandledger::testing::open_env;
using brandledger::testing::TempDir;

TEST_CASE("a new data dir is stamped with the current format version") {
  TempDir dir;
  {
    auto env = open_env(dir.path());
    auto stats = env->stats();
    REQUIRE(stats.ok());
    CHECK(stats->schema_version == kSchemaVersion);
    CHECK(stats->events == 0);
  }
  auto again = open_env(dir.path());
  CHECK(again->stats()->schema_version == kSchemaVersion);
}

TEST_CASE("a data dir written by a newer format is refused with a clear message") {
  TempDir dir;
  {
    auto env = open_env(dir.path());
    REQUIRE(env->write([&](WriteTxn& txn) {
                 return env->log_tables().meta.put(txn, "schema_version",
                                                   encode_u32(kSchemaVersion + 1));
               })
                .ok());
  }
  auto env = Environment::open(dir.path());
  REQUIRE_FALSE(env.ok());
  CHECK(env.status().code() == Status::Code::kUnsupported);
  CHECK_THAT(env.status().message(), Catch::Contains("newer than this build"));
}

namespace {

// Rewrites a data dir as format 1 wrote it: the idempotency table held the whole result
// (positions, then each stream and its head), and the stamp said 1.
void make_format_1(const std::filesystem::path& dir, const std::string& command_id,
                   const AppendResult& result) {
  auto env = open_env(dir);
  std::string v1 =
      std::string(encode_command_entry({result.first_position, result.last_position})) +
      encode_u32(static_cast<std::uint32_t>(result.streams.size()));
  for (const StreamHead& head : result.streams)
    v1 += encode_u32(static_cast<std::uint32_t>(head.stream.size())) + head.stream +
          encode_u64(head.version);
  REQUIRE(env->write([&](WriteTxn& txn) {
               BL_RETURN_IF_ERROR(env->log_tables().commands.put(txn, command_id, v1));
               return env->log_tables().meta.put(txn, kSchemaVersionKey, encode_u32(1));
             })
              .ok());
}

}  // namespace

TEST_CASE("a format-1 data dir is upgraded when opened for writing, and answers as before") {
  TempDir dir;
  AppendResult first;
  {
    auto env = open_env(dir.path());
    testing::append_ok(*env, testing::request({testing::event("brand-a")}));
    first = testing::append_ok(
        *env, testing::request({testing::event("brand-a"), testing::event("round-2026"),
                                testing::event("brand-a")},
                               "c-1"));
  }
  make_format_1(dir.path(), "c-1", first);

  SECTION("read-only, it is refused with what to do") {
    EnvironmentOptions options;
    options.read_only = true;
    auto env = Environment::open(dir.path(), options);
    REQUIRE_FALSE(env.ok());
    CHECK(env.status().code() == Status::Code::kUnsupported);
    CHECK_THAT(env.status().message(), Catch::Contains("open it for writing once"));
  }
  SECTION("writable, it is upgraded and the repeated command gets its first answer") {
    auto env = open_env(dir.path());
    CHECK(env->stats()->schema_version == kSchemaVersion);
    auto txn = env->begin_read();
    REQUIRE(txn.ok());
    auto stored = env->log_tables().commands.get(*txn, "c-1");
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    CHECK((*stored)->size() == 16);  // positions only
    txn->abort();

    auto again = testing::append_ok(*env, testing::request({testing::event("brand-a")}, "c-1"));
    CHECK(again.duplicate);
    CHECK(again.first_position == 2);
    CHECK(again.last_position == 4);
    CHECK(again.streams == std::vector<StreamHead>{{"brand-a", 3}, {"round-2026", 1}});
    CHECK(testing::event_count(*env) == 4);
  }
}

TEST_CASE("read-only, a view table the data dir does not have yet is left out") {
  TempDir dir;
  EnvironmentOptions options;
  options.view_tables = {"brands"};
  open_env(dir.path(), options);
  options.view_tables = {"brands", "brand_keys"};
  options.read_only = true;
  auto env = Environment::open(dir.path(), options);
  INFO(env.status().to_string());
  REQUIRE(env.ok());
  CHECK((*env)->view_table("brands") != nullptr);
  CHECK((*env)->view_table("brand_keys") == nullptr);
  CHECK((*env)->view_tables().size() == 1);
}

TEST_CASE("zeros are kept written ahead of the last page, and the log reads the same") {
  TempDir dir;
  constexpr std::size_t kAhead = std::size_t{2} << 20;
  EnvironmentOptions options;
  options.preallocate_ahead = kAhead;
  {
    auto env = open_env(dir.path(), options);
    for (int i = 0; i < 200; ++i)
      testing::append_ok(
          *env, testing::request({testing::event("brand-" + std::to_string(i % 7), "BrandEdited",
                                                 R"({"slogan":"坚强前哨"})")}));
    // The background thread fills within a few of its 20 ms rounds.
    std::uint64_t file = 0, used = 0;
    for (int wait = 0; wait < 200; ++wait) {
      auto stats = env->stats();
      REQUIRE(stats.ok());
      file = stats->file_bytes;
      used = stats->map_used;
      if (file >= used + kAhead / 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(file >= used + kAhead / 2);
    CHECK(file <= used + kAhead + (std::size_t{1} << 20));
  }
  // Reopened without the option: LMDB ignores the zeros past its last page.
  auto env = open_env(dir.path());
  CHECK(testing::event_count(*env) == 200);
  auto txn = env->begin_read();
  REQUIRE(txn.ok());
  auto report = EventLog(*env).verify(*txn);
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->events == 200);
}

TEST_CASE("view tables are opened at start and keep their contents") {
  TempDir dir;
  EnvironmentOptions options;
  options.view_tables = {"brands", "audit_by_actor"};
  {
    auto env = open_env(dir.path(), options);
    REQUIRE(env->view_table("brands") != nullptr);
    CHECK(env->view_table("nope") == nullptr);
    const Table& brands = *env->view_table("brands");
    REQUIRE(
        env->write([&](WriteTxn& txn) { return brands.put(txn, "b1", "坚强前哨·巩固后院"); }).ok());
  }
  auto env = open_env(dir.path(), options);
  auto txn = env->begin_read();
  REQUIRE(txn.ok());
  auto v = env->view_table("brands")->get(*txn, "b1");
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  CHECK(**v == "坚强前哨·巩固后院");
}

TEST_CASE("a write whose body fails leaves nothing behind") {
  TempDir dir;
  auto env = testing::open_env_with_view(dir.path());
  const Table& v = *env->view_table("v");
  Status s = env->write([&](WriteTxn& txn) {
    BL_RETURN_IF_ERROR(v.put(txn, "k", "value"));
    return Status::InvalidArgument("changed my mind");
  });
  CHECK(s.code() == Status::Code::kInvalidArgument);
  auto txn = env->begin_read();
  CHECK_FALSE(v.get(*txn, "k")->has_value());
}

TEST_CASE("tables scan forward, by prefix and backward in key order") {
  TempDir dir;
  auto env = testing::open_env_with_view(dir.path());
  const Table& v = *env->view_table("v");
  REQUIRE(env->write([&](WriteTxn& txn) {
               for (const char* k : {"a/1", "a/2", "a/3", "b/1", "c/1"})
                 BL_RETURN_IF_ERROR(v.put(txn, k, k));
               return Status::Ok();
             })
              .ok());
  auto txn = env->begin_read();
  REQUIRE(txn.ok());
  std::vector<std::string> seen;
  auto collect = [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return true;
  };
  REQUIRE(v.scan_prefix(*txn, "a/", collect).ok());
  CHECK(seen == std::vector<std::string>{"a/1", "a/2", "a/3"});
  seen.clear();
  REQUIRE(v.scan_backward(*txn, "b/0", collect).ok());
  CHECK(seen == std::vector<std::string>{"a/3", "a/2", "a/1"});
  seen.clear();
  REQUIRE(v.scan_backward(*txn, "b/1", collect).ok());
  CHECK(seen.front() == "b/1");
  seen.clear();
  REQUIRE(v.scan_backward(*txn, "", [&](std::string_view k, std::string_view) {
             seen.emplace_back(k);
             return seen.size() < 2;
           }).ok());
  CHECK(seen == std::vector<std::string>{"c/1", "b/1"});
  CHECK((*v.last(*txn))->key == "c/1");
  CHECK(*v.count(*txn) == 5);
  txn->abort();

  REQUIRE(env->write([&](WriteTxn& w) {
               auto erased = v.erase(w, "a/2");
               REQUIRE(erased.ok());
               CHECK(*erased);
               CHECK_FALSE(*v.erase(w, "a/2"));
               return Status::Ok();
             })
              .ok());
  CHECK(*v.count(*env->begin_read()) == 4);
  REQUIRE(env->write([&](WriteTxn& w) { return v.clear(w); }).ok());
  CHECK(*v.count(*env->begin_read()) == 0);
}

TEST_CASE("appending out of key order with the append flag is refused") {
  TempDir dir;
  auto env = testing::open_env_with_view(dir.path());
  const Table& v = *env->view_table("v");
  Status s = env->write([&](WriteTxn& txn) {
    BL_RETURN_IF_ERROR(v.put(txn, "b", "1", true));
    return v.put(txn, "a", "2", true);
  });
  CHECK_FALSE(s.ok());
  CHECK(*v.count(*env->begin_read()) == 0);
}

TEST_CASE("a read-only open needs an existing data dir and refuses writes") {
  TempDir dir;
  EnvironmentOptions ro;
  ro.read_only = true;
  auto missing = Environment::open(dir / "none", ro);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kNotFound);

  { open_env(dir.path()); }
  auto env = open_env(dir.path(), ro);
  CHECK(env->write([](WriteTxn&) { return Status::Ok(); }).code() ==
        Status::Code::kInvalidArgument);
  CHECK(env->stats()->schema_version == kSchemaVersion);
}

TEST_CASE("a tiny map grows to take a large batch in one append") {
  TempDir dir;
  EnvironmentOptions options;
  options.initial_map_size = 64 * 1024;
  auto env = open_env(dir.path(), options);
  const std::size_t before = env->map_size();

  std::vector<NewEvent> events;
  const std::string payload(300, 'x');
  for (int i = 0; i < 20000; ++i)
    events.push_back({"brand-" + std::to_string(i % 50), "ProgressReported", payload});
  auto result = testing::append_ok(*env, testing::request(std::move(events)));
  CHECK(result.first_position == 1);
  CHECK(result.last_position == 20000);
  CHECK(env->map_size() > before);
  CHECK(testing::event_count(*env) == 20000);
  auto txn = env->begin_read();
  auto report = EventLog(*env).verify(*txn);
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->events == 20000);
}

TEST_CASE("stats count events, streams and tables") {
  TempDir dir;
  auto env = open_env(dir.path());
  testing::append_ok(*env,
                     testing::request({testing::event("brand-1"), testing::event("round-1")}));
  auto stats = env->stats();
  REQUIRE(stats.ok());
  CHECK(stats->events == 2);
  CHECK(stats->streams == 2);
  CHECK(stats->map_used > 0);
  CHECK(stats->map_used <= stats->map_size);
  CHECK(stats->file_bytes > 0);
  CHECK(stats->tables.size() == 4);
}
