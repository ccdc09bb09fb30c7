#include "workflows/model.h"

#include <algorithm>

#include "workflows/json_fields.h"

namespace brandledger::workflows {
namespace {

// The content fields a brand's creation and edits carry.
void apply_content(BrandState& b, const boost::json::object& d) {
  auto take = [&](std::string_view key, std::string& field) {
    if (const auto* v = d.if_contains(key); v != nullptr && v->is_string())
      field = std::string(v->as_string());
  };
  take("name", b.name);
  take("slogan", b.slogan);
  take("theme", b.theme);
  take("connotation", b.connotation);
  take("features", b.features);
  take("effects", b.effects);
  take("business_link", b.business_link);
  take("logo", b.logo);
  if (const auto* v = d.if_contains("plan")) b.plan_json = boost::json::serialize(*v);
  if (const auto* v = d.if_contains("attachments")) b.attachments_json = boost::json::serialize(*v);
}

std::optional<Title> title_field(const boost::json::object& d, std::string_view key) {
  return parse_title(str(d, key));
}

// Which machine trigger a brand event is; nullopt for events that do not move it.
std::optional<BrandTrigger> brand_trigger(std::string_view type, const boost::json::object& d) {
  using T = BrandTrigger;
  static const std::map<std::string_view, T> kByType = {
      {"BrandCreated", T::kCreate},
      {"BrandEdited", T::kEdit},
      {"BrandSubmitted", T::kSubmit},
      {"BrandWithdrawn", T::kWithdraw},
      {"BrandReopened", T::kReopen},
      {"BrandApproved", T::kApprove},
      {"BrandReturned", T::kReturn},
      {"BrandFiled", T::kFile},
      {"ProgressReported", T::kReportProgress},
      {"BrandNominated", T::kNominate},
      {"ReviewStarted", T::kStartReview},
      {"BrandProposed", T::kPropose},
      {"BrandNotSelected", T::kNotSelected},
      {"BrandNoticePublished", T::kPublishNotice},
      {"ObjectionRaised", T::kRaiseObjection},
      {"ObjectionUpheld", T::kUpholdObjection},
      {"ObjectionDismissed", T::kDismissObjection},
      {"BrandNamed", T::kName},
      {"ReReviewStarted", T::kStartReReview},
      {"ReReviewConcluded", T::kKeepTitle},
      {"RectificationOrdered", T::kRectify},
      {"RevokedByReview", T::kRevokeByReview},
      {"RectificationPassed", T::kPassRectification},
      {"RectificationFailed", T::kFailRectification},
      {"RectificationDeadlineMissed", T::kMissRectificationDeadline},
      {"TitleRevoked", T::kRevoke},
      {"AppealFiled", T::kAppeal},
      {"TitleExpired", T::kExpire},
      {"BrandCancelled", T::kCancel},
  };
  if (type == "AppealGranted")
    return str(d, "to") == "rectifying" ? T::kGrantAppealToRectifying : T::kGrantAppealToNamed;
  if (type == "AppealRejected")
    return str(d, "to") == "filed" ? T::kRejectAppealToFiled : T::kRejectAppealToNamed;
  auto it = kByType.find(type);
  if (it == kByType.end()) return std::nullopt;
  return it->second;
}

}  // namespace

void OrgState::apply(const engine::RecordedEvent& event) {
  const auto& d = event.data;
  if (event.envelope.type == "OrgCreated") {
    exists = true;
    id = str(d, "id");
    name = str(d, "name");
    kind = str(d, "kind");
    parent = str(d, "parent");
    org_type = str(d, "org_type");
  } else if (event.envelope.type == "OrgDissolved") {
    dissolved = true;
  }
}

void UserState::apply(const engine::RecordedEvent& event) {
  const auto& d = event.data;
  if (event.envelope.type == "UserCreated") {
    exists = true;
    id = str(d, "id");
    name = str(d, "name");
    role = str(d, "role");
    org = str(d, "org");
  } else if (event.envelope.type == "UserChanged") {
    // {"changes": {"role": {"from": "unit", "to": "committee"}, ...}}
    if (const auto* changes = d.if_contains("changes"); changes && changes->is_object())
      for (const auto& [field, change] : changes->as_object()) {
        if (!change.is_object()) continue;
        const std::string to = str(change.as_object(), "to");
        if (field == "name") name = to;
        else if (field == "role") role = to;
        else if (field == "org") org = to;
      }
  } else if (event.envelope.type == "UserDisabled") {
    disabled = true;
  } else if (event.envelope.type == "UserEnabled") {
    disabled = false;
  } else if (event.envelope.type == "PasswordSet") {
    password_set_at = format_rfc3339(event.envelope.occurred_at);
  }
}

const Objection* BrandState::objection(std::string_view oid) const {
  for (const Objection& o : objections)
    if (o.id == oid) return &o;
  return nullptr;
}

bool BrandState::has_pending_objection() const {
  return std::any_of(objections.begin(), objections.end(),
                     [](const Objection& o) { return o.status == "pending"; });
}

void BrandState::apply(const engine::RecordedEvent& event) {
  const std::string_view type = event.envelope.type;
  const auto& d = event.data;
  const Timestamp at = event.envelope.occurred_at;
  const BrandStatus before = status();
  if (auto trigger = brand_trigger(type, d)) machine.fire(*trigger);
  updated_at = at;

  if (type == "BrandCreated") {
    id = str(d, "id");
    branch = str(d, "branch");
    branch_name = str(d, "branch_name");
    unit = str(d, "unit");
    org_type = str(d, "org_type");
    created_at = at;
    apply_content(*this, d);
  } else if (type == "BrandEdited") {
    apply_content(*this, d);
  } else if (type == "BrandFiled") {
    filing_no = str(d, "filing_no");
    filed_at = at;
  } else if (type == "BrandWithdrawn" || type == "BrandCancelled") {
    round.clear();
  } else if (type == "ProgressReported") {
    const int year = static_cast<int>(num(d, "year"));
    if (!progress_year || year >= *progress_year) {
      progress_year = year;
      progress_summary = str(d, "summary");
    }
  } else if (type == "BrandNominated" || type == "ReReviewStarted") {
    round = str(d, "round");
  } else if (type == "BrandProposed") {
    proposed_title = title_field(d, "title");
  } else if (type == "BrandNotSelected") {
    round.clear();
    proposed_title.reset();
  } else if (type == "ObjectionRaised") {
    objections.push_back(
        {str(d, "objection"), str(d, "reason"), std::string(event.envelope.actor.id)});
  } else if (type == "ObjectionUpheld" || type == "ObjectionDismissed") {
    for (Objection& o : objections)
      if (o.id == str(d, "objection"))
        o.status = type == "ObjectionUpheld" ? "upheld" : "dismissed";
    if (type == "ObjectionUpheld") {
      round.clear();
      proposed_title.reset();
    }
  } else if (type == "BrandNamed") {
    title = title_field(d, "title");
    named_at = at;
    valid_until = time_field(d, "valid_until");
    round.clear();
    proposed_title.reset();
  } else if (type == "ReReviewConcluded") {
    const std::string outcome = str(d, "outcome");
    if (outcome == "demoted") adverse = AdverseDecision{at, before, title, valid_until, false};
    if (auto t = title_field(d, "title")) title = t;
    if (auto v = time_field(d, "valid_until")) valid_until = v;
    if (outcome == "promoted") named_at = at;
    round.clear();
  } else if (type == "RectificationOrdered") {
    rectify_by = time_field(d, "deadline");
    rectify_validity_years = static_cast<int>(num(d, "validity_years", 3));
    round.clear();
  } else if (type == "RectificationPassed") {
    rectify_by.reset();
    if (auto v = time_field(d, "valid_until")) valid_until = v;
  } else if (type == "RevokedByReview" || type == "RectificationFailed" ||
             type == "RectificationDeadlineMissed" || type == "TitleRevoked") {
    // A revocation while an appeal is pending keeps what the appealed decision took away:
    // that is what a granted appeal gives back.
    if (before == BrandStatus::kAppeal && adverse) {
      adverse->at = at;
      adverse->revoked = true;
    } else {
      adverse = AdverseDecision{at, before, title, valid_until, true};
    }
    title.reset();
    valid_until.reset();
    rectify_by.reset();
    reapply_after = time_field(d, "cooling_off_until");
    round.clear();
  } else if (type == "AppealGranted") {
    title = title_field(d, "title");
    valid_until = time_field(d, "valid_until");
    rectify_by = time_field(d, "rectify_by");
    reapply_after.reset();
    adverse.reset();
  } else if (type == "AppealRejected") {
    adverse.reset();
  } else if (type == "TitleExpired") {
    title.reset();
    valid_until.reset();
  }
}

bool RoundState::is_nominated(std::string_view brand) const {
  return std::find(nominated.begin(), nominated.end(), brand) != nominated.end();
}

bool RoundState::is_expert(std::string_view expert) const {
  return std::find(experts.begin(), experts.end(), expert) != experts.end();
}

void RoundState::apply(const engine::RecordedEvent& event) {
  const std::string_view type = event.envelope.type;
  const auto& d = event.data;
  if (type == "RoundOpened") {
    machine.fire(RoundTrigger::kOpen);
    id = str(d, "id");
    config = round_config_from_json(d);
    created_at = event.envelope.occurred_at;
  } else if (type == "NominationAdded") {
    machine.fire(RoundTrigger::kNominate);
    nominated.push_back(str(d, "brand"));
    nominee_unit[str(d, "brand")] = str(d, "unit");
  } else if (type == "ExpertsAssigned") {
    machine.fire(RoundTrigger::kAssignExperts);
    if (const auto* list = d.if_contains("experts"); list != nullptr && list->is_array())
      for (const auto& e : list->as_array())
        if (e.is_string() && !is_expert(e.as_string())) experts.emplace_back(e.as_string());
  } else if (type == "ScoringStarted") {
    machine.fire(RoundTrigger::kStart);
  } else if (type == "ScoreRecorded") {
    machine.fire(RoundTrigger::kScore);
    Score s;
    if (const auto* by = d.if_contains("scores"); by != nullptr && by->is_object())
      for (const auto& [k, v] : by->as_object())
        if (v.is_number()) s.by_criterion[std::string(k)] = Decimal::nearest(v.to_number<double>());
    s.total = dec(d, "total");
    scores[str(d, "brand")][str(d, "expert")] = std::move(s);  // a re-score replaces
  } else if (type == "RoundClosed") {
    machine.fire(RoundTrigger::kClose);
    results.clear();
    dropped.clear();
    if (const auto* list = d.if_contains("results"); list != nullptr && list->is_array())
      for (const auto& r : list->as_array()) {
        const auto& o = r.as_object();
        Placement p;
        p.brand = str(o, "brand");
        p.rank = static_cast<int>(num(o, "rank"));
        if (const auto* f = o.if_contains("final"); f != nullptr && f->is_number())
          p.final = dec(o, "final");
        if (auto outcome = parse_outcome(str(o, "outcome"))) p.outcome = *outcome;
        p.title = parse_title(str(o, "title"));
        if (const auto* out = o.if_contains("dropped"); out != nullptr && out->is_array()) {
          auto& dropped_for_brand = dropped[p.brand];
          for (const auto& e : out->as_array())
            if (e.is_string()) dropped_for_brand.emplace_back(e.as_string());
        }
        results.push_back(std::move(p));
      }
  } else if (type == "RoundNoticePublished") {
    machine.fire(RoundTrigger::kPublishNotice);
    notice_ends = time_field(d, "notice_ends");
  } else if (type == "RoundFinalized") {
    machine.fire(RoundTrigger::kFinalize);
  }
}

void SettingsState::apply(const engine::RecordedEvent& event) {
  if (event.envelope.type != "SettingsChanged") return;
  const auto* a = event.data.if_contains("assessment");
  if (a == nullptr || !a->is_object()) return;
  filed_points = dec(a->as_object(), "filed_points", filed_points);
  if (const auto* bonus = a->as_object().if_contains("title_bonus");
      bonus != nullptr && bonus->is_object())
    for (const auto& [k, v] : bonus->as_object())
      if (v.is_number()) title_bonus[std::string(k)] = Decimal::nearest(v.to_number<double>());
}

boost::json::object round_config_json(const RoundConfig& c) {
  boost::json::object o;
  o["name"] = c.name;
  o["year"] = c.year;
  o["kind"] = c.kind;
  boost::json::object quotas;
  for (Title t : kTitlesHighestFirst)
    quotas[title_code(t)] =
        c.quotas.of(t) ? boost::json::value(*c.quotas.of(t)) : boost::json::value(nullptr);
  o["quotas"] = std::move(quotas);
  o["unit_quota"] = c.unit_quota ? boost::json::value(*c.unit_quota) : boost::json::value(nullptr);
  o["thresholds"] = {{"top10", decimal_json(c.thresholds.top10)},
                     {"demonstration", decimal_json(c.thresholds.demonstration)},
                     {"excellent", decimal_json(c.thresholds.excellent)},
                     {"rectify", decimal_json(c.thresholds.rectify)}};
  boost::json::array rubric;
  for (const Criterion& cr : c.rubric)
    rubric.push_back({{"key", cr.key}, {"name", cr.name}, {"max", decimal_json(cr.max)}});
  o["rubric"] = std::move(rubric);
  o["drop_extremes"] = c.drop_extremes;
  o["min_scores"] = c.min_scores;
  o["notice_days"] = c.notice_days;
  o["validity_years"] = c.validity_years;
  return o;
}

RoundConfig round_config_from_json(const boost::json::object& d) {
  RoundConfig c;
  c.name = str(d, "name");
  c.year = static_cast<int>(num(d, "year"));
  c.kind = str(d, "kind");
  if (const auto* q = d.if_contains("quotas"); q != nullptr && q->is_object()) {
    auto quota = [&](std::string_view key) -> std::optional<int> {
      const auto* v = q->as_object().if_contains(key);
      if (v == nullptr || v->is_null()) return std::nullopt;
      return static_cast<int>(v->to_number<double>());
    };
    c.quotas.top10 = quota("top10");
    c.quotas.demonstration = quota("demonstration");
    c.quotas.excellent = quota("excellent");
  }
  if (const auto* u = d.if_contains("unit_quota"); u != nullptr && !u->is_null())
    c.unit_quota = static_cast<int>(u->to_number<double>());
  if (const auto* t = d.if_contains("thresholds"); t != nullptr && t->is_object()) {
    const auto& to = t->as_object();
    const Thresholds defaults;
    c.thresholds = {dec(to, "top10", defaults.top10),
                    dec(to, "demonstration", defaults.demonstration),
                    dec(to, "excellent", defaults.excellent), dec(to, "rectify", defaults.rectify)};
  }
  if (const auto* r = d.if_contains("rubric"); r != nullptr && r->is_array()) {
    c.rubric.clear();
    for (const auto& item : r->as_array())
      c.rubric.push_back({str(item.as_object(), "key"), str(item.as_object(), "name"),
                          dec(item.as_object(), "max")});
  }
  c.drop_extremes = flag(d, "drop_extremes");
  c.min_scores = static_cast<int>(num(d, "min_scores", 3));
  c.notice_days = static_cast<int>(num(d, "notice_days", 5));
  c.validity_years = static_cast<int>(num(d, "validity_years", 3));
  return c;
}

}  // namespace brandledger::workflows
