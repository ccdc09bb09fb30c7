// The arithmetic of a review round (DOMAIN.md "Review rounds"): rubrics, each brand's
// final score, the ranking, the titles a selection gives and the outcomes a re-review
// gives. Pure functions of their inputs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "core/time.h"

namespace brandledger::workflows {

// Highest first.
enum class Title : std::uint8_t { kTop10, kDemonstration, kExcellent };
inline constexpr std::array<Title, 3> kTitlesHighestFirst = {Title::kTop10, Title::kDemonstration,
                                                             Title::kExcellent};

std::string_view title_code(Title title);   // "top10"
std::string_view title_label(Title title);  // "十佳党建品牌"
std::optional<Title> parse_title(std::string_view code);
// True when a ranks above b.
inline bool higher(Title a, Title b) {
  return static_cast<int>(a) < static_cast<int>(b);
}

struct Criterion {
  std::string key;
  std::string name;
  Decimal max;
};
// 品牌识别 10, 内涵与定位 20, 载体与机制 20, 工作成效 30, 示范辐射 10, 现场讲述 10.
std::vector<Criterion> default_rubric();
// Points on every criterion of the default rubric, each in proportion to its maximum and
// with at most one decimal, adding up to exactly `total` (0 to 100): demo data and tests.
std::vector<std::pair<std::string, Decimal>> spread_over_default_rubric(Decimal total);

struct Thresholds {
  Decimal top10 = Decimal::from_int(90), demonstration = Decimal::from_int(85),
          excellent = Decimal::from_int(80), rectify = Decimal::from_int(60);
  Decimal of(Title t) const {
    return t == Title::kTop10 ? top10 : t == Title::kDemonstration ? demonstration : excellent;
  }
};

// How many of each title a round may give; nullopt: no limit.
struct Quotas {
  std::optional<int> top10 = 10, demonstration = 20, excellent = 30;
  std::optional<int> of(Title t) const {
    return t == Title::kTop10 ? top10 : t == Title::kDemonstration ? demonstration : excellent;
  }
};

// Each expert's total is the sum of its criterion points; with drop_extremes and at least
// five totals one highest and one lowest are dropped; the final score is the mean of the
// rest, rounded half up to 2 decimals, exactly. nullopt with no totals.
std::optional<Decimal> final_score(std::vector<Decimal> totals, bool drop_extremes);
// Which of `totals`, in their order, the final score leaves out: with drop_extremes and at
// least five, one lowest and one highest; the committee sees them.
std::vector<bool> dropped_totals(const std::vector<Decimal>& totals, bool drop_extremes);

enum class Outcome : std::uint8_t {
  kSelected,
  kNotSelected,
  kPromoted,
  kRetained,
  kDemoted,
  kRectifying,
  kRevoked,
  kNotScored  // fewer than min_scores when a round was closed with force
};
std::string_view outcome_code(Outcome outcome);
std::optional<Outcome> parse_outcome(std::string_view code);

struct Candidate {
  std::string brand;
  std::optional<Decimal> final;        // nullopt: too few scores to judge
  Timestamp filed_at{};                // ties go to the earlier filing
  std::optional<Title> current_title;  // re-review: the title held now
};

struct Placement {
  std::string brand;
  int rank = 0;  // 1-based; brands without a final score rank last
  std::optional<Decimal> final;
  Outcome outcome = Outcome::kNotSelected;
  std::optional<Title> title;  // the title it ends with (null: none)
};

// Ranks by final score (ties: earlier filing, then id). Walking the ranking, a brand gets
// the highest title whose threshold it reaches and whose quota is not used up; the rest
// are not selected, and a brand without a final score is not scored.
std::vector<Placement> place_selection(std::vector<Candidate> candidates,
                                       const Thresholds& thresholds, const Quotas& quotas);

// 优进劣出: from the final score and the title held, the best title reached — higher than
// now and within quota (quotas limit promotions): promoted; equal: retained; lower:
// demoted; none but at least the rectify threshold: rectifying; below: revoked. A brand
// with too few scores keeps its title unchanged (not_scored: no judgement was made).
std::vector<Placement> place_re_review(std::vector<Candidate> candidates,
                                       const Thresholds& thresholds, const Quotas& quotas);

}  // namespace brandledger::workflows
