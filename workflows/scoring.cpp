#include "workflows/scoring.h"

#include <algorithm>
#include <map>
#include <span>

namespace brandledger::workflows {
namespace {

constexpr std::array<std::string_view, 3> kTitleCodes = {"top10", "demonstration", "excellent"};
constexpr std::array<std::string_view, 3> kTitleLabels = {"十佳党建品牌", "示范党建品牌",
                                                          "优秀党建品牌"};
constexpr std::array<std::string_view, 8> kOutcomeCodes = {
    "selected", "not_selected", "promoted", "retained",
    "demoted",  "rectifying",   "revoked",  "not_scored"};

// Final score descending; ties to the earlier filing, then the id, so the order is total.
void rank(std::vector<Candidate>& candidates) {
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.final.has_value() != b.final.has_value()) return a.final.has_value();
    if (a.final && *a.final != *b.final) return *a.final > *b.final;
    if (a.filed_at != b.filed_at) return a.filed_at < b.filed_at;
    return a.brand < b.brand;
  });
}

class QuotaLedger {
 public:
  explicit QuotaLedger(const Quotas& q) : quotas_(q) {}
  bool available(Title t) const {
    auto limit = quotas_.of(t);
    auto it = used_.find(t);
    return !limit || (it == used_.end() ? 0 : it->second) < *limit;
  }
  void use(Title t) { ++used_[t]; }

 private:
  Quotas quotas_;
  std::map<Title, int> used_;
};

}  // namespace

std::string_view title_code(Title t) {
  return kTitleCodes[static_cast<std::size_t>(t)];
}
std::string_view title_label(Title t) {
  return kTitleLabels[static_cast<std::size_t>(t)];
}
std::optional<Title> parse_title(std::string_view code) {
  for (std::size_t i = 0; i < kTitleCodes.size(); ++i)
    if (kTitleCodes[i] == code) return static_cast<Title>(i);
  return std::nullopt;
}
std::string_view outcome_code(Outcome o) {
  return kOutcomeCodes[static_cast<std::size_t>(o)];
}
std::optional<Outcome> parse_outcome(std::string_view code) {
  for (std::size_t i = 0; i < kOutcomeCodes.size(); ++i)
    if (kOutcomeCodes[i] == code) return static_cast<Outcome>(i);
  return std::nullopt;
}

std::vector<Criterion> default_rubric() {
  auto points = [](int n) { return Decimal::from_int(n); };
  return {{"identity", "品牌识别", points(10)},    {"connotation", "内涵与定位", points(20)},
          {"mechanism", "载体与机制", points(20)}, {"effects", "工作成效", points(30)},
          {"influence", "示范辐射", points(10)},   {"presentation", "现场讲述", points(10)}};
}

std::vector<std::pair<std::string, Decimal>> spread_over_default_rubric(Decimal total) {
  // In tenths of a point: each criterion its share rounded down, then the rest a tenth at a
  // time to criteria below their maximum.
  const std::int64_t tenths = total.hundredths() / 10;
  const auto rubric = default_rubric();
  std::vector<std::int64_t> given;
  std::int64_t sum = 0;
  for (const Criterion& c : rubric) {
    given.push_back(tenths * (c.max.hundredths() / 10) / 1000);
    sum += given.back();
  }
  for (std::size_t i = 0; sum < tenths; i = (i + 1) % rubric.size())
    if (given[i] < rubric[i].max.hundredths() / 10) ++given[i], ++sum;
  std::vector<std::pair<std::string, Decimal>> out;
  for (std::size_t i = 0; i < rubric.size(); ++i)
    out.emplace_back(rubric[i].key, Decimal::from_hundredths(given[i] * 10));
  return out;
}

std::vector<bool> dropped_totals(const std::vector<Decimal>& totals, bool drop_extremes) {
  std::vector<bool> dropped(totals.size(), false);
  if (!drop_extremes || totals.size() < 5) return dropped;
  // The first lowest and the last highest: two different totals even when all are equal.
  std::size_t lowest = 0, highest = 0;
  for (std::size_t i = 1; i < totals.size(); ++i) {
    if (totals[i] < totals[lowest]) lowest = i;
    if (!(totals[i] < totals[highest])) highest = i;
  }
  dropped[lowest] = true;
  dropped[highest] = true;
  return dropped;
}

std::optional<Decimal> final_score(std::vector<Decimal> totals, bool drop_extremes) {
  if (totals.empty()) return std::nullopt;
  const std::vector<bool> dropped = dropped_totals(totals, drop_extremes);
  std::vector<Decimal> kept;
  for (std::size_t i = 0; i < totals.size(); ++i)
    if (!dropped[i]) kept.push_back(totals[i]);
  return Decimal::mean(kept);
}

std::vector<Placement> place_selection(std::vector<Candidate> candidates,
                                       const Thresholds& thresholds, const Quotas& quotas) {
  rank(candidates);
  QuotaLedger ledger(quotas);
  std::vector<Placement> out;
  int position = 0;
  for (const Candidate& c : candidates) {
    Placement p{c.brand, ++position, c.final,
                c.final ? Outcome::kNotSelected : Outcome::kNotScored, std::nullopt};
    if (c.final)
      for (Title t : kTitlesHighestFirst)
        if (*c.final >= thresholds.of(t) && ledger.available(t)) {
          ledger.use(t);
          p.outcome = Outcome::kSelected;
          p.title = t;
          break;
        }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Placement> place_re_review(std::vector<Candidate> candidates,
                                       const Thresholds& thresholds, const Quotas& quotas) {
  rank(candidates);
  QuotaLedger ledger(quotas);
  std::vector<Placement> out;
  int position = 0;
  for (const Candidate& c : candidates) {
    Placement p{c.brand, ++position, c.final, Outcome::kNotScored, c.current_title};
    if (c.final) {
      std::optional<Title> best;
      for (Title t : kTitlesHighestFirst) {
        if (*c.final < thresholds.of(t)) continue;
        const bool promotion = !c.current_title || higher(t, *c.current_title);
        if (promotion && !ledger.available(t)) continue;
        if (promotion) ledger.use(t);
        best = t;
        break;
      }
      if (best) {
        p.title = best;
        if (!c.current_title || higher(*best, *c.current_title))
          p.outcome = Outcome::kPromoted;
        else if (*best == *c.current_title)
          p.outcome = Outcome::kRetained;
        else
          p.outcome = Outcome::kDemoted;
      } else if (*c.final >= thresholds.rectify) {
        p.outcome = Outcome::kRectifying;
      } else {
        p.outcome = Outcome::kRevoked;
        p.title.reset();
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace brandledger::workflows
