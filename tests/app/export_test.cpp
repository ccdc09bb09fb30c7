// `brandledger export` against tools/verify_export.py, the auditor's verifier written from
// docs/FORMAT.md alone: the demo's years of history, plus what it leaves out, so that the
// export holds Chinese text, decimals, escaped characters and every event type the
// catalogue (docs/EVENTS.md) lists. It must verify; tampered, it must name the position.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/demo.h"
#include "support/command_line.h"
#include "tests/workflows/domain_fixture.h"
#include "views/projections.h"
#include "workflows/credentials.h"
#include "workflows/model.h"

using namespace brandledger;
using testing::Harness;
using testing::run;
using testing::run_shell;
using workflows::brand_stream;
using workflows::BrandStatus;
using workflows::round_stream;

namespace {

const std::string kVerifier = std::string(BRANDLEDGER_SOURCE_DIR) + "/tools/verify_export.py";

// A reason with every kind of character the JSON escaping treats apart (docs/FORMAT.md 4.3).
const std::string kOddReason =
    "材料与实际不符：\"虚报\"成效\n见附件\\第2条\t（复核）/\x01\x1f\x7f é";

// Issues a command with a comment, as the API does for decisions; REQUIREs it accepted.
void decide(Harness& h, const engine::Actor& who, std::string type, std::string stream,
            boost::json::object args, std::string comment) {
  engine::Command c;
  c.type = std::move(type);
  c.stream = std::move(stream);
  c.actor = who;
  c.args = std::move(args);
  c.comment = std::move(comment);
  const std::string what = c.type + " on " + c.stream;
  auto o = h.engine().execute(std::move(c));
  INFO(what << ": "
            << (o.rejection ? o.rejection->code + " " + o.rejection->detail : o.error.to_string()));
  REQUIRE(o.accepted());
}

// The demo, then the event types it does not make: an edit, a reopening, a revocation,
// appeals granted and rejected, a second re-review whose rectifications pass and fail,
// and years on, the timers that expire titles and miss a rectification deadline.
std::filesystem::path make_data(testing::TempDir& dir) {
  Harness h(false, views::make_full_domain());
  auto loaded = app::load_demo(h.engine(), "");
  INFO((loaded.ok() ? std::string() : loaded.status().to_string()));
  REQUIRE(loaded.ok());

  decide(h, h.branch("watergrp"), "brand.edit", brand_stream("watergrp"),
         {{"slogan", "水润万家·党建领航 2.0"}}, "");
  decide(h, h.branch("procur"), "brand.reopen", brand_stream("procur"), {},
         "支部调整完成，重新创建");
  // The demo's first brand appealed its demotion; the committee grants it.
  decide(h, h.committee, "brand.appeal_decision", brand_stream("gov1"), {{"granted", true}},
         "复核后维持原称号");
  decide(h, h.committee, "brand.revoke", brand_stream("xcrb"), {{"reason", kOddReason}},
         kOddReason);

  // A re-review of later titles: two rectifications and a revocation.
  std::vector<std::string> named;
  for (const char* id : {"wuhu1", "gov2", "dev", "finance", "audit", "stats", "culture", "radio"})
    if (h.brand(id).status() == BrandStatus::kNamed) named.push_back(id);
  REQUIRE(named.size() >= 3);
  const std::vector<double> totals = {66, 65.5, 50};
  h.ok(h.committee, "round.open", round_stream("rr-audit"),
       {{"name", "党建品牌复评（补充）"},
        {"year", utc_year(h.engine().now())},
        {"kind", "re_review"}});
  for (std::size_t i = 0; i < totals.size(); ++i)
    h.ok(h.committee, "round.nominate", round_stream("rr-audit"), {{"brand", named[i]}});
  std::vector<engine::Actor> experts;
  boost::json::array expert_ids;
  const char* homes[] = {"gov", "media", "mass", "law", "soe", "data"};
  for (int i = 0; i < 6; ++i) {
    experts.push_back(h.expert("expert" + std::to_string(i + 1), homes[i]));
    expert_ids.push_back(boost::json::string(experts.back().id));
  }
  h.ok(h.committee, "round.assign", round_stream("rr-audit"), {{"experts", expert_ids}});
  h.ok(h.committee, "round.start", round_stream("rr-audit"));
  for (std::size_t i = 0; i < totals.size(); ++i)
    h.score_all("rr-audit", named[i], totals[i], experts);
  decide(h, h.committee, "round.close", round_stream("rr-audit"), {}, "评分完成");
  decide(h, h.committee, "round.notice", round_stream("rr-audit"), {}, "公示五天");
  h.advance_days(5);
  decide(h, h.committee, "round.finalize", round_stream("rr-audit"), {}, "公示无异议");
  REQUIRE(h.brand(named[0]).status() == BrandStatus::kRectifying);
  REQUIRE(h.brand(named[1]).status() == BrandStatus::kRectifying);
  decide(h, h.branch(named[2]), "brand.appeal", brand_stream(named[2]),
         {{"reason", "已按要求完成整改"}}, "");
  decide(h, h.committee, "brand.appeal_decision", brand_stream(named[2]), {{"granted", false}},
         "申诉理由不成立");
  h.advance_days(30);
  decide(h, h.committee, "brand.rectification", brand_stream(named[0]), {{"passed", true}},
         "整改到位");
  decide(h, h.committee, "brand.rectification", brand_stream(named[1]), {{"passed", false}},
         "整改不到位");
  // Accounts: a name changed, a token issued and revoked, a login and a logout, a user
  // disabled and enabled again (the demo set every password).
  const engine::Actor admin{"admin", "系统管理员", "admin", ""};
  const engine::Actor zhang{"zhang", "张主任", "committee", "wc"};
  decide(h, admin, "user.update", workflows::user_stream("li-audit"), {{"name", "李纪检（兼）"}}, "");
  decide(h, zhang, "token.issue", workflows::user_stream("zhang"),
         {{"name", "统计脚本"}, {"token_sha256", std::string(64, 'a')}, {"token_id", "tk-0000beef"}},
         "");
  decide(h, admin, "token.revoke", workflows::user_stream("zhang"), {{"token", "tk-0000beef"}}, "脚本停用");
  std::string stamp;
  {
    auto txn = h.engine().begin_read();
    REQUIRE(txn.ok());
    auto stored = workflows::stored_password(h.engine(), *txn, "zhang");
    REQUIRE((stored.ok() && *stored));
    stamp = workflows::password_stamp((*stored)->text);
  }
  decide(h, zhang, "session.start", workflows::user_stream("zhang"),
         {{"session_sha256", std::string(64, 'b')},
          {"session_id", "ss-0000cafe"},
          {"csrf", "c"},
          {"address", "127.0.0.1"},
          {"user_agent", "curl/7.88"},
          {"password_stamp", stamp}},
         "");
  decide(h, zhang, "session.end", workflows::user_stream("zhang"), {{"session", "ss-0000cafe"}}, "");
  decide(h, admin, "user.update", workflows::user_stream("expert6"), {{"disabled", true}}, "借调期满");
  decide(h, admin, "user.update", workflows::user_stream("expert6"), {{"disabled", false}}, "重新聘任");

  // Years on: every title left expires and the demo's rectification misses its deadline,
  // each by a timer.
  REQUIRE(h.engine().advance_clock(add_years(h.engine().now(), 6)).ok());

  auto copy = dir / "data";
  REQUIRE(h.engine().environment().backup(copy).ok());
  return copy;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

testing::Run verify(const std::filesystem::path& file) {
  return run_shell(std::string(PYTHON3) + " " + kVerifier + " " + file.string());
}

// Every event type docs/EVENTS.md lists: the backquoted names in its tables' first column.
std::set<std::string> catalogued_types() {
  std::ifstream doc(std::string(BRANDLEDGER_SOURCE_DIR) + "/docs/EVENTS.md");
  REQUIRE(doc);
  std::set<std::string> types;
  const std::regex name("`([A-Z][A-Za-z]+)`");
  for (std::string line; std::getline(doc, line);) {
    if (!line.starts_with("| `")) continue;
    const std::string first_cell = line.substr(1, line.find('|', 1) - 1);
    for (std::sregex_iterator it(first_cell.begin(), first_cell.end(), name), end; it != end; ++it)
      types.insert((*it)[1]);
  }
  return types;
}

// The data dir and its export, made once for the test cases below.
struct Exported {
  testing::TempDir dir;
  std::filesystem::path file = dir / "events.ndjson";
  std::vector<std::string> lines;

  Exported() {
    const auto data = make_data(dir);
    auto exported = run_shell(std::string(BRANDLEDGER_BINARY) + " export --data " + data.string() +
                              " > " + file.string());
    REQUIRE(exported.code == 0);
    lines = lines_of(read_file(file));
    REQUIRE(lines.size() > 700);
  }
};

Exported& exported() {
  static Exported e;
  return e;
}

// The first one-decimal score in the export, e.g. "identity":9.2 (its number's text).
std::string decimal_score(const std::vector<std::string>& lines) {
  const std::regex score(R"("identity":([0-9]+\.[0-9])[,}])");
  std::smatch m;
  for (const auto& line : lines)
    if (std::regex_search(line, m, score)) return "\"identity\":" + m[1].str();
  FAIL("no decimal score in the export");
  return "";
}

// The position of the first line holding `needle` (the line number, as positions are).
std::size_t first_line_with(const std::vector<std::string>& lines, const std::string& needle) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string::npos) return i + 1;
  FAIL("no line holds " << needle);
  return 0;
}

}  // namespace

TEST_CASE("the verifier accepts a real export: Chinese text, decimals, every event type") {
  const Exported& e = exported();
  std::set<std::string> seen;
  for (const std::string& line : e.lines) {
    const auto event = boost::json::parse(line).as_object();
    seen.insert(std::string(event.at("type").as_string()));
    for (const char* member : {"stream_prev", "schema_version", "record_format"})
      REQUIRE(event.contains(member));
  }
  const std::set<std::string> catalogue = catalogued_types();
  CHECK(catalogue.size() >= 40);  // the tables were read
  CHECK(seen == catalogue);

  const std::string text = read_file(e.file);
  CHECK_THAT(text, Catch::Contains("萱姐姐"));
  // Scores are exact decimals, stored in plain notation (9.2, never 9.200000000000001E0).
  CHECK(std::regex_search(text, std::regex(R"("identity":[0-9]+\.[0-9][,}])")));
  CHECK_FALSE(std::regex_search(text, std::regex(R"(":-?[0-9]+(\.[0-9]+)?[eE])")));
  CHECK_THAT(text,
             Catch::Contains("\\\"虚报\\\"成效\\n见附件\\\\第2条\\t（复核）/\\u0001\\u001f\x7f é"));

  auto verified = verify(e.file);
  INFO(verified.out);
  CHECK(verified.code == 0);
  CHECK_THAT(verified.out, Catch::Contains("ok: " + std::to_string(e.lines.size()) + " events"));
  // The head it names is the log's own.
  auto stats = run("stats --data " + (e.dir / "data").string());
  const auto head = boost::json::parse(e.lines.back()).as_object();
  CHECK_THAT(stats.out, Catch::Contains(std::string(head.at("hash").as_string())));
  CHECK_THAT(verified.out, Catch::Contains(std::string(head.at("hash").as_string())));

  auto from_stdin = run_shell(std::string(PYTHON3) + " " + kVerifier + " - < " + e.file.string());
  CHECK(from_stdin.code == 0);
}

TEST_CASE("the verifier names the first bad position of a tampered export") {
  const Exported& e = exported();
  std::vector<std::string> lines = e.lines;
  const auto tampered = e.dir / "tampered.ndjson";
  std::size_t position = 0;

  const std::string score = decimal_score(lines);  // e.g. "identity":9.2
  SECTION("one digit of a score in data") {
    position = first_line_with(lines, score);
    auto& line = lines[position - 1];
    char& digit = line[line.find(score) + score.size() - 1];
    digit = digit == '9' ? '8' : static_cast<char>(digit + 1);
  }
  SECTION("one byte of a Chinese comment") {
    position = first_line_with(lines, "\"comment\":\"整改不到位\"");
    auto& line = lines[position - 1];
    line[line.find("整改不到位") + 2] ^= 0x01;
  }
  SECTION("the same score written in another notation") {
    position = first_line_with(lines, score);
    auto& line = lines[position - 1];
    line.insert(line.find(score) + score.size(), "0");  // 9.2 -> 9.20: the same number
  }
  SECTION("an event left out") {
    position = lines.size() / 2;
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(position - 1));
  }
  write_file(tampered, joined(lines));
  auto verified = verify(tampered);
  INFO(verified.out);
  CHECK(verified.code == 1);
  CHECK_THAT(verified.out, Catch::Contains("FAILED at position " + std::to_string(position) + ":"));
}

TEST_CASE("the verifier rejects every mutated export at a position or accepts it unchanged in "
          "meaning and never fails otherwise") {
  const Exported& e = exported();
  // The first 60 events (every mutation is checked against the whole file, so a small one
  // makes thousands of them quick); they hold orgs, users, brands and their decisions.
  std::vector<std::string> head(e.lines.begin(),
                                e.lines.begin() + std::min<std::ptrdiff_t>(60, e.lines.size()));
  const auto file = e.dir / "head.ndjson";
  write_file(file, joined(head));
  const unsigned seed = std::random_device{}();
  auto fuzzed = run_shell(std::string(PYTHON3) + " " + BRANDLEDGER_SOURCE_DIR +
                          "/tests/app/verifier_fuzz.py " + kVerifier + " " + file.string() + " " +
                          std::to_string(seed) + " 3000");
  std::printf("%s", fuzzed.out.c_str());
  INFO(fuzzed.out);
  CHECK(fuzzed.code == 0);
  CHECK_THAT(fuzzed.out, Catch::Contains("3000 mutations"));
}
