// The read models of API.md, kept by projections in the same transaction as the events
// they come from (so a client reads its own writes), and rebuilt byte for byte from the log.
// Documents are JSON text as answers carry it (engine/json_text.h), so an answer can pass a
// document on without parsing it.
//
//   orgs, users               id -> JSON
//   brands                    id -> brand JSON (render_brand)
//   brand_keys                id -> state 0x00 unit 0x00 branch 0x00 title 0x00 due
//                             (what the brand is indexed under, so that moving its
//                             index entries never has to parse the document)
//   brands_by_{state,unit,branch,title}   value 0x00 id -> ""
//   re_review_due             valid_until(be) id -> ""          named brands only
//   pipeline                  unit 0x00 state -> count
//   rounds                    id -> round JSON (render_round)
//   positions_by_{actor,stream,type,org}  value -> the positions of its events, a position
//                             set (storage::Table::add_position): an actor's events, a
//                             stream's, a type's, those an org's users may read
//   audit_by_time             occurred_at(be) position(be) -> ""
//   transitions               position(be) -> from 0x00 to: the state a brand or round event
//                             moved its aggregate from ("" at its first) and to
//   round_states              id -> a round's state: where transitions reads a round's
//                             "from" (no parse of its document, which a rebuild writes
//                             only at its end)
//   unit_figures              unit 0x00 occurred_at(be) position(be) -> {branches, states,
//                             titles}: the unit's branch count, its brands by state and by
//                             title held, after each event that moved one (coverage,
//                             pipeline and assessment as of any instant: a seek per unit)
//   brand_status_log          id 0x00 occurred_at(be) position(be) -> state 0x00 title, after
//                             each event that moved either (a brand as it stood at an
//                             instant without replaying it: the assessment's rows)
//   titles                    year 0x00 title 0x00 org_type -> count
//   nominations               year -> count
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/domain.h"

namespace brandledger::workflows {
struct BrandState;
}

namespace brandledger::views {

inline constexpr std::string_view kOrgs = "orgs";
inline constexpr std::string_view kUsers = "users";
inline constexpr std::string_view kBrands = "brands";
inline constexpr std::string_view kBrandKeys = "brand_keys";
inline constexpr std::string_view kBrandsByState = "brands_by_state";
inline constexpr std::string_view kBrandsByUnit = "brands_by_unit";
inline constexpr std::string_view kBrandsByBranch = "brands_by_branch";
inline constexpr std::string_view kBrandsByTitle = "brands_by_title";
inline constexpr std::string_view kReReviewDue = "re_review_due";
inline constexpr std::string_view kPipeline = "pipeline";
inline constexpr std::string_view kRounds = "rounds";
inline constexpr std::string_view kAuditByActor = "positions_by_actor";
inline constexpr std::string_view kAuditByStream = "positions_by_stream";
inline constexpr std::string_view kAuditByType = "positions_by_type";
inline constexpr std::string_view kAuditByOrg = "positions_by_org";
inline constexpr std::string_view kAuditByTime = "audit_by_time";
inline constexpr std::string_view kTransitions = "transitions";
inline constexpr std::string_view kRoundStates = "round_states";
inline constexpr std::string_view kUnitFigures = "unit_figures";
inline constexpr std::string_view kBrandStatusLog = "brand_status_log";
inline constexpr std::string_view kTitles = "titles";
inline constexpr std::string_view kNominations = "nominations";

// What a brand is indexed under (the brand_keys table), taken from its aggregate.
struct BrandKeys {
  std::string state, unit, branch, title;
  std::string due;  // re-review due (time_part of valid_until), named brands only

  static BrandKeys of(const workflows::BrandState& brand);
  std::string encode() const;
  static BrandKeys decode(std::string_view value);
  bool operator==(const BrandKeys&) const = default;
};

// Bump with every change to what the projections write (engine::Domain::views_version).
//   2  documents in the answers' JSON text; brand_keys
//   3  exact decimals (whole values as integers); no users_by_token (credentials moved to
//      the secrets table)
//   4  users carry "disabled" and "password_set_at"
//   5  brands carry "appeal_until"
//   6  brands carry the latest progress report ("latest_progress"), not every year's;
//      unit_figures and brand_status_log (reports as of any instant without replays)
//      replace coverage_log
//   7  the audit's indexes by actor, stream, type and org are position sets; the states
//      an event moved between in transitions (the old audit_by_* tables are dropped)
//   8  round_states (a round's state, for transitions)
inline constexpr std::uint32_t kViewsVersion = 8;

// Whether a brand in `state` counts as filed (备案) for coverage and the assessment: filed
// and not cancelled, whatever came after (named brands count). A filed brand never goes
// back to cultivating or withdrawn.
bool counts_as_filed(std::string_view state);

// In a table keyed `owner 0x00 occurred_at(be) position(be)` (unit_figures,
// brand_status_log): the value of `owner`'s last entry at or before the instant whose
// time_part is `time` (nullopt: none by then). The figures of a unit, or a brand's status,
// as they stood then.
Result<std::optional<std::string>> last_at_or_before(const engine::ViewReader& views,
                                                     std::string_view table,
                                                     std::string_view owner,
                                                     std::string_view time);
// The time_part past every instant: an owner's last entry of all.
inline const std::string kLatest(8, '\xff');

// A unit's figures as unit_figures keeps them.
struct UnitFigures {
  std::int64_t branches = 0;
  std::map<std::string, std::int64_t, std::less<>> states, titles;  // zero counts left out

  std::int64_t filed() const;
  std::string encode() const;
  static UnitFigures decode(std::string_view value);
};

std::vector<std::shared_ptr<engine::Projection>> make_projections();

// The domain with every read model: what the server and the CLI run.
engine::Domain make_full_domain();

}  // namespace brandledger::views
