// Credentials live in the secrets table, never in the log: kept by backup, left alone by
// rebuild, absent from export; a format-2 data dir's logged tokens move there on upgrade;
// a short bootstrap token is refused.
#include <catch2/catch.hpp>

#include <lmdb.h>

#include <string>

#include "core/sha256.h"
#include "engine/engine.h"
#include "storage/codec.h"
#include "support/command_line.h"
#include "tests/workflows/domain_fixture.h"
#include "views/projections.h"
#include "workflows/credentials.h"

using namespace brandledger;
using testing::run;

namespace {

const std::string kToken = "a-token-that-only-its-owner-knows-0123456789";

std::unique_ptr<engine::Engine> open_data(const std::filesystem::path& data, bool read_only) {
  engine::EngineOptions options;
  options.data_dir = data;
  options.manual_clock = true;
  options.read_only = read_only;
  auto e = engine::Engine::open(options, views::make_full_domain());
  INFO(e.status().to_string());
  REQUIRE(e.ok());
  return std::move(e).value();
}

std::optional<workflows::TokenRecord> token_of(const std::filesystem::path& data,
                                               const std::string& token, bool read_only = true) {
  auto e = open_data(data, read_only);
  auto txn = e->begin_read();
  REQUIRE(txn.ok());
  auto found = workflows::token_by_hash(*e, *txn, to_hex(sha256(token)));
  REQUIRE(found.ok());
  return *found;
}

// A raw LMDB look at a data dir: does it hold a table of this name?
bool has_table(const std::filesystem::path& data, const char* name) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 64);
  REQUIRE(mdb_env_open(env, data.c_str(), MDB_RDONLY, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) == 0);
  MDB_dbi dbi = 0;
  const bool found = mdb_dbi_open(txn, name, 0, &dbi) == 0;
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return found;
}

}  // namespace

TEST_CASE("tokens live in the secrets table: never in an event or an export, kept by backup "
          "and rebuild") {
  testing::TempDir dir;
  {
    testing::Harness h(true, views::make_full_domain());
    h.ok(h.admin, "user.create", workflows::user_stream("aud2"),
         {{"id", "aud2"},
          {"name", "审计员"},
          {"role", "auditor"},
          {"org", "wc"},
          {"token_sha256", to_hex(sha256(kToken))},
          {"token_id", "tk-0a1b2c3d"}});
    REQUIRE(h.engine().environment().backup(dir / "data").ok());
  }
  const auto data = dir / "data";
  auto found = token_of(data, kToken);
  REQUIRE(found);
  CHECK(found->user == "aud2");
  CHECK(found->id == "tk-0a1b2c3d");

  auto exported = run("export --data " + data.string());
  REQUIRE(exported.code == 0);
  CHECK_THAT(exported.out, !Catch::Contains(to_hex(sha256(kToken))));
  CHECK_THAT(exported.out, !Catch::Contains("token_sha256"));
  CHECK_THAT(exported.out, Catch::Contains(R"("type":"TokenIssued")"));
  CHECK_THAT(exported.out, Catch::Contains(R"("token":"tk-0a1b2c3d")"));

  REQUIRE(run("backup --data " + data.string() + " --out " + (dir / "copy").string()).code == 0);
  CHECK(token_of(dir / "copy", kToken));
  REQUIRE(run("rebuild --data " + data.string()).code == 0);
  CHECK(token_of(data, kToken));
  CHECK_FALSE(token_of(data, "some-other-token-of-nobody-at-all"));
}

TEST_CASE("a data dir from format 2 moves its logged token hashes to the secrets table") {
  testing::TempDir dir;
  const std::string logged_hash = to_hex(sha256(kToken));
  {
    // What format 2 wrote: the hash inside UserCreated, and a view of users by hash.
    testing::Harness h(true, views::make_full_domain());
    h.ok(h.admin, "test.seed", workflows::user_stream("old"),
         {{"events",
           {{{"stream", "user-old"},
             {"type", "UserCreated"},
             {"data",
              {{"id", "old"},
               {"name", "老用户"},
               {"role", "committee"},
               {"org", "wc"},
               {"token_sha256", logged_hash}}}}}}});
    REQUIRE(h.engine().environment().backup(dir / "data").ok());
  }
  const auto data = dir / "data";
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 64);
    REQUIRE(mdb_env_open(env, data.c_str(), 0, 0644) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi secrets = 0, meta = 0, old_view = 0;
    REQUIRE(mdb_dbi_open(txn, "secrets", 0, &secrets) == 0);
    REQUIRE(mdb_drop(txn, secrets, 1) == 0);  // format 2 had no secrets table
    REQUIRE(mdb_dbi_open(txn, "view.users_by_token", MDB_CREATE, &old_view) == 0);
    std::string user = "old";
    MDB_val k{logged_hash.size(), const_cast<char*>(logged_hash.data())}, v{user.size(), user.data()};
    REQUIRE(mdb_put(txn, old_view, &k, &v, 0) == 0);
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    const std::string key = "schema_version", two = storage::encode_u32(2);
    MDB_val mk{key.size(), const_cast<char*>(key.data())}, mv{two.size(), const_cast<char*>(two.data())};
    REQUIRE(mdb_put(txn, meta, &mk, &mv, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }
  CHECK(run("stats --data " + data.string()).code != 0);  // read-only: asks for an upgrade
  auto found = token_of(data, kToken, /*read_only=*/false);  // the writable open upgrades
  REQUIRE(found);
  CHECK(found->user == "old");
  CHECK_FALSE(has_table(data, "view.users_by_token"));
  CHECK(run("verify --data " + data.string()).code == 0);
  auto stats = run("stats --data " + data.string());
  CHECK_THAT(stats.out, Catch::Contains("format version:  3"));
  CHECK(token_of(data, kToken, false));  // a second open finds it done and changes nothing
}

TEST_CASE("serve refuses a bootstrap token shorter than 24 characters") {
  testing::TempDir dir;
  auto refused = testing::run_shell("BRANDLEDGER_BOOTSTRAP_TOKEN=short-token-0123456 " +
                                    std::string(BRANDLEDGER_BINARY) + " serve --data " +
                                    (dir / "data").string() + " --listen 127.0.0.1:0");
  CHECK(refused.code == 2);
  CHECK_THAT(refused.out, Catch::Contains("at least 24"));
  CHECK_FALSE(std::filesystem::exists(dir / "data" / "data.mdb"));  // nothing was created
}
