// Review rounds (评审批次): open → nominate → assign experts → start → score → close →
// publish notice → objections → finalize, for selection and re-review rounds.
#include <fmt/format.h>
#include <boost/json.hpp>

#include <set>

#include "workflows/decide.h"

namespace brandledger::workflows {
namespace {

Decision round_illegal(RoundStatus from, RoundTrigger trigger) {
  return reject(RejectionKind::kIllegalTransition, "illegal_transition",
                "cannot " + std::string(round_trigger_name(trigger)) + " a round that is " +
                    std::string(round_status_code(from)),
                "评审批次当前为“" + std::string(round_status_label(from)) +
                    "”，不能执行此操作（" + std::string(round_trigger_name(trigger)) + "）");
}

// Role, existence and the machine's word, the start of every command on a round.
std::optional<Decision> check(const engine::Command& c, const Loaded<RoundState>& round,
                              std::initializer_list<Role> roles, RoundTrigger trigger) {
  if (auto r = require_role(c.actor, roles)) return refuse(*r);
  if (!round->exists()) return not_found("round " + std::string(stream_id(c.stream)));
  if (!round_target(round->status(), trigger)) return round_illegal(round->status(), trigger);
  return std::nullopt;
}

int checked_count(const boost::json::object& args, std::string_view key, int fallback, int min) {
  auto v = arg_int(args, key);
  if (!v) return fallback;
  if (*v < min || *v > 100000)
    throw ArgumentError(std::string(key), fmt::format("must be at least {}", min));
  return static_cast<int>(*v);
}

RoundConfig config_from_args(const boost::json::object& a) {
  RoundConfig c;
  c.name = arg_required(a, "name", kMaxNameChars);
  auto year = arg_int(a, "year");
  if (!year || *year < 2000 || *year > 2100)
    throw ArgumentError("year", "is required, a year like 2026");
  c.year = static_cast<int>(*year);
  c.kind = arg_string(a, "kind").value_or("selection");
  if (c.kind != "selection" && c.kind != "re_review")
    throw ArgumentError("kind", "is selection or re_review");
  if (const auto* q = a.if_contains("quotas")) {
    if (!q->is_object()) throw ArgumentError("quotas", "must be an object");
    for (const auto& [k, v] : q->as_object()) {
      auto title = parse_title(k);
      if (!title) throw ArgumentError("quotas", "unknown title " + std::string(k));
      std::optional<int> n;
      if (!v.is_null()) n = checked_count(q->as_object(), k, 0, 0);
      (*title == Title::kTop10           ? c.quotas.top10
       : *title == Title::kDemonstration ? c.quotas.demonstration
                                         : c.quotas.excellent) = n;
    }
  }
  if (const auto* u = a.if_contains("unit_quota"); u != nullptr && !u->is_null())
    c.unit_quota = checked_count(a, "unit_quota", 0, 0);
  if (const auto* t = a.if_contains("thresholds")) {
    if (!t->is_object()) throw ArgumentError("thresholds", "must be an object");
    auto threshold = [&](std::string_view key, Decimal& field) {
      const std::string name = "thresholds." + std::string(key);
      try {
        if (auto v = arg_decimal(t->as_object(), key, 2)) {
          if (*v < Decimal() || *v > Decimal::from_int(100))
            throw ArgumentError(name, "must be 0 to 100");
          field = *v;
        }
      } catch (const ArgumentError& e) {
        if (e.field() == name) throw;
        throw ArgumentError(name, "must be a number with at most 2 decimals");
      }
    };
    threshold("top10", c.thresholds.top10);
    threshold("demonstration", c.thresholds.demonstration);
    threshold("excellent", c.thresholds.excellent);
    threshold("rectify", c.thresholds.rectify);
  }
  if (const auto* r = a.if_contains("rubric")) {
    if (!r->is_array() || r->as_array().empty())
      throw ArgumentError("rubric", "must be a non-empty array");
    c.rubric.clear();
    std::set<std::string> keys;
    for (const auto& item : r->as_array()) {
      if (!item.is_object()) throw ArgumentError("rubric", "items are {key, name, max}");
      // Named as rubric.max is: rubric.key, rubric.name.
      auto text = [&item](std::string_view key) {
        const std::string field = "rubric." + std::string(key);
        const auto* v = item.as_object().if_contains(key);
        if (v == nullptr || !v->is_string() || is_blank(v->as_string()))
          throw ArgumentError(field, "is required, a string");
        check_length(field, v->as_string(), kMaxNameChars);
        return std::string(v->as_string());
      };
      Criterion cr{text("key"), text("name"), Decimal()};
      std::optional<Decimal> max;
      try {
        max = arg_decimal(item.as_object(), "max", 1);
      } catch (const ArgumentError&) {
        throw ArgumentError("rubric.max", "must be a positive number with at most 1 decimal");
      }
      if (!max || *max <= Decimal()) throw ArgumentError("rubric.max", "must be a positive number");
      cr.max = *max;
      if (!keys.insert(cr.key).second) throw ArgumentError("rubric", "duplicate key " + cr.key);
      c.rubric.push_back(std::move(cr));
    }
  }
  c.drop_extremes = arg_bool(a, "drop_extremes").value_or(true);
  c.min_scores = checked_count(a, "min_scores", 3, 1);
  c.notice_days = checked_count(a, "notice_days", 5, 0);
  c.validity_years = checked_count(a, "validity_years", 3, 1);
  return c;
}

Decision open(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kCommittee})) return refuse(*r);
  RoundConfig config = config_from_args(c.args);
  if (load<RoundState>(ctx, c.stream)->exists())
    return reject(RejectionKind::kDuplicate, "duplicate", std::string(c.stream) + " exists");
  boost::json::object data = round_config_json(config);
  data["id"] = std::string(stream_id(c.stream));
  Decision d;
  d.events.push_back({std::string(c.stream), "RoundOpened", std::move(data)});
  return d;
}

Decision nominate(const engine::Command& c, DecideContext& ctx) {
  auto round = load<RoundState>(ctx, c.stream);
  if (auto refused = check(c, round, {Role::kUnit, Role::kCommittee}, RoundTrigger::kNominate))
    return *refused;
  const std::string brand_id = arg_required(c.args, "brand");
  auto brand = load<BrandState>(ctx, brand_stream(brand_id));
  if (!brand->exists()) return not_found("brand " + brand_id);
  if (auto r = require_scope(c.actor, {brand->branch, brand->unit})) return refuse(*r);
  if (round->is_nominated(brand_id))
    return reject(RejectionKind::kDuplicate, "duplicate",
                  "brand " + brand_id + " is nominated already");
  const bool selection = round->config.kind == "selection";
  const BrandTrigger trigger = selection ? BrandTrigger::kNominate : BrandTrigger::kStartReReview;
  if (!brand_target(brand->status(), trigger)) return illegal(brand->status(), trigger);
  if (selection && brand->reapply_after && ctx.now() < *brand->reapply_after)
    return lifted_at(*brand->reapply_after, rule("cooling_off",
                "brand " + brand_id + " may be nominated again from " +
                    format_rfc3339(*brand->reapply_after),
                "该品牌被撤销命名后两年内不得参评，" + beijing_date_zh(*brand->reapply_after) +
                    "起方可再次推荐"));
  if (round->config.unit_quota && role_of(c.actor) == Role::kUnit) {
    int used = 0;
    for (const auto& [b, unit] : round->nominee_unit) used += unit == brand->unit;
    if (used >= *round->config.unit_quota)
      return rule("quota_exceeded",
                  fmt::format("unit {} has used its {} nominations", brand->unit,
                              *round->config.unit_quota),
                  fmt::format("本单位在本批次的 {} 个推荐名额已用完", *round->config.unit_quota));
  }
  Decision d;
  d.events.push_back(
      {std::string(c.stream), "NominationAdded", {{"brand", brand_id}, {"unit", brand->unit}}});
  d.events.push_back({brand_stream(brand_id),
                      selection ? "BrandNominated" : "ReReviewStarted",
                      {{"round", std::string(stream_id(c.stream))}}});
  return d;
}

Decision assign(const engine::Command& c, DecideContext& ctx) {
  auto round = load<RoundState>(ctx, c.stream);
  if (auto refused = check(c, round, {Role::kCommittee}, RoundTrigger::kAssignExperts))
    return *refused;
  const auto* list = c.args.if_contains("experts");
  if (list == nullptr || !list->is_array() || list->as_array().empty())
    throw ArgumentError("experts", "is required, a non-empty array of user ids");
  boost::json::array added;
  for (const auto& e : list->as_array()) {
    if (!e.is_string()) throw ArgumentError("experts", "items are user ids");
    const std::string id(e.as_string());
    auto user = load<UserState>(ctx, user_stream(id));
    if (!user->exists) return not_found("user " + id);
    if (user->role != "expert") return rule("not_an_expert", "user " + id + " is not an expert");
    if (!round->is_expert(id) && std::find(added.begin(), added.end(), e) == added.end())
      added.push_back(e);
  }
  Decision d;
  d.events.push_back({std::string(c.stream), "ExpertsAssigned", {{"experts", std::move(added)}}});
  return d;
}

// The nominees still taking part: cancelled or withdrawn brands drop out.
std::vector<Loaded<BrandState>> participants(const RoundState& round, DecideContext& ctx,
                                             BrandStatus in) {
  std::vector<Loaded<BrandState>> out;
  for (const std::string& id : round.nominated) {
    auto brand = load<BrandState>(ctx, brand_stream(id));
    if (brand->status() == in && brand->round == round.id) out.push_back(std::move(brand));
  }
  return out;
}

BrandStatus scored_status(const RoundState& round) {
  return round.config.kind == "selection" ? BrandStatus::kUnderReview : BrandStatus::kReReview;
}

Decision start(const engine::Command& c, DecideContext& ctx) {
  auto round = load<RoundState>(ctx, c.stream);
  if (auto refused = check(c, round, {Role::kCommittee}, RoundTrigger::kStart)) return *refused;
  if (round->experts.empty()) return rule("no_experts", "assign experts before scoring starts");
  const bool selection = round->config.kind == "selection";
  auto nominees =
      participants(*round, ctx, selection ? BrandStatus::kNominated : BrandStatus::kReReview);
  if (nominees.empty()) return rule("no_nominations", "nothing to review");
  Decision d;
  d.events.push_back({std::string(c.stream), "ScoringStarted", {{"brands", nominees.size()}}});
  if (selection)
    for (const auto& b : nominees)
      d.events.push_back({brand_stream(b->id), "ReviewStarted", {{"round", round->id}}});
  return d;
}

Decision score(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kExpert})) return refuse(*r);
  auto round = load<RoundState>(ctx, c.stream);
  if (!round->exists()) return not_found("round " + std::string(stream_id(c.stream)));
  if (!round->is_expert(c.actor.id))
    return refuse(forbidden("expert " + c.actor.id + " is not assigned to this round"));
  const std::string brand_id = arg_required(c.args, "brand");
  if (!round->is_nominated(brand_id)) return not_found("brand " + brand_id + " in this round");
  auto brand = load<BrandState>(ctx, brand_stream(brand_id));
  // 回避: an expert never scores a brand of its own home unit.
  if (brand->unit == c.actor.org)
    return reject(RejectionKind::kForbidden, "conflict_of_interest",
                  "expert " + c.actor.id + " belongs to unit " + brand->unit,
                  "需回避：专家不能评审本单位（" + brand->unit + "）的品牌");
  if (!round_target(round->status(), RoundTrigger::kScore))
    return round_illegal(round->status(), RoundTrigger::kScore);
  if (brand->status() != scored_status(*round) || brand->round != round->id)
    return illegal(brand->status(), BrandTrigger::kPropose);
  const auto* given = c.args.if_contains("scores");
  if (given == nullptr || !given->is_object())
    throw ArgumentError("scores", "is required, an object of criterion points");
  for (const auto& member : given->as_object()) {
    const std::string_view key = member.key();  // not a structured binding: clang 14 cannot capture one
    if (std::none_of(round->config.rubric.begin(), round->config.rubric.end(),
                     [&](const Criterion& cr) { return cr.key == key; }))
      return rule("unknown_criterion",
                  "no criterion " + std::string(key) + " in this round's rubric",
                  "本批次的评分细则中没有评分项“" + std::string(key) + "”");
  }
  boost::json::object points;
  Decimal total;
  for (const Criterion& cr : round->config.rubric) {
    // Points have at most one decimal (API.md), and add up exactly.
    std::optional<Decimal> v;
    try {
      v = arg_decimal(given->as_object(), cr.key, 1);
    } catch (const ArgumentError& e) {
      throw ArgumentError("scores." + cr.key, "must be a number with at most 1 decimal");
    }
    if (!v) return rule("scores_missing", "no points for " + cr.key, "“" + cr.name + "”尚未打分");
    if (*v < Decimal() || *v > cr.max)
      return rule("score_out_of_range",
                  fmt::format("{} takes 0 to {}, not {}", cr.key, cr.max.to_string(), v->to_string()),
                  fmt::format("“{}”的分值范围是 0 至 {} 分，不能是 {}", cr.name, cr.max.to_string(),
                              v->to_string()));
    points[cr.key] = decimal_json(*v);
    total += *v;
  }
  Decision d;
  d.events.push_back({std::string(c.stream),
                      "ScoreRecorded",
                      {{"brand", brand_id},
                       {"expert", c.actor.id},
                       {"scores", std::move(points)},
                       {"total", decimal_json(total)}}});
  return d;
}

Decision close(const engine::Command& c, DecideContext& ctx) {
  auto round = load<RoundState>(ctx, c.stream);
  if (auto refused = check(c, round, {Role::kCommittee}, RoundTrigger::kClose)) return *refused;
  const bool force = arg_bool(c.args, "force").value_or(false);
  if (auto refused = require_comment(c)) return *refused;
  const bool selection = round->config.kind == "selection";

  std::map<std::string, std::string> expert_unit;
  for (const std::string& e : round->experts)
    expert_unit[e] = load<UserState>(ctx, user_stream(e))->org;

  std::vector<Candidate> candidates;
  std::map<std::string, int> n_scores;
  std::map<std::string, boost::json::array> dropped;  // brand -> experts whose totals the final left out
  std::vector<std::string> incomplete;  // brands missing a score, or under min_scores
  for (const auto& brand : participants(*round, ctx, scored_status(*round))) {
    std::vector<Decimal> totals;
    std::vector<std::string> scorers;  // whose total each is
    int missing_here = 0;
    auto scored = round->scores.find(brand->id);
    for (const auto& [expert, unit] : expert_unit) {
      if (unit == brand->unit) continue;  // 回避
      const Score* s = nullptr;
      if (scored != round->scores.end())
        if (auto it = scored->second.find(expert); it != scored->second.end()) s = &it->second;
      if (s == nullptr)
        ++missing_here;
      else {
        totals.push_back(s->total);
        scorers.push_back(expert);
      }
    }
    const bool enough = static_cast<int>(totals.size()) >= round->config.min_scores;
    if (missing_here > 0 || !enough) incomplete.push_back(brand->id);
    n_scores[brand->id] = static_cast<int>(totals.size());
    std::optional<Decimal> final;
    if (enough) {
      final = final_score(totals, round->config.drop_extremes);
      const std::vector<bool> left_out = dropped_totals(totals, round->config.drop_extremes);
      for (std::size_t i = 0; i < scorers.size(); ++i)
        if (left_out[i]) dropped[brand->id].emplace_back(scorers[i]);
    }
    candidates.push_back({brand->id, final, brand->filed_at.value_or(Timestamp{}), brand->title});
  }
  if (!incomplete.empty() && !force)
    return rule("scores_missing",
                fmt::format("{} lack scores (every assigned expert's, and at least {} each): {}; "
                            "close with force to rank without them",
                            incomplete.size() == 1 ? "1 brand" : fmt::format("{} brands", incomplete.size()),
                            round->config.min_scores, fmt::join(incomplete, ", ")),
                fmt::format("{} 个品牌评分不全（须有每位指派专家的评分，且每个品牌至少 {} 份）：{}；"
                            "如需不计这些品牌而排名，请强制结束评审",
                            incomplete.size(), round->config.min_scores, fmt::join(incomplete, "、")));

  const auto placements =
      selection ? place_selection(candidates, round->config.thresholds, round->config.quotas)
                : place_re_review(candidates, round->config.thresholds, round->config.quotas);
  boost::json::array results;
  Decision d;
  for (const Placement& p : placements) {
    boost::json::object r{
        {"brand", p.brand},
        {"rank", p.rank},
        {"final", decimal_json(p.final)},
        {"n_scores", n_scores[p.brand]},
        {"dropped", dropped[p.brand]},
        {"outcome", outcome_code(p.outcome)},
        {"title",
         p.title ? boost::json::value(title_code(*p.title)) : boost::json::value(nullptr)}};
    results.push_back(r);
    if (!selection) continue;
    boost::json::object data{{"round", round->id}, {"rank", p.rank}, {"final", r["final"]}};
    if (p.outcome == Outcome::kSelected) {
      data["title"] = title_code(*p.title);
      d.events.push_back({brand_stream(p.brand), "BrandProposed", std::move(data)});
    } else {
      d.events.push_back({brand_stream(p.brand), "BrandNotSelected", std::move(data)});
    }
  }
  d.events.insert(d.events.begin(),
                  {std::string(c.stream),
                   "RoundClosed",
                   {{"results", std::move(results)}, {"forced", force && !incomplete.empty()}}});
  return d;
}

Decision notice(const engine::Command& c, DecideContext& ctx) {
  auto round = load<RoundState>(ctx, c.stream);
  if (auto refused = check(c, round, {Role::kCommittee}, RoundTrigger::kPublishNotice))
    return *refused;
  if (auto refused = require_comment(c)) return *refused;
  const Timestamp ends = add_days(ctx.now(), round->config.notice_days);
  Decision d;
  d.events.push_back(
      {std::string(c.stream), "RoundNoticePublished", {{"notice_ends", time_json(ends)}}});
  if (round->config.kind == "selection")
    for (const auto& b : participants(*round, ctx, BrandStatus::kProposed))
      d.events.push_back({brand_stream(b->id),
                          "BrandNoticePublished",
                          {{"round", round->id}, {"notice_ends", time_json(ends)}}});
  return d;
}

Decision finalize(const engine::Command& c, DecideContext& ctx) {
  auto round = load<RoundState>(ctx, c.stream);
  if (auto refused = check(c, round, {Role::kCommittee}, RoundTrigger::kFinalize)) return *refused;
  if (auto refused = require_comment(c)) return *refused;
  if (round->notice_ends && ctx.now() < *round->notice_ends)
    return lifted_at(*round->notice_ends,
                     rule("notice_not_ended",
                          "the public notice ends " + format_rfc3339(*round->notice_ends),
                          "公示期至 " + beijing_time(*round->notice_ends) +
                              "（北京时间）结束，届时方可确认命名"));
  const Timestamp valid_until = add_years(ctx.now(), round->config.validity_years);
  Decision d;
  d.events.push_back({std::string(c.stream), "RoundFinalized", boost::json::object{}});
  if (round->config.kind == "selection") {
    if (!participants(*round, ctx, BrandStatus::kObjection).empty())
      return rule("objection_pending", "decide every objection before finalizing");
    for (const auto& b : participants(*round, ctx, BrandStatus::kPublicNotice))
      d.events.push_back({brand_stream(b->id),
                          "BrandNamed",
                          {{"round", round->id},
                           {"title", b->proposed_title ? title_code(*b->proposed_title) : ""},
                           {"valid_until", time_json(valid_until)}}});
    return d;
  }
  for (const Placement& p : round->results) {
    auto b = load<BrandState>(ctx, brand_stream(p.brand));
    if (b->status() != BrandStatus::kReReview || b->round != round->id) continue;
    boost::json::object data{
        {"round", round->id},
        {"outcome", outcome_code(p.outcome)},
        {"final", decimal_json(p.final)}};
    switch (p.outcome) {
      case Outcome::kPromoted:
      case Outcome::kRetained:
      case Outcome::kDemoted:
        data["title"] = title_code(*p.title);
        data["previous_title"] = b->title ? title_code(*b->title) : "";
        data["valid_until"] = time_json(valid_until);
        d.events.push_back({brand_stream(p.brand), "ReReviewConcluded", std::move(data)});
        break;
      case Outcome::kRectifying:
        data["deadline"] = time_json(add_days(ctx.now(), kRectificationDays));
        data["validity_years"] = round->config.validity_years;
        d.events.push_back({brand_stream(p.brand), "RectificationOrdered", std::move(data)});
        break;
      case Outcome::kRevoked:
        data["title"] = b->title ? title_code(*b->title) : "";
        data["cooling_off_until"] = time_json(add_years(ctx.now(), kCoolingOffYears));
        d.events.push_back({brand_stream(p.brand), "RevokedByReview", std::move(data)});
        break;
      default:  // too few scores to judge: the title stands as it was
        d.events.push_back({brand_stream(p.brand), "ReReviewConcluded", std::move(data)});
    }
  }
  return d;
}

}  // namespace

void add_round_commands(engine::Domain& d) {
  add_handler(d, "round.open", open);
  add_handler(d, "round.nominate", nominate);
  add_handler(d, "round.assign", assign);
  add_handler(d, "round.start", start);
  add_handler(d, "round.score", score);
  add_handler(d, "round.close", close);
  add_handler(d, "round.notice", notice);
  add_handler(d, "round.finalize", finalize);
}

}  // namespace brandledger::workflows
