// The domain's aggregates: what one stream's events say about an org, a user, a brand or
// a round. Each is rebuilt by replaying its stream (apply has no side effects); brands and
// rounds move their Boost.MSM machine on every event that changes their state.
//
// Event types and their data are written down in docs/EVENTS.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/domain.h"
#include "workflows/brand_lifecycle.h"
#include "workflows/review_round.h"
#include "workflows/scoring.h"

namespace brandledger::workflows {

// Stream names.
inline std::string org_stream(std::string_view id) {
  return "org-" + std::string(id);
}
inline std::string user_stream(std::string_view id) {
  return "user-" + std::string(id);
}
inline std::string brand_stream(std::string_view id) {
  return "brand-" + std::string(id);
}
inline std::string round_stream(std::string_view id) {
  return "round-" + std::string(id);
}
inline constexpr std::string_view kSettingsStream = "settings";

struct OrgState final : engine::AggregateState {
  bool exists = false;
  bool dissolved = false;
  std::string id, name, kind, parent, org_type;  // kind: committee | unit | branch
  std::unique_ptr<engine::AggregateState> clone() const override {
    return std::make_unique<OrgState>(*this);
  }
  void apply(const engine::RecordedEvent& event) override;
};

struct UserState final : engine::AggregateState {
  bool exists = false;
  bool disabled = false;
  std::string id, name, role, org;
  std::string password_set_at;  // RFC 3339, "" while it has none
  std::unique_ptr<engine::AggregateState> clone() const override {
    return std::make_unique<UserState>(*this);
  }
  void apply(const engine::RecordedEvent& event) override;
};

struct Objection {
  std::string id, reason, raised_by;
  std::string status = "pending";  // pending | upheld | dismissed
};

// The branch may appeal a demotion or revocation this many days after it (DOMAIN.md).
inline constexpr int kAppealWindowDays = 10;

// What a demotion or revocation took away, so that a granted appeal can give it back.
struct AdverseDecision {
  Timestamp at{};
  BrandStatus previous_status = BrandStatus::kNamed;
  std::optional<Title> previous_title;
  std::optional<Timestamp> previous_valid_until;
  bool revoked = false;
};

struct BrandState final : engine::AggregateState {
  BrandMachine machine;
  std::string id, name, branch, branch_name, unit, org_type;
  std::string slogan, theme, connotation, features, effects, business_link;
  std::string plan_json = "null", logo, attachments_json = "[]";
  std::optional<Title> title;
  std::string filing_no;
  std::optional<Timestamp> filed_at, named_at, valid_until, reapply_after, rectify_by;
  int rectify_validity_years = 3;  // the validity a passed rectification gives
  Timestamp created_at{}, updated_at{};
  std::string round;  // the round it is in, while in one
  std::optional<Title> proposed_title;
  std::optional<AdverseDecision> adverse;  // the last demotion or revocation
  std::vector<Objection> objections;
  // The latest year's progress report (年度自评). Only the latest: every report is in the
  // brand's history, and a document that grew by a report a year would be rewritten whole,
  // and sent in every list page, at every command for decades (docs/PERFORMANCE.md).
  std::optional<int> progress_year;
  std::string progress_summary;

  BrandStatus status() const { return machine.status(); }
  bool exists() const { return status() != BrandStatus::kNone; }
  const Objection* objection(std::string_view id) const;
  bool has_pending_objection() const;

  std::unique_ptr<engine::AggregateState> clone() const override {
    return std::make_unique<BrandState>(*this);
  }
  void apply(const engine::RecordedEvent& event) override;
};

struct Score {
  std::map<std::string, Decimal> by_criterion;
  Decimal total;
};

struct RoundConfig {
  std::string name;
  int year = 0;
  std::string kind = "selection";  // selection | re_review
  Quotas quotas;
  std::optional<int> unit_quota;
  Thresholds thresholds;
  std::vector<Criterion> rubric = default_rubric();
  bool drop_extremes = true;
  int min_scores = 3;
  int notice_days = 5;
  int validity_years = 3;
};

struct RoundState final : engine::AggregateState {
  RoundMachine machine;
  std::string id;
  RoundConfig config;
  std::vector<std::string> nominated;               // brand ids, in nomination order
  std::map<std::string, std::string> nominee_unit;  // brand -> unit
  std::vector<std::string> experts;
  std::map<std::string, std::map<std::string, Score>> scores;  // brand -> expert -> score
  std::vector<Placement> results;
  // brand -> the experts whose totals its final left out (drop_extremes), as closing found
  // them; empty for rounds closed before the field was recorded.
  std::map<std::string, std::vector<std::string>> dropped;
  std::optional<Timestamp> notice_ends;
  Timestamp created_at{};

  RoundStatus status() const { return machine.status(); }
  bool exists() const { return status() != RoundStatus::kNone; }
  bool is_nominated(std::string_view brand) const;
  bool is_expert(std::string_view expert) const;

  std::unique_ptr<engine::AggregateState> clone() const override {
    return std::make_unique<RoundState>(*this);
  }
  void apply(const engine::RecordedEvent& event) override;
};

// Settings the committee keeps (assessment points).
struct SettingsState final : engine::AggregateState {
  Decimal filed_points = Decimal::from_int(3);
  std::map<std::string, Decimal> title_bonus = {{"top10", Decimal::from_int(2)},
                                                {"demonstration", Decimal::from_int(1)},
                                                {"excellent", Decimal::from_hundredths(50)}};
  std::unique_ptr<engine::AggregateState> clone() const override {
    return std::make_unique<SettingsState>(*this);
  }
  void apply(const engine::RecordedEvent& event) override;
};

// The round's configuration to and from its RoundOpened data.
boost::json::object round_config_json(const RoundConfig& config);
RoundConfig round_config_from_json(const boost::json::object& data);

}  // namespace brandledger::workflows
