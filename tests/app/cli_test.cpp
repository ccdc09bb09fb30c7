// The brandledger command line on a real data dir: stats, verify (chain and views),
// export, backup, rebuild, lifecycle.
#include <catch2/catch.hpp>

#include <string>

#include "storage/codec.h"
#include "support/command_line.h"
#include "tests/workflows/domain_fixture.h"
#include "views/projections.h"

using namespace brandledger;
using testing::run;

namespace {

// A data dir with a few brands in it, written by an engine that is then closed.
std::filesystem::path make_data(testing::TempDir& dir) {
  testing::Harness h(true, views::make_full_domain());
  h.filed_brand("b1", "x");
  h.create_brand("b3", "y", "萱姐姐");
  // The harness keeps its own temp dir: copy it out while it is consistent.
  auto copy = dir / "data";
  REQUIRE(h.engine().environment().backup(copy).ok());
  return copy;
}

}  // namespace

TEST_CASE("stats, verify, export, backup and rebuild work on a data dir") {
  testing::TempDir dir;
  const auto data = make_data(dir);
  auto stats = run("stats --data " + data.string());
  CHECK(stats.code == 0);
  CHECK_THAT(stats.out,
             Catch::Contains("format version:  " + std::to_string(storage::kSchemaVersion)));
  CHECK_THAT(stats.out, Catch::Contains("view.brands"));

  auto verify = run("verify --data " + data.string());
  INFO(verify.out);
  CHECK(verify.code == 0);
  CHECK_THAT(verify.out, Catch::Contains("chain ok"));
  CHECK_THAT(verify.out, Catch::Contains("views ok"));

  auto exported = run("export --data " + data.string());
  CHECK(exported.code == 0);
  std::size_t lines = 0, at = 0;
  while ((at = exported.out.find('\n', at)) != std::string::npos) ++lines, ++at;
  CHECK(lines >= 12);
  CHECK_THAT(exported.out, Catch::Contains("\"type\":\"BrandFiled\""));
  CHECK_THAT(exported.out, Catch::Contains("萱姐姐"));

  auto backup = run("backup --data " + data.string() + " --out " + (dir / "copy").string());
  CHECK(backup.code == 0);
  CHECK(run("verify --data " + (dir / "copy").string()).code == 0);
  CHECK(run("backup --data " + data.string() + " --out " + (dir / "copy").string()).code != 0);

  auto rebuilt = run("rebuild --data " + data.string());
  CHECK(rebuilt.code == 0);
  CHECK(run("verify --data " + data.string()).code == 0);
  CHECK(run("stats --data " + (dir / "nothing").string()).code != 0);
  CHECK(run("frobnicate").code == 64);
}

TEST_CASE("verify names the position of an event altered behind the log's back") {
  testing::TempDir dir;
  const auto data = make_data(dir);
  // Flip one byte of event 5's record, writing the table directly.
  auto env = storage::Environment::open(data, {});
  REQUIRE(env.ok());
  REQUIRE((*env)
              ->write([&](storage::WriteTxn& txn) -> Status {
                const auto& events = (*env)->log_tables().events;
                BL_ASSIGN_OR_RETURN(auto value, events.get(txn, storage::position_key(5)));
                std::string bytes(*value);
                bytes[bytes.size() - 40] ^= 1;
                return events.put(txn, storage::position_key(5), bytes);
              })
              .ok());
  env->reset();
  auto verify = run("verify --data " + data.string());
  CHECK(verify.code == 2);
  CHECK_THAT(verify.out, Catch::Contains("breaks at position 5"));
}

TEST_CASE("the lifecycle diagrams come from the state machine") {
  auto mermaid = run("lifecycle");
  CHECK(mermaid.code == 0);
  CHECK_THAT(mermaid.out, Catch::Contains("stateDiagram-v2"));
  auto dot = run("lifecycle --format dot");
  CHECK_THAT(dot.out, Catch::Contains("digraph brand_lifecycle"));
  CHECK(run("lifecycle --format svg").code == 64);
}

TEST_CASE("verify and rebuild never append even with timers due") {
  testing::TempDir dir;
  {
    // A title valid until 2020: its expiry timer (90 days later) is long due by the system
    // clock that the command line runs on.
    testing::Harness h(true, views::make_full_domain());
    auto e = [](std::string type, boost::json::object data = {}) {
      return boost::json::object{{"stream", "brand-old"}, {"type", std::move(type)}, {"data", data}};
    };
    h.ok(h.admin, "test.seed", "brand-old",
         {{"events",
           {e("BrandCreated", {{"id", "old"},
                               {"name", "忠诚奉献尽责 铸就‘四最’机关"},
                               {"branch", "b1"},
                               {"branch_name", "b1"},
                               {"unit", "u1"},
                               {"org_type", "党支部"},
                               {"theme", "t"},
                               {"connotation", "c"},
                               {"features", "f"},
                               {"effects", "e"}}),
            e("BrandSubmitted"), e("BrandApproved"),
            e("BrandFiled", {{"filing_no", "备-2016-0001"}, {"year", 2016}}),
            e("BrandNominated", {{"round", "r"}}), e("ReviewStarted", {{"round", "r"}}),
            e("BrandProposed", {{"round", "r"}, {"title", "top10"}}),
            e("BrandNoticePublished", {{"round", "r"}}),
            e("BrandNamed", {{"title", "top10"}, {"valid_until", "2020-01-01T00:00:00Z"}})}}});
    REQUIRE(h.engine().environment().backup(dir / "data").ok());
  }
  const auto data = dir / "data";
  auto head = [&] {  // the stats line naming the log's head: position and hash
    const std::string out = run("stats --data " + data.string()).out;
    const auto at = out.find("head:");
    REQUIRE(at != std::string::npos);
    return out.substr(at, out.find('\n', at) - at);
  };
  const std::string before = head();
  auto verified = run("verify --data " + data.string());
  INFO(verified.out);
  CHECK(verified.code == 0);  // the scratch copy fired nothing, so its views match
  CHECK(head() == before);
  auto rebuilt = run("rebuild --data " + data.string());
  CHECK(rebuilt.code == 0);
  CHECK(head() == before);  // not one event appended to the live log
  CHECK_THAT(run("export --data " + data.string()).out, !Catch::Contains("TitleExpired"));
}
