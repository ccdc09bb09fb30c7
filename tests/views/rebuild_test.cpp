// A generated decade of the programme — hundreds of branches, yearly selections with
// objections, re-reviews with every outcome, appeals, rectification, expiry, vetoes,
// dissolutions, settings — written through the engine's group commit; then every view is
// rebuilt from the log and must equal, byte for byte, what was kept inline.
#include <boost/json.hpp>

#include <map>
#include <set>

#include "tests/workflows/domain_fixture.h"
#include "views/projections.h"
#include "views/queries.h"
#include "workflows/json_fields.h"

using namespace brandledger;
using namespace brandledger::workflows;
using brandledger::testing::Harness;
using Pending = std::vector<std::future<engine::CommandOutcome>>;

namespace {

constexpr int kUnits = 10, kBranchesPerUnit = 40, kExpertsPerUnit = 5, kYears = 11;
constexpr int kNominationsPerUnit = 15;

// A stable pseudo-random number from a few integers.
std::uint64_t mix(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
  std::uint64_t x = a * 0x9E3779B97F4A7C15ULL ^
                    (b + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL ^ c * 0x165667B19E3779F9ULL;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  return x ^ (x >> 29);
}

class History {
 public:
  Harness h{false, views::make_full_domain()};
  std::vector<std::string> units, branches;
  std::map<std::string, std::string> unit_of;
  std::vector<engine::Actor> experts;
  std::set<std::string> dissolved;

  void orgs() {
    Pending p;
    p.push_back(h.submit(h.admin, "org.create", "org-wc",
                         {{"id", "wc"}, {"name", "宣城市直机关工委"}, {"kind", "committee"}}));
    const char* types[] = {"党委", "党总支", "党支部", "党支部", "党支部"};
    for (int u = 0; u < kUnits; ++u) {
      const std::string unit = "u" + std::to_string(u);
      units.push_back(unit);
      p.push_back(
          h.submit(h.admin, "org.create", org_stream(unit),
                   {{"id", unit}, {"name", "单位" + unit}, {"kind", "unit"}, {"parent", "wc"}}));
      for (int b = 0; b < kBranchesPerUnit; ++b) {
        const std::string branch = unit + "-b" + std::to_string(b);
        branches.push_back(branch);
        unit_of[branch] = unit;
        p.push_back(h.submit(h.admin, "org.create", org_stream(branch),
                             {{"id", branch},
                              {"name", branch + "党支部"},
                              {"kind", "branch"},
                              {"parent", unit},
                              {"org_type", types[b % 5]}}));
      }
      for (int e = 0; e < kExpertsPerUnit; ++e) {
        const std::string id = unit + "-e" + std::to_string(e);
        p.push_back(h.submit(h.admin, "user.create", user_stream(id),
                             {{"id", id},
                              {"name", id},
                              {"role", "expert"},
                              {"org", unit},
                              {"token_sha256", to_hex(sha256(id))},
                              {"token_id", "tk-" + id}}));
        experts.push_back(h.expert(id, unit));
      }
    }
    Harness::all_ok(p);
  }

  // Every branch builds and files a brand; some are returned once, some withdrawn and reopened.
  void first_year() {
    Pending p;
    for (std::size_t i = 0; i < branches.size(); ++i) {
      const std::string& b = branches[i];
      const auto s = brand_stream(b);
      p.push_back(
          h.submit(h.branch(b), "brand.create", s,
                   {{"name", "品牌·" + b},
                    {"slogan", "党建+业务"},
                    {"theme", "融合"},
                    {"connotation", "红色引领"},
                    {"features", "特色"},
                    {"effects", "成效"},
                    {"plan", {{"milestones", boost::json::array{"一年起步", "三年见效"}}}}}));
      if (i % 10 == 3) {
        p.push_back(h.submit(h.branch(b), "brand.withdraw", s));
        p.push_back(h.submit(h.branch(b), "brand.reopen", s));
      }
      p.push_back(h.submit(h.branch(b), "brand.submit", s));
      if (i % 10 == 5) {
        p.push_back(
            h.submit(h.unit(unit_of[b]), "brand.return", s, {{"reason", "请补充成效材料"}}));
        p.push_back(h.submit(h.branch(b), "brand.edit", s, {{"effects", "补充后的成效"}}));
        p.push_back(h.submit(h.branch(b), "brand.submit", s));
      }
      p.push_back(h.submit(h.unit(unit_of[b]), "brand.approve", s));
      if (i % 10 == 7) {
        p.push_back(h.submit(h.committee, "brand.return", s, {{"reason", "特色不鲜明"}}));
        p.push_back(h.submit(h.branch(b), "brand.submit", s));
        p.push_back(h.submit(h.unit(unit_of[b]), "brand.approve", s));
      }
      p.push_back(h.submit(h.committee, "brand.file", s));
    }
    Harness::all_ok(p);
  }

  // The brand document from the views: far cheaper than replaying the stream.
  boost::json::object doc(const std::string& b) {
    auto txn = h.engine().begin_read();
    auto d = views::get_brand(engine::ViewReader(h.engine().environment(), *txn), b);
    REQUIRE(d.ok());
    REQUIRE(d->has_value());
    return **d;
  }

  std::vector<std::string> in_state(BrandStatus status) {
    std::vector<std::string> out;
    for (const auto& b : branches)
      if (!dissolved.count(b) && str(doc(b), "state") == status_code(status)) out.push_back(b);
    return out;
  }

  // A round over `brands`: scores around each brand's base for the year.
  void score_round(const std::string& round, const std::vector<std::string>& brands, int year,
                   int spread_low, int spread_high) {
    Pending p;
    boost::json::array ids;
    for (const auto& e : experts) ids.push_back(boost::json::string(e.id));
    p.push_back(h.submit(h.committee, "round.assign", round_stream(round), {{"experts", ids}}));
    p.push_back(h.submit(h.committee, "round.start", round_stream(round)));
    for (const auto& b : brands) {
      const double base = spread_low + static_cast<double>(mix(std::hash<std::string>{}(b), year) %
                                                           (spread_high - spread_low));
      for (std::size_t e = 0; e < experts.size(); ++e) {
        if (experts[e].org == unit_of[b]) continue;  // 回避
        const double total =
            std::min(100.0, std::max(0.0, base + static_cast<double>(mix(e, year) % 5) - 2));
        p.push_back(h.submit(experts[e], "round.score", round_stream(round),
                             {{"brand", b}, {"scores", Harness::points(total)}}));
        if (mix(e, year, b.size()) % 23 == 0)  // a re-score replaces the first
          p.push_back(h.submit(experts[e], "round.score", round_stream(round),
                               {{"brand", b}, {"scores", Harness::points(total)}}));
      }
    }
    p.push_back(h.submit(h.committee, "round.close", round_stream(round)));
    p.push_back(h.submit(h.committee, "round.notice", round_stream(round)));
    Harness::all_ok(p);
  }

  void selection(int year) {
    const std::string round = "sel-" + std::to_string(year);
    h.ok(h.committee, "round.open", round_stream(round),
         {{"name", std::to_string(year) + "年度评选"}, {"year", year}});
    std::map<std::string, int> per_unit;
    std::vector<std::string> nominees;
    Pending p;
    for (const auto& b : in_state(BrandStatus::kFiled)) {
      auto reapply_after = time_field(doc(b), "reapply_after");
      if (reapply_after && h.engine().now() < *reapply_after) continue;
      if (per_unit[unit_of[b]]++ >= kNominationsPerUnit) continue;
      nominees.push_back(b);
      p.push_back(
          h.submit(h.unit(unit_of[b]), "round.nominate", round_stream(round), {{"brand", b}}));
    }
    Harness::all_ok(p);
    score_round(round, nominees, year, 70, 98);
    // Objections on some proposed brands: every other one upheld.
    int n = 0;
    std::vector<std::string> objected;
    for (const auto& b : nominees)
      if (str(doc(b), "state") == "public_notice" &&
          mix(std::hash<std::string>{}(b), year, 7) % 12 == 0) {
        h.ok(h.unit(units[(n++) % units.size()]), "brand.objection", brand_stream(b),
             {{"reason", "群众反映材料不实"}});
        objected.push_back(b);
      }
    h.advance_days(5);
    for (std::size_t i = 0; i < objected.size(); ++i)
      p.push_back(
          h.submit(h.committee, "brand.objection_decision", brand_stream(objected[i]),
                   {{"objection",
                     "obj-" + std::to_string(doc(objected[i]).at("objections").as_array().size())},
                    {"upheld", i % 2 == 0}}));
    Harness::all_ok(p);
    h.ok(h.committee, "round.finalize", round_stream(round));
  }

  void re_review(int year) {
    const std::string round = "rr-" + std::to_string(year);
    const Timestamp horizon = add_days(h.engine().now(), 60);
    std::vector<std::string> due;
    for (const auto& b : in_state(BrandStatus::kNamed)) {
      auto valid_until = time_field(doc(b), "valid_until");
      if (!valid_until || *valid_until > horizon) continue;
      if (mix(std::hash<std::string>{}(b), year, 11) % 10 == 0) continue;  // left to expire
      due.push_back(b);
    }
    if (due.empty()) return;
    h.ok(h.committee, "round.open", round_stream(round),
         {{"name", std::to_string(year) + "年度复评"}, {"year", year}, {"kind", "re_review"}});
    Pending p;
    for (const auto& b : due)
      p.push_back(h.submit(h.committee, "round.nominate", round_stream(round), {{"brand", b}}));
    Harness::all_ok(p);
    score_round(round, due, year, 45, 98);
    h.advance_days(5);
    h.ok(h.committee, "round.finalize", round_stream(round));
    // Appeals within ten days of a demotion or revocation; rectification decisions.
    h.advance_days(3);
    int i = 0;
    for (const Placement& placed : h.round(round).results) {
      const std::string& b = placed.brand;
      const bool adverse =
          placed.outcome == Outcome::kDemoted || placed.outcome == Outcome::kRevoked;
      if (adverse && i++ % 2 == 0) {
        h.ok(h.branch(b), "brand.appeal", brand_stream(b), {{"reason", "申请复核"}});
        h.ok(h.committee, "brand.appeal_decision", brand_stream(b), {{"granted", i % 4 == 1}});
      }
    }
    int r = 0;
    for (const auto& b : in_state(BrandStatus::kRectifying))
      if (r++ % 3 != 2)
        h.ok(h.committee, "brand.rectification", brand_stream(b), {{"passed", r % 3 == 1}});
  }

  void autumn(int year) {
    Pending p;
    int n = 0;
    for (const auto& b : branches) {
      if (dissolved.count(b)) continue;
      const std::string status = str(doc(b), "state");
      if (status == "filed" || status == "named") {
        p.push_back(h.submit(h.branch(b), "brand.progress", brand_stream(b),
                             {{"year", year}, {"summary", "年度自评：稳步推进"}}));
        if (n++ % 3 == 0)
          p.push_back(h.submit(h.branch(b), "brand.edit", brand_stream(b),
                               {{"slogan", "口号" + std::to_string(year)}}));
      }
    }
    Harness::all_ok(p);
    auto named = in_state(BrandStatus::kNamed);
    if (!named.empty())
      h.ok(h.committee, "brand.revoke", brand_stream(named[year % named.size()]),
           {{"reason", "违反纪律"}, {"veto", true}});
    const std::string gone = branches[(year * 37) % branches.size()];
    if (!dissolved.count(gone)) {
      h.ok(h.admin, "org.dissolve", org_stream(gone), {{"reason", "机构改革"}});
      dissolved.insert(gone);
    }
    h.ok(
        h.committee, "settings.put", std::string(kSettingsStream),
        {{"assessment",
          {{"filed_points", 3},
           {"title_bonus", {{"top10", 2 + year % 2}, {"demonstration", 1}, {"excellent", 0.5}}}}}});
  }

  void at(int year, const char* month_day) {
    REQUIRE(
        h.engine()
            .advance_clock(*parse_rfc3339(std::to_string(year) + "-" + month_day + "T08:00:00Z"))
            .ok());
  }
};

// Every entry in scan order (a position set's key once per position).
std::map<std::string, std::vector<std::pair<std::string, std::string>>> snapshot(engine::Engine& e) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> tables;
  auto txn = e.begin_read();
  for (const auto& t : e.environment().view_tables())
    REQUIRE(t.scan(*txn, "", [&](std::string_view k, std::string_view v) {
               tables[t.name()].emplace_back(k, v);
               return true;
             }).ok());
  return tables;
}

}  // namespace

TEST_CASE(
    "rebuilt views equal the inline ones byte for byte after a generated decade of 100,000+ "
    "events") {
  History history;
  Harness& h = history.h;
  history.orgs();
  history.first_year();
  for (int y = 0; y < kYears; ++y) {
    const int year = 2032 + y;
    history.at(year, "02-01");
    history.re_review(year);
    history.at(year, "03-01");
    history.selection(year);
    history.at(year, "10-01");
    history.autumn(year);
  }
  history.at(2032 + kYears, "06-30");  // the last timers fire

  std::map<std::string, int> types;
  std::uint64_t events = 0;
  {
    auto txn = h.engine().begin_read();
    REQUIRE(h.engine()
                .log()
                .for_each(*txn, 0,
                          [&](const storage::EventView& e) {
                            ++types[std::string(e.type)];
                            ++events;
                            return true;
                          })
                .ok());
  }
  INFO("events: " << events);
  CHECK(events >= 100000);
  for (const char* type : {"OrgCreated",
                           "OrgDissolved",
                           "UserCreated",
                           "SettingsChanged",
                           "BrandCreated",
                           "BrandEdited",
                           "BrandSubmitted",
                           "BrandApproved",
                           "BrandReturned",
                           "BrandWithdrawn",
                           "BrandReopened",
                           "BrandFiled",
                           "ProgressReported",
                           "BrandNominated",
                           "ReviewStarted",
                           "BrandProposed",
                           "BrandNotSelected",
                           "BrandNoticePublished",
                           "ObjectionRaised",
                           "ObjectionUpheld",
                           "ObjectionDismissed",
                           "BrandNamed",
                           "ReReviewStarted",
                           "ReReviewConcluded",
                           "RectificationOrdered",
                           "RevokedByReview",
                           "RectificationPassed",
                           "RectificationFailed",
                           "RectificationDeadlineMissed",
                           "TitleRevoked",
                           "AppealFiled",
                           "AppealGranted",
                           "AppealRejected",
                           "TitleExpired",
                           "BrandCancelled",
                           "TimerFired",
                           "RoundOpened",
                           "NominationAdded",
                           "ExpertsAssigned",
                           "ScoringStarted",
                           "ScoreRecorded",
                           "RoundClosed",
                           "RoundNoticePublished",
                           "RoundFinalized"}) {
    INFO(type);
    CHECK(types[type] > 0);
  }

  // The reports as of an instant (unit_figures, brand_status_log) say what a replay of
  // every brand to that instant says, at every year's end and midsummer.
  for (int year = 2031; year <= 2032 + kYears; ++year)
    for (const char* day : {"-06-30T12:00:00Z", "-12-31T23:59:59.999999Z"}) {
      const Timestamp t = *parse_rfc3339(std::to_string(year) + day);
      INFO(format_rfc3339(t));
      auto txn = h.engine().begin_read();
      const engine::ViewReader views(h.engine().environment(), *txn);
      std::map<std::string, std::map<std::string, std::int64_t>> states;  // unit -> state -> n
      std::map<std::string, std::int64_t> filed;                          // unit -> n
      std::map<std::string, std::string> rows;  // brand -> "state title" for filed brands
      REQUIRE(views.scan(views::kBrands, "", [&](std::string_view id, std::string_view) {
                auto s = h.engine().replay_as_of(*txn, brand_stream(id), t);
                REQUIRE(s.ok());
                const auto* b = s->as<BrandState>();
                if (b == nullptr || !b->exists()) return true;
                const std::string state(status_code(b->status()));
                ++states[b->unit][state];
                if (!b->filing_no.empty() && state != "withdrawn" && state != "cancelled") {
                  ++filed[b->unit];
                  rows[std::string(id)] =
                      state + " " + (b->title ? std::string(title_code(*b->title)) : "");
                }
                return true;
              }).ok());
      auto pipeline = views::pipeline_as_of(views, t);
      REQUIRE(pipeline.ok());
      std::map<std::string, std::map<std::string, std::int64_t>> said;
      for (const auto& u : pipeline->at("units").as_array())
        for (const auto& [state, n] : u.at("by_state").as_object())
          said[std::string(u.at("unit").as_string())][std::string(state)] = n.to_number<std::int64_t>();
      CHECK(said == states);
      auto coverage = views::coverage(views, t);
      REQUIRE(coverage.ok());
      std::map<std::string, std::int64_t> covered;
      for (const auto& u : coverage->at("units").as_array())
        if (auto n = u.at("filed").to_number<std::int64_t>(); n != 0)
          covered[std::string(u.at("unit").as_string())] = n;
      CHECK(covered == filed);
      if (day[1] != '1') continue;  // the assessment is as of the year's end
      auto assessed = views::assessment(h.engine(), *txn, year);
      REQUIRE(assessed.ok());
      std::map<std::string, std::string> said_rows;
      for (const auto& r : assessed->at("branches").as_array())
        said_rows[std::string(r.at("brand").as_string())] =
            std::string(r.at("state").as_string()) + " " +
            (r.at("title").is_null() ? "" : std::string(r.at("title").as_string()));
      CHECK(said_rows == rows);
      // Paged, the rows are the same, in the same order.
      boost::json::array paged;
      views::AssessmentFilter page{.limit = 7};
      for (;;) {
        auto p = views::assessment(h.engine(), *txn, year, page);
        REQUIRE(p.ok());
        for (auto& r : p->at("branches").as_array()) paged.push_back(r);
        if (p->at("next").is_null()) break;
        page.after = std::string(p->at("next").as_string());
      }
      CHECK(paged == assessed->at("branches").as_array());
    }

  const auto inline_views = snapshot(h.engine());
  CHECK(inline_views.at("view.brands").size() == kUnits * kBranchesPerUnit);
  h.engine().stop();
  REQUIRE(h.engine().rebuild().ok());
  const auto rebuilt = snapshot(h.engine());
  REQUIRE(rebuilt.size() == inline_views.size());
  for (const auto& [table, rows] : inline_views) {
    INFO(table);
    CHECK(rebuilt.at(table) == rows);
  }
}
