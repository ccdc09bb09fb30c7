// Startup on a damaged data dir: what the server does is the documented behaviour
// (docs/RELIABILITY.md, "Damaged data"), every time.
//   - A byte flipped in an event: api_tests "a byte altered in a stored event: …".
//   - A byte flipped in a view: the server starts and serves; verify names the view;
//     `brandledger rebuild` restores it from the log.
//   - A bit flipped anywhere in either LMDB meta page: `brandledger` either refuses the data
//     dir with a message and a non-zero exit, or opens a state whose chain and views verify;
//     it never crashes and never serves a state that fails verification.
#include <catch2/catch.hpp>

#include <lmdb.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "storage/codec.h"
#include "storage/environment.h"
#include "support/command_line.h"
#include "tests/api/world.h"
#include "tests/faults/log_check.h"
#include "views/projections.h"

using namespace brandledger;
using namespace brandledger::testing;

namespace {

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The data dir's environment with every view table, to damage behind the engine's back.
std::unique_ptr<storage::Environment> open_with_views(const std::filesystem::path& data) {
  storage::EnvironmentOptions options;
  options.view_tables = views::make_full_domain().view_tables();
  auto env = storage::Environment::open(data, options);
  REQUIRE(env.ok());
  return std::move(env).value();
}

}  // namespace

TEST_CASE("a byte flipped in a view: the server serves and verify names the view and rebuild "
          "restores it") {
  World w;
  const std::string id = w.brand("b1");
  const std::string doc = w.as("committee").get("/v1/brands/" + id).body;
  REQUIRE(w.server->stop() == 0);
  const auto data = w.dir / "data";
  {
    // Behind the engine's back: one byte of the brand's view document, in place.
    auto env = open_with_views(data);
    const storage::Table* brands = env->view_table("brands");
    REQUIRE(brands != nullptr);
    Status s = env->write([&](storage::WriteTxn& txn) -> Status {
      auto value = brands->get(txn, id);
      REQUIRE(value.ok());
      REQUIRE(value->has_value());
      std::string damaged(**value);
      const std::size_t at = damaged.find(":\"filed\"");  // inside the state's value
      REQUIRE(at != std::string::npos);
      damaged[at + 3] ^= 0x01;  // filed -> fhled: valid JSON, a wrong state
      return brands->put(txn, id, damaged);
    });
    REQUIRE(s.ok());
  }
  {
    ServerProcess damaged(data);
    Client auditor(damaged.port(), w.as("auditor").token());
    auto verify = World::obj(auditor.get("/v1/admin/verify"));
    CHECK(verify.at("ok") == false);
    CHECK(verify.at("views_ok") == false);
    CHECK(!verify.contains("first_bad_position"));  // the chain is whole
    CHECK(boost::json::serialize(verify.at("views_differing")).find("brands") != std::string::npos);
    CHECK(World::obj(http(damaged.port(), "GET", "/healthz")).at("status") == "ok");
    CHECK(damaged.stop() == 0);
  }
  Run verify = run("verify --data " + data.string());
  CHECK(verify.code == 3);
  CHECK(verify.out.find("brands differs from a rebuild") != std::string::npos);
  Run rebuilt = run("rebuild --data " + data.string());
  INFO(rebuilt.out);
  REQUIRE(rebuilt.code == 0);
  CHECK(run("verify --data " + data.string()).code == 0);
  ServerProcess repaired(data);
  CHECK(Client(repaired.port(), w.as("committee").token()).get("/v1/brands/" + id).body == doc);
}

TEST_CASE("a position gone from the middle of a position set: verify names the set and rebuild "
          "restores it") {
  World w;
  const std::string id = w.brand("b1");
  REQUIRE(w.server->stop() == 0);
  const auto data = w.dir / "data";
  {
    // Behind the engine's back: the brand stream's first position (not its last, which a
    // comparison keeping one value per key would still see).
    auto env = open_with_views(data);
    const storage::Table* sets = env->view_table(views::kAuditByStream);
    REQUIRE(sets != nullptr);
    const std::string stream = "brand-" + id;
    Status s = env->write([&](storage::WriteTxn& txn) -> Status {
      std::vector<std::uint64_t> positions;
      BL_RETURN_IF_ERROR(sets->scan_positions(txn, stream, 0, storage::Table::Direction::kAscending,
                                              [&](std::uint64_t p) {
                                                positions.push_back(p);
                                                return true;
                                              }));
      REQUIRE(positions.size() >= 2);
      MDB_dbi dbi = 0;
      REQUIRE(mdb_dbi_open(txn.handle(), "view.positions_by_stream", 0, &dbi) == MDB_SUCCESS);
      std::string first;
      storage::append_u64be(&first, positions.front());
      MDB_val k{stream.size(), const_cast<char*>(stream.data())}, v{first.size(), first.data()};
      REQUIRE(mdb_del(txn.handle(), dbi, &k, &v) == MDB_SUCCESS);
      return Status::Ok();
    });
    REQUIRE(s.ok());
  }
  Run verify = run("verify --data " + data.string());
  CHECK(verify.code == 3);
  CHECK(verify.out.find("positions_by_stream differs from a rebuild") != std::string::npos);
  REQUIRE(run("rebuild --data " + data.string()).code == 0);
  CHECK(run("verify --data " + data.string()).code == 0);
}

TEST_CASE("a bit flipped anywhere in an LMDB meta page is refused with a message or opens a "
          "state that verifies and never crashes") {
  World w;
  for (int b = 1; b <= 3; ++b) w.brand("b" + std::to_string(b));
  const auto events = w.events();
  REQUIRE(w.server->stop() == 0);
  // Both meta pages: the page header (16 bytes) and the meta record (136 bytes on 64-bit),
  // whose last fields are the last page in use and the transaction id. The older page is
  // the commit before the last: a flip can make LMDB take it.
  constexpr std::size_t kPage = 4096, kMetaBytes = 16 + 136;
  std::string clean = read_bytes(w.dir / "data" / "data.mdb");
  auto field = [&](std::size_t page, std::size_t offset) {
    std::uint64_t v = 0;
    std::memcpy(&v, clean.data() + page * kPage + 16 + offset, sizeof v);
    return v;
  };
  const std::size_t newest = field(1, 128) > field(0, 128) ? 1 : 0;
  // Without the zeros the server keeps written ahead (LMDB never reads past its last page),
  // so that each state is cheap to write.
  clean.resize((field(newest, 120) + 1) * kPage);
  TempDir scratch;
  std::size_t refused = 0, opened = 0, behind = 0;
  const auto dir = scratch / "damaged";
  // Every byte (every BRANDLEDGER_DAMAGE_STRIDE-th under sanitizers, where each process
  // takes seconds).
  for (std::size_t page = 0; page < 2; ++page)
    for (std::size_t at = page * kPage; at < page * kPage + kMetaBytes;
         at += BRANDLEDGER_DAMAGE_STRIDE)
      for (unsigned char bit : {0x01, 0x80}) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        std::string bytes = clean;
        bytes[at] = static_cast<char>(bytes[at] ^ bit);
        write_bytes(dir / "data.mdb", bytes);
        Run verify = run("verify --data " + dir.string());
        INFO("meta page " << page << ", byte " << at - page * kPage << ", bit " << int(bit) << ": "
                          << verify.out);
        REQUIRE(verify.code >= 0);  // no crash: an exit with a status (the shell gives
        REQUIRE(verify.code < 128);  // 128 + the signal for a process a signal killed)
        if (verify.code == 0) {
          const LogContents log = read_exported(dir);
          REQUIRE(log.problem == "");
          ++opened;
          if (log.events < events) ++behind;
        } else {
          REQUIRE(verify.code == 1);  // refused at open, with a message
          REQUIRE(verify.out.find("brandledger: ") != std::string::npos);
          ++refused;
        }
      }
  std::printf("damaged meta pages: %zu single-bit flips; %zu refused with a message, %zu opened "
              "a state that verifies (%zu of them with fewer events than the last commit), 0 crashes\n",
              refused + opened, refused, opened, behind);
}
