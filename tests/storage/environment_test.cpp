#include <catch2/catch.hpp>

#include <lmdb.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "storage/codec.h"
#include "storage/meta_check.h"
#include "storage/preallocator.h"
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
  std::string v1 = encode_command_entry({result.first_position, result.last_position, ""}) +
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

TEST_CASE("the zeros ahead stay within half the free space above a floor") {
  constexpr std::uint64_t MiB = std::uint64_t{1} << 20, GiB = MiB << 10;
  // Plenty of room: the whole `ahead`.
  CHECK(preallocation_goal(10 * MiB, 10 * MiB, 64 * MiB, 100 * GiB, 200 * GiB) == 74 * MiB);
  // A 200 MiB filesystem with 150 MiB free: floor 64 MiB, half of the 86 MiB above it.
  CHECK(preallocation_goal(10 * MiB, 10 * MiB, 64 * MiB, 150 * MiB, 200 * MiB) == 53 * MiB);
  // Under the floor: nothing more, and what is written stays.
  CHECK(preallocation_goal(10 * MiB, 30 * MiB, 64 * MiB, 60 * MiB, 200 * MiB) == 30 * MiB);
  // A big filesystem keeps a twentieth of itself free: 1 TiB, 60 GiB free -> floor 51.2 GiB.
  CHECK(preallocation_goal(0, 0, 64 * MiB, 60 * GiB, 1024 * GiB) == 64 * MiB);
  CHECK(preallocation_goal(0, 0, 64 * MiB, 1024 * GiB / 20 + 64 * MiB, 1024 * GiB) == 32 * MiB);
  // Already ahead: the goal is where the file ends.
  CHECK(preallocation_goal(10 * MiB, 80 * MiB, 64 * MiB, 100 * GiB, 200 * GiB) == 80 * MiB);
}

TEST_CASE("on a small filesystem the preallocator leaves other programs their space") {
  // A 96 MiB tmpfs of our own (root only: CI runs as root; elsewhere the test says why it
  // cannot run and checks nothing else).
  TempDir dir;
  const auto mnt = dir / "small";
  std::filesystem::create_directories(mnt);
  if (::geteuid() != 0 ||
      std::system(("mount -t tmpfs -o size=96m tmpfs " + mnt.string() + " 2>/dev/null").c_str()) !=
          0) {
    WARN("cannot mount a tmpfs here (needs root): the small-disk test did not run");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { std::system(("umount " + path).c_str()); }
  } unmount{mnt.string()};
  EnvironmentOptions options;
  options.preallocate_ahead = std::size_t{64} << 20;  // the server's: two thirds of this disk
  auto env = open_env(mnt / "data", options);
  for (int i = 0; i < 50; ++i)
    testing::append_ok(*env, testing::request({testing::event("brand-x", "BrandEdited", "{}")}));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // many 20 ms rounds
  struct statvfs fs {};
  REQUIRE(::statvfs(mnt.c_str(), &fs) == 0);
  const std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  // The floor (64 MiB here) stays free whatever `ahead` asks for.
  CHECK(free >= (std::uint64_t{64} << 20) - (std::uint64_t{1} << 20));
  // Another program takes the free space and gives it back: the preallocator does not
  // take it meanwhile (before, it filled the disk within a round).
  const auto hog = mnt / "other-program";
  {
    std::ofstream out(hog, std::ios::binary);
    std::string chunk(std::size_t{1} << 20, 'x');
    for (std::uint64_t i = 0; i + 2 < (free >> 20); ++i) out.write(chunk.data(), chunk.size());
    CHECK(out.good());
  }
  std::filesystem::remove(hog);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(::statvfs(mnt.c_str(), &fs) == 0);
  CHECK(static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize >= free - (std::uint64_t{1} << 20));
  CHECK(testing::event_count(*env) == 50);
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

TEST_CASE("position sets keep each key's positions sorted and scan them from any position") {
  TempDir dir;
  EnvironmentOptions options;
  options.view_tables = {ViewTableSpec("by_actor", /*is_position_set=*/true)};
  auto env = open_env(dir.path(), options);
  const Table& t = *env->view_table("by_actor");
  REQUIRE(env->write([&](WriteTxn& txn) {
               // In log order, as projections feed them; then out of order and a repeat.
               for (std::uint64_t p : {3, 7, 9, 12, 300})
                 BL_RETURN_IF_ERROR(t.add_position(txn, "张三", p));
               BL_RETURN_IF_ERROR(t.add_position(txn, "李四", 5));
               BL_RETURN_IF_ERROR(t.add_position(txn, "张三", 8));
               return t.add_position(txn, "张三", 9);
             })
              .ok());
  auto txn = env->begin_read();
  REQUIRE(txn.ok());
  auto scan = [&](std::string_view key, std::uint64_t from, Table::Direction d,
                  std::size_t most = 100) {
    std::vector<std::uint64_t> seen;
    Status s = t.scan_positions(*txn, key, from, d, [&](std::uint64_t p) {
      seen.push_back(p);
      return seen.size() < most;
    });
    REQUIRE(s.ok());
    return seen;
  };
  using V = std::vector<std::uint64_t>;
  const auto up = Table::Direction::kAscending, down = Table::Direction::kDescending;
  CHECK(scan("张三", 0, up) == V{3, 7, 8, 9, 12, 300});
  CHECK(scan("张三", 8, up) == V{8, 9, 12, 300});
  CHECK(scan("张三", 10, up, 2) == V{12, 300});
  CHECK(scan("张三", 301, up).empty());
  CHECK(scan("张三", 9, down) == V{9, 8, 7, 3});
  CHECK(scan("张三", 10, down) == V{9, 8, 7, 3});
  CHECK(scan("张三", UINT64_MAX, down, 2) == V{300, 12});
  CHECK(scan("张三", 2, down).empty());
  CHECK(scan("李四", UINT64_MAX, down) == V{5});
  CHECK(scan("王五", 0, up).empty());
  CHECK(scan("王五", UINT64_MAX, down).empty());
  CHECK(*t.has_position(*txn, "张三", 8));
  CHECK_FALSE(*t.has_position(*txn, "张三", 5));
  CHECK_FALSE(*t.has_position(*txn, "王五", 5));
  CHECK(*t.count(*txn) == 7);
}

TEST_CASE("positions added key by key in bulk make the same sets as added one at a time") {
  // A rebuild's bulk form (one MDB_MULTIPLE put per key) against add_position, over the
  // forms LMDB keeps a set in: one entry, a sub-page inside the key's node, a tree of its
  // own (thousands); onto sets written before, and positions not past a set's last.
  TempDir dir;
  EnvironmentOptions options;
  options.view_tables = {ViewTableSpec("one_by_one", true), ViewTableSpec("bulk", true)};
  auto env = open_env(dir.path(), options);
  const Table& one = *env->view_table("one_by_one");
  const Table& bulk = *env->view_table("bulk");
  std::map<std::string, std::vector<std::uint64_t>> rounds[3] = {
      {{"a", {1}}, {"b", {2, 3}}, {"c", {4, 5, 6, 7, 8, 9}}},
      {{"a", {10}}, {"b", {}}, {"c", {}}, {"d", {11}}},
      {{"a", {}}, {"b", {12}}, {"c", {}}, {"d", {13}}, {"e", {14}}}};
  for (std::uint64_t p = 100; p < 5100; ++p) rounds[1]["c"].push_back(p);
  for (std::uint64_t p = 5100; p < 5400; ++p) rounds[2]["c"].push_back(p);
  for (std::uint64_t p = 5400; p < 5700; p += 3) rounds[2]["a"].push_back(p);
  rounds[2]["d"] = {11, 12, 13, 20};  // 11 held already, 12 below 13: in order, once
  for (auto& round : rounds) {
    REQUIRE(env->write([&](WriteTxn& txn) -> Status {
                 std::vector<Table::PositionRun> runs;
                 for (const auto& [key, positions] : round) {
                   for (std::uint64_t p : positions)
                     BL_RETURN_IF_ERROR(one.add_position(txn, key, p));
                   runs.push_back({key, positions});
                 }
                 return bulk.add_positions(txn, runs);
               })
                .ok());
  }
  auto txn = env->begin_read();
  REQUIRE(txn.ok());
  auto all = [&](const Table& t, std::string_view key) {
    std::vector<std::uint64_t> seen;
    REQUIRE(t.scan_positions(*txn, key, 0, Table::Direction::kAscending, [&](std::uint64_t p) {
               seen.push_back(p);
               return true;
             }).ok());
    return seen;
  };
  for (std::string key : {"a", "b", "c", "d", "e"}) {
    INFO(key);
    CHECK(all(bulk, key) == all(one, key));
  }
  CHECK(all(bulk, "c").size() == 6 + 5000 + 300);
  CHECK(all(bulk, "d") == std::vector<std::uint64_t>{11, 12, 13, 20});
  CHECK(*bulk.count(*txn) == *one.count(*txn));
  const std::vector<std::uint64_t> one_position = {1};
  const std::vector<Table::PositionRun> empty_key = {{"", one_position}};
  CHECK(env->write([&](WriteTxn& w) { return bulk.add_positions(w, empty_key); }).code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("a rebuild's clean-up drops the view tables no projection registers any more") {
  TempDir dir;
  EnvironmentOptions options;
  options.view_tables = {"brands", "audit_by_actor"};
  {
    auto env = open_env(dir.path(), options);
    REQUIRE(env->write([&](WriteTxn& txn) {
                 return env->view_table("audit_by_actor")->put(txn, "u1", "x");
               })
                .ok());
  }
  options.view_tables = {"brands", ViewTableSpec("audit_by_actor2", true)};
  auto env = open_env(dir.path(), options);
  auto dropped = env->drop_unregistered_views();
  REQUIRE(dropped.ok());
  CHECK(*dropped == std::vector<std::string>{"view.audit_by_actor"});
  dropped = env->drop_unregistered_views();
  REQUIRE(dropped.ok());
  CHECK(dropped->empty());
  auto txn = env->begin_read();
  REQUIRE(txn.ok());
  MDB_dbi dbi = 0;
  CHECK(mdb_dbi_open(txn->handle(), "view.audit_by_actor", 0, &dbi) == MDB_NOTFOUND);
  CHECK(mdb_dbi_open(txn->handle(), "view.brands", 0, &dbi) == MDB_SUCCESS);
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

namespace {

std::vector<NewEvent> large_batch(int count) {
  std::vector<NewEvent> events;
  const std::string payload(300, 'x');
  for (int i = 0; i < count; ++i)
    events.push_back({"brand-" + std::to_string(i % 50), "ProgressReported", payload});
  return events;
}

// Memory-backed when the machine has it, for the tests that write hundreds of MiB.
std::filesystem::path scratch_base() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec)) return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

}  // namespace

TEST_CASE("the map is reserved once at its full size, and the file holds only the pages used") {
  TempDir dir;
  auto env = open_env(dir.path());
  if constexpr (sizeof(void*) >= 8) CHECK(env->map_size() >= (std::uint64_t{1} << 40));
  const std::size_t reserved = env->map_size();

  // Larger than any map this build ever started with (64 KiB in tests), in one transaction.
  auto result = testing::append_ok(*env, testing::request(large_batch(20000)));
  CHECK(result.last_position == 20000);
  CHECK(env->map_size() == reserved);

  auto stats = env->stats();
  REQUIRE(stats.ok());
  CHECK(stats->map_size == reserved);
  CHECK(stats->map_used <= stats->file_bytes);
  // Not a sparse file as large as the map: its size and its blocks follow the pages used.
  CHECK(stats->file_bytes < std::uint64_t{64} << 20);
  struct stat st {};
  REQUIRE(::stat((dir.path() / "data.mdb").c_str(), &st) == 0);
  CHECK(static_cast<std::uint64_t>(st.st_blocks) * 512 <= stats->file_bytes + (1u << 20));

  // A backup is as compact as the data, and opens (with any map size) to the same log.
  REQUIRE(env->backup(dir / "backup").ok());
  const auto backup_bytes = std::filesystem::file_size(dir / "backup" / "data.mdb");
  CHECK(backup_bytes <= stats->map_used);
  EnvironmentOptions small;
  small.map_size = std::size_t{64} << 20;
  auto copy = open_env(dir / "backup", small);
  CHECK(testing::event_count(*copy) == 20000);
  auto txn = copy->begin_read();
  REQUIRE(txn.ok());
  auto report = EventLog(*copy).verify(*txn);
  REQUIRE(report.ok());
  CHECK(report->ok);
}

TEST_CASE("compacting a data dir drops its free pages and keeps every table exactly") {
  TempDir dir;
  EnvironmentOptions options;
  options.view_tables = {"v", ViewTableSpec("sets", true)};
  auto contents = [&](Environment& env) {
    std::set<std::string> out;
    auto txn = env.begin_read();
    REQUIRE(txn.ok());
    for (const Table* t : {&env.log_tables().events, env.view_table("v"), env.view_table("sets")})
      REQUIRE(t->scan(*txn, "", [&](std::string_view k, std::string_view v) {
                 out.insert(t->name() + "/" + std::string(k) + "/" + std::string(v));
                 return true;
               }).ok());
    return out;
  };
  std::set<std::string> before;
  std::uintmax_t grown = 0;
  {
    auto env = open_env(dir.path(), options);
    testing::append_ok(*env, testing::request(large_batch(2000)));
    // A view written and then cleared, as a rebuild does: its pages go to the free list.
    const Table& v = *env->view_table("v");
    for (int round = 0; round < 2; ++round)
      REQUIRE(env->write([&](WriteTxn& txn) {
                   BL_RETURN_IF_ERROR(v.clear(txn));
                   for (int i = 0; i < 20000; ++i)
                     BL_RETURN_IF_ERROR(v.put(txn, "k" + std::to_string(i), std::string(100, 'x')));
                   return env->view_table("sets")->add_position(txn, "s", round + 1);
                 })
                  .ok());
    REQUIRE(env->write([&](WriteTxn& txn) {
                 BL_RETURN_IF_ERROR(v.clear(txn));
                 return v.put(txn, "kept", "坚强前哨");
               })
                .ok());
    before = contents(*env);
    grown = std::filesystem::file_size(dir / "data.mdb");
    // Every commit moves the file's last commit id, whichever process made it.
    auto last = last_commit_id(dir / "data.mdb");
    REQUIRE(last.ok());
    REQUIRE(env->write([&](WriteTxn& txn) { return v.put(txn, "kept", "坚强前哨"); }).ok());
    CHECK(*last_commit_id(dir / "data.mdb") == *last + 1);
  }
  // The file's mode is the data file's, not the copy's.
  std::filesystem::permissions(
      dir / "data.mdb", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::create_directories(dir / "compacting");  // as a crash would leave it
  REQUIRE(compact_data_dir(dir.path()).ok());
  CHECK(std::filesystem::file_size(dir / "data.mdb") < grown / 2);
  CHECK_FALSE(std::filesystem::exists(dir / "compacting"));
  CHECK(std::filesystem::status(dir / "data.mdb").permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  // The lock file's state was the old file's: reset, for the next opener to set up afresh.
  CHECK(std::filesystem::file_size(dir / "lock.mdb") == 0);
  auto env = open_env(dir.path(), options);
  CHECK(contents(*env) == before);
  auto txn = env->begin_read();
  REQUIRE(txn.ok());
  auto report = EventLog(*env).verify(*txn);
  REQUIRE(report.ok());
  CHECK(report->ok);
  txn->abort();
  testing::append_ok(*env, testing::request(large_batch(10)));  // and writes go on
  CHECK(testing::event_count(*env) == 2010);
}

TEST_CASE("a data dir another process has open is not compacted") {
  TempDir dir;
  open_env(dir.path());
  int ready[2], done[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(done) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // holds the environment open until the parent closes `done`
    ::close(done[1]);
    ::close(ready[0]);
    auto env = Environment::open(dir.path(), {});
    char c = env.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    (void)!::read(done[0], &c, 1);
    ::_exit(0);
  }
  ::close(done[0]);
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  const auto inode = [&] {
    struct stat st {};
    ::stat((dir.path() / "data.mdb").c_str(), &st);
    return st.st_ino;
  };
  const auto before = inode();
  Status s = compact_data_dir(dir.path());
  CHECK(s.code() == Status::Code::kBusy);
  CHECK(inode() == before);
  CHECK_FALSE(std::filesystem::exists(dir / "compacting"));
  ::close(done[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(ready[0]);
  CHECK(compact_data_dir(dir.path()).ok());  // alone again
  CHECK(inode() != before);
}

TEST_CASE("a write past the configured map size fails with MapFull and leaves nothing behind") {
  TempDir dir;
  EnvironmentOptions options;
  options.map_size = std::size_t{1} << 20;
  auto env = open_env(dir.path(), options);
  const std::size_t reserved = env->map_size();

  AppendResult result;
  Status s = env->write([&](WriteTxn& txn) {
    return EventLog(*env).writer(txn).append(testing::request(large_batch(20000)), &result);
  });
  CHECK(s.code() == Status::Code::kMapFull);
  CHECK_THAT(s.message(), Catch::Contains("map_size"));
  CHECK(env->map_size() == reserved);
  CHECK(testing::event_count(*env) == 0);

  // What fits still goes in.
  CHECK(testing::append_ok(*env, testing::request({testing::event("brand-a")})).last_position == 1);
}

TEST_CASE("a long-lived read transaction does not hold up writes, however much they write") {
  TempDir dir(scratch_base());
  auto env = testing::open_env_with_view(dir.path());
  const Table& v = *env->view_table("v");
  REQUIRE(env->write([&](WriteTxn& txn) { return v.put(txn, "k", "before"); }).ok());

  std::mutex m;
  std::condition_variable cv;
  bool reader_open = false, writes_done = false, done_while_open = false;
  std::string seen_by_reader;
  auto begun = env->begin_read();
  REQUIRE(begun.ok());
  std::thread reader([&, txn = std::move(begun).value()] {
    std::unique_lock lock(m);
    reader_open = true;
    cv.notify_all();
    // A whole-log verify or an audit replay: open for as long as the writes take, or give
    // up (a writer waiting for this reader would never finish).
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return writes_done; });
    done_while_open = writes_done;
    seen_by_reader = std::string(**v.get(txn, "k"));
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return reader_open; });
  }
  // 80 commits of 4 MiB: 320 MiB, past the 256 MiB the map used to start at. The reader
  // pins the pages they free, so each one takes new pages.
  const std::string big(std::size_t{4} << 20, 'b');
  for (int i = 0; i < 80; ++i) {
    Status s = env->write([&](WriteTxn& txn) { return v.put(txn, "k", big); });
    REQUIRE(s.ok());
  }
  {
    std::lock_guard lock(m);
    writes_done = true;
  }
  cv.notify_all();
  reader.join();
  CHECK(done_while_open);
  CHECK(seen_by_reader == "before");  // its snapshot, whatever was written since
  CHECK(env->stats()->map_used > std::uint64_t{256} << 20);
}

TEST_CASE("a read transaction moved to another thread is used and ended there") {
  TempDir dir;
  auto env = testing::open_env_with_view(dir.path());
  const Table& v = *env->view_table("v");
  REQUIRE(env->write([&](WriteTxn& txn) { return v.put(txn, "k", "1"); }).ok());

  auto begun = env->begin_read();
  REQUIRE(begun.ok());
  ReadTxn txn = std::move(begun).value();
  REQUIRE(env->write([&](WriteTxn& w) { return v.put(w, "k", "2"); }).ok());

  std::string seen;
  std::thread other([&, moved = std::move(txn)]() mutable {
    seen = std::string(**v.get(moved, "k"));
    moved.abort();
  });
  other.join();
  CHECK(seen == "1");
  CHECK_FALSE(txn.is_open());

  // Ended on that thread, it leaves nothing held: writes go on, new readers see them.
  REQUIRE(env->write([&](WriteTxn& w) { return v.put(w, "k", "3"); }).ok());
  CHECK(**v.get(*env->begin_read(), "k") == "3");
  CHECK(env->stats()->readers <= 1);
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
