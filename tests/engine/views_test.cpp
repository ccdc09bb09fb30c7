#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/views.h"
#include "storage/environment.h"
#include "tests/support/temp_dir.h"

using namespace brandledger;

TEST_CASE("position-set entries held back and written in key order make the same sets") {
  // A rebuild's DeferredPositions against ViewWriter::add_position one entry at a time:
  // keys over 16 bytes that share their first 16, keys that are prefixes of others and
  // hold 0x00, two tables, a repeat, and two writes (a rebuild writes whenever it holds
  // a few million).
  testing::TempDir dir;
  storage::EnvironmentOptions options;
  for (const char* t : {"direct_a", "direct_b", "held_a", "held_b"})
    options.view_tables.emplace_back(t, /*position_set=*/true);
  auto env = storage::Environment::open(dir.path(), options);
  REQUIRE(env.ok());
  const std::vector<std::string> keys = {"brand-0001",
                                         "brand-0001-extra",
                                         std::string("brand-0001\0x", 12),
                                         "unit-00000000000000000001",
                                         "unit-00000000000000000002",
                                         "unit-0000000000000000",
                                         "张三",
                                         "a"};
  std::mt19937 random(20261127);
  engine::DeferredPositions held;
  std::uint64_t position = 0;
  for (int write = 0; write < 2; ++write) {
    REQUIRE((*env)
                ->write([&](storage::WriteTxn& txn) -> Status {
                  engine::ViewWriter direct(**env, txn);
                  engine::ViewWriter deferred(**env, txn, &held);
                  for (int i = 0; i < 3000; ++i) {
                    ++position;
                    const std::string& key = keys[random() % keys.size()];
                    const bool b = random() % 3 == 0;
                    const int times = i % 500 == 0 ? 2 : 1;  // now and then the same twice
                    for (int t = 0; t < times; ++t) {
                      BL_RETURN_IF_ERROR(
                          direct.add_position(b ? "direct_b" : "direct_a", key, position));
                      BL_RETURN_IF_ERROR(
                          deferred.add_position(b ? "held_b" : "held_a", key, position));
                    }
                  }
                  CHECK(held.size() > 3000);
                  // What is held is not in the table yet: a read of the set is refused.
                  CHECK(deferred.has_position("held_a", keys[0], 1).status().code() ==
                        Status::Code::kInternal);
                  CHECK(direct.has_position("direct_a", keys[0], 1).ok());
                  return held.write(txn);
                })
                .ok());
    CHECK(held.size() == 0);
  }
  auto txn = (*env)->begin_read();
  REQUIRE(txn.ok());
  auto all = [&](const char* table, const std::string& key) {
    std::vector<std::uint64_t> seen;
    REQUIRE((*env)
                ->view_table(table)
                ->scan_positions(*txn, key, 0, storage::Table::Direction::kAscending,
                                 [&](std::uint64_t p) {
                                   seen.push_back(p);
                                   return true;
                                 })
                .ok());
    return seen;
  };
  std::size_t total = 0;
  for (const std::string& key : keys) {
    INFO(key);
    CHECK(all("held_a", key) == all("direct_a", key));
    CHECK(all("held_b", key) == all("direct_b", key));
    total += all("held_a", key).size() + all("held_b", key).size();
  }
  CHECK(total == 6000);
}
