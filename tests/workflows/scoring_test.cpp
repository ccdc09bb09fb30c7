#include <catch2/catch.hpp>

#include "workflows/scoring.h"

using namespace brandledger;
using namespace brandledger::workflows;

namespace {

// 88.5_d is the decimal 88.5, read from the literal's text (never through a double).
Decimal operator""_d(const char* text) {
  auto d = Decimal::parse(text);
  REQUIRE(d);
  return *d;
}

Candidate cand(std::string id, std::optional<Decimal> final, int filed_day = 1,
               std::optional<Title> current = std::nullopt) {
  return {std::move(id), final, add_days(*parse_rfc3339("2025-01-01"), filed_day), current};
}

const Placement& find(const std::vector<Placement>& ps, std::string_view id) {
  for (const auto& p : ps)
    if (p.brand == id) return p;
  FAIL("no placement for " << id);
  return ps.front();
}

}  // namespace

TEST_CASE("drop extremes: with five or more totals one highest and one lowest are dropped") {
  CHECK(final_score({90_d, 80_d, 70_d, 60_d, 100_d}, true) == 80.0_d);
  CHECK(final_score({95_d, 95_d, 95_d, 95_d, 10_d}, true) == 95.0_d);
  // Fewer than five: every total counts.
  CHECK(final_score({95_d, 95_d, 95_d, 10_d}, true) == 73.75_d);
  // Without drop_extremes every total counts.
  CHECK(final_score({90_d, 80_d, 70_d, 60_d, 100_d}, false) == 80.0_d);
  CHECK(final_score({95_d, 95_d, 95_d, 95_d, 10_d}, false) == 78.0_d);
  CHECK_FALSE(final_score({}, true));
  // Which ones, in the order given: the committee's view of the arithmetic.
  CHECK(dropped_totals({90_d, 80_d, 70_d, 60_d, 100_d}, true) ==
        std::vector<bool>{false, false, false, true, true});
  CHECK(dropped_totals({95_d, 95_d, 95_d, 95_d, 95_d}, true) ==
        std::vector<bool>{true, false, false, false, true});  // two, even when all are equal
  CHECK(final_score({95_d, 95_d, 95_d, 95_d, 95_d}, true) == 95.0_d);
  CHECK(dropped_totals({95_d, 95_d, 95_d, 10_d}, true) == std::vector<bool>(4, false));
  CHECK(dropped_totals({90_d, 80_d, 70_d, 60_d, 100_d}, false) == std::vector<bool>(5, false));
}

TEST_CASE("the final score is the mean rounded to two decimals") {
  CHECK(final_score({88_d, 89_d, 89_d}, false) == 88.67_d);
  CHECK(final_score({88.5_d, 89_d, 89_d}, false) == 88.83_d);
  CHECK(final_score({89.99_d, 90_d}, false) == 90_d);  // 89.995 rounds up, exactly
  CHECK(final_score({85_d, 85_d, 86_d}, false) == 85.33_d);
  // Sums of one-decimal points carry no binary noise: 9.2 + 80 is 89.2.
  CHECK(final_score({89.2_d}, false)->to_string() == "89.2");
  CHECK((9.2_d + 80_d) == 89.2_d);
}

TEST_CASE(
    "thresholds: the highest title reached, top10 at 90, demonstration at 85, excellent at 80") {
  auto ps = place_selection(
      {cand("a", 90_d), cand("b", 89.99_d), cand("c", 85_d), cand("d", 80_d), cand("e", 79.99_d)},
      Thresholds{}, Quotas{});
  CHECK(find(ps, "a").title == Title::kTop10);
  CHECK(find(ps, "b").title == Title::kDemonstration);
  CHECK(find(ps, "c").title == Title::kDemonstration);
  CHECK(find(ps, "d").title == Title::kExcellent);
  CHECK(find(ps, "e").outcome == Outcome::kNotSelected);
  CHECK_FALSE(find(ps, "e").title);
}

TEST_CASE("quotas: a brand past a full quota gets the next title with room") {
  Quotas q;
  q.top10 = 1;
  q.demonstration = 1;
  q.excellent = std::nullopt;
  auto ps = place_selection({cand("a", 95_d), cand("b", 94_d), cand("c", 93_d), cand("d", 70_d)},
                            Thresholds{}, q);
  CHECK(find(ps, "a").title == Title::kTop10);
  CHECK(find(ps, "b").title == Title::kDemonstration);
  CHECK(find(ps, "c").title == Title::kExcellent);
  CHECK(find(ps, "d").outcome == Outcome::kNotSelected);
  q.excellent = 0;
  CHECK(
      place_selection({cand("a", 95_d), cand("b", 94_d), cand("c", 93_d)}, Thresholds{}, q)[2].outcome ==
      Outcome::kNotSelected);
}

TEST_CASE("tie-break: equal finals rank the earlier filing first") {
  Quotas q;
  q.top10 = 1;
  auto ps = place_selection({cand("late", 92_d, 30), cand("early", 92_d, 2)}, Thresholds{}, q);
  CHECK(ps[0].brand == "early");
  CHECK(ps[0].rank == 1);
  CHECK(ps[0].title == Title::kTop10);
  CHECK(ps[1].title == Title::kDemonstration);
}

TEST_CASE("brands with too few scores rank last, not scored") {
  auto ps = place_selection({cand("none", std::nullopt), cand("low", 50_d)}, Thresholds{}, Quotas{});
  CHECK(ps[0].brand == "low");
  CHECK(ps[1].brand == "none");
  CHECK(ps[1].outcome == Outcome::kNotScored);
  CHECK(ps[0].outcome == Outcome::kNotSelected);
}

TEST_CASE("re-review: promoted, retained, demoted, rectifying, revoked (优进劣出)") {
  auto ps = place_re_review(
      {cand("up", 91_d, 1, Title::kDemonstration), cand("same", 86_d, 1, Title::kDemonstration),
       cand("down", 81_d, 1, Title::kDemonstration), cand("fix", 65_d, 1, Title::kExcellent),
       cand("out", 59.99_d, 1, Title::kTop10), cand("unjudged", std::nullopt, 1, Title::kExcellent)},
      Thresholds{}, Quotas{});
  CHECK(find(ps, "up").outcome == Outcome::kPromoted);
  CHECK(find(ps, "up").title == Title::kTop10);
  CHECK(find(ps, "same").outcome == Outcome::kRetained);
  CHECK(find(ps, "same").title == Title::kDemonstration);
  CHECK(find(ps, "down").outcome == Outcome::kDemoted);
  CHECK(find(ps, "down").title == Title::kExcellent);
  CHECK(find(ps, "fix").outcome == Outcome::kRectifying);
  CHECK(find(ps, "fix").title == Title::kExcellent);  // kept while rectifying
  CHECK(find(ps, "out").outcome == Outcome::kRevoked);
  CHECK_FALSE(find(ps, "out").title);
  CHECK(find(ps, "unjudged").outcome == Outcome::kNotScored);
  CHECK(find(ps, "unjudged").title == Title::kExcellent);
}

TEST_CASE("re-review quotas limit promotions only") {
  Quotas q;
  q.top10 = 1;
  auto ps = place_re_review(
      {cand("first", 95_d, 1, Title::kExcellent), cand("second", 94_d, 2, Title::kExcellent),
       cand("holder", 93_d, 3, Title::kTop10)},
      Thresholds{}, q);
  CHECK(find(ps, "first").title == Title::kTop10);
  CHECK(find(ps, "second").title ==
        Title::kDemonstration);  // top10 full: next best, still a promotion
  CHECK(find(ps, "second").outcome == Outcome::kPromoted);
  CHECK(find(ps, "holder").outcome == Outcome::kRetained);  // keeping a title uses no quota
}

TEST_CASE("titles and outcomes have the codes and labels of the API") {
  CHECK(title_code(Title::kDemonstration) == "demonstration");
  CHECK(title_label(Title::kTop10) == "十佳党建品牌");
  CHECK(parse_title("excellent") == Title::kExcellent);
  CHECK_FALSE(parse_title("gold"));
  CHECK(outcome_code(Outcome::kRectifying) == "rectifying");
  CHECK(default_rubric().size() == 6);
  Decimal total;
  for (const auto& c : default_rubric()) total += c.max;
  CHECK(total == 100_d);
  CHECK(outcome_code(Outcome::kNotScored) == "not_scored");
  CHECK(parse_outcome("not_scored") == Outcome::kNotScored);
}
