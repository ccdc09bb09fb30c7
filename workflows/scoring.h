// The arithmetic of a review round (DOMAIN.md "Review rounds"): rubrics, each brand's
// final score, the ranking, the titles a selection gives and the outcomes a re-review
// gives. Pure functions of their inputs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  double max = 0;
};
// 品牌识别 10, 内涵与定位 20, 载体与机制 20, 工作成效 30, 示范辐射 10, 现场讲述 10.
std::vector<Criterion> default_rubric();

struct Thresholds {
  double top10 = 90, demonstration = 85, excellent = 80, rectify = 60;
  double of(Title t) const {
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
// rest, rounded to 2 decimals. nullopt with no totals.
std::optional<double> final_score(std::vector<double> totals, bool drop_extremes);

enum class Outcome : std::uint8_t {
  kSelected,
  kNotSelected,
  kPromoted,
  kRetained,
  kDemoted,
  kRectifying,
  kRevoked
};
std::string_view outcome_code(Outcome outcome);

struct Candidate {
  std::string brand;
  std::optional<double> final;         // nullopt: too few scores to judge
  Timestamp filed_at{};                // ties go to the earlier filing
  std::optional<Title> current_title;  // re-review: the title held now
};

struct Placement {
  std::string brand;
  int rank = 0;  // 1-based; brands without a final score rank last
  std::optional<double> final;
  Outcome outcome = Outcome::kNotSelected;
  std::optional<Title> title;  // the title it ends with (null: none)
};

// Ranks by final score (ties: earlier filing, then id). Walking the ranking, a brand gets
// the highest title whose threshold it reaches and whose quota is not used up; the rest
// are not selected.
std::vector<Placement> place_selection(std::vector<Candidate> candidates,
                                       const Thresholds& thresholds, const Quotas& quotas);

// 优进劣出: from the final score and the title held, the best title reached — higher than
// now and within quota (quotas limit promotions): promoted; equal: retained; lower:
// demoted; none but at least the rectify threshold: rectifying; below: revoked. A brand
// with too few scores keeps its title unchanged (not_selected: no judgement was made).
std::vector<Placement> place_re_review(std::vector<Candidate> candidates,
                                       const Thresholds& thresholds, const Quotas& quotas);

}  // namespace brandledger::workflows
