#include <catch2/catch.hpp>

#include "workflows/scoring.h"

using namespace brandledger;
using namespace brandledger::workflows;

namespace {

Candidate cand(std::string id, std::optional<double> final, int filed_day = 1,
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
  CHECK(final_score({90, 80, 70, 60, 100}, true) == Approx(80.0));
  CHECK(final_score({95, 95, 95, 95, 10}, true) == Approx(95.0));
  // Fewer than five: every total counts.
  CHECK(final_score({95, 95, 95, 10}, true) == Approx(73.75));
  // Without drop_extremes every total counts.
  CHECK(final_score({90, 80, 70, 60, 100}, false) == Approx(80.0));
  CHECK(final_score({95, 95, 95, 95, 10}, false) == Approx(78.0));
  CHECK_FALSE(final_score({}, true));
}

TEST_CASE("the final score is the mean rounded to two decimals") {
  CHECK(final_score({88, 89, 89}, false) == Approx(88.67));
  CHECK(final_score({88.5, 89, 89}, false) == Approx(88.83));
  CHECK(final_score({89.99, 90}, false) == Approx(90.0));  // 89.995 rounds up
  CHECK(final_score({85.004, 85.004, 85.004}, false) == Approx(85.0));
}

TEST_CASE(
    "thresholds: the highest title reached, top10 at 90, demonstration at 85, excellent at 80") {
  auto ps = place_selection(
      {cand("a", 90), cand("b", 89.99), cand("c", 85), cand("d", 80), cand("e", 79.99)},
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
  auto ps = place_selection({cand("a", 95), cand("b", 94), cand("c", 93), cand("d", 70)},
                            Thresholds{}, q);
  CHECK(find(ps, "a").title == Title::kTop10);
  CHECK(find(ps, "b").title == Title::kDemonstration);
  CHECK(find(ps, "c").title == Title::kExcellent);
  CHECK(find(ps, "d").outcome == Outcome::kNotSelected);
  q.excellent = 0;
  CHECK(
      place_selection({cand("a", 95), cand("b", 94), cand("c", 93)}, Thresholds{}, q)[2].outcome ==
      Outcome::kNotSelected);
}

TEST_CASE("tie-break: equal finals rank the earlier filing first") {
  Quotas q;
  q.top10 = 1;
  auto ps = place_selection({cand("late", 92, 30), cand("early", 92, 2)}, Thresholds{}, q);
  CHECK(ps[0].brand == "early");
  CHECK(ps[0].rank == 1);
  CHECK(ps[0].title == Title::kTop10);
  CHECK(ps[1].title == Title::kDemonstration);
}

TEST_CASE("brands with too few scores rank last and get nothing") {
  auto ps = place_selection({cand("none", std::nullopt), cand("low", 50)}, Thresholds{}, Quotas{});
  CHECK(ps[0].brand == "low");
  CHECK(ps[1].brand == "none");
  CHECK(ps[1].outcome == Outcome::kNotSelected);
}

TEST_CASE("re-review: promoted, retained, demoted, rectifying, revoked (优进劣出)") {
  auto ps = place_re_review(
      {cand("up", 91, 1, Title::kDemonstration), cand("same", 86, 1, Title::kDemonstration),
       cand("down", 81, 1, Title::kDemonstration), cand("fix", 65, 1, Title::kExcellent),
       cand("out", 59.99, 1, Title::kTop10), cand("unjudged", std::nullopt, 1, Title::kExcellent)},
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
  CHECK(find(ps, "unjudged").outcome == Outcome::kNotSelected);
  CHECK(find(ps, "unjudged").title == Title::kExcellent);
}

TEST_CASE("re-review quotas limit promotions only") {
  Quotas q;
  q.top10 = 1;
  auto ps = place_re_review(
      {cand("first", 95, 1, Title::kExcellent), cand("second", 94, 2, Title::kExcellent),
       cand("holder", 93, 3, Title::kTop10)},
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
  double total = 0;
  for (const auto& c : default_rubric()) total += c.max;
  CHECK(total == 100);
}
