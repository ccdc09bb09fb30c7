// The brand's own commands: 培育, 备案, progress, revocation, rectification decisions,
// appeals, objections, cancellation, and the timers of rectification and expiry.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "workflows/decide.h"
#include "workflows/lookups.h"

namespace brandledger::workflows {
namespace {

constexpr std::string_view kContentFields[] = {
    "name",    "slogan",        "theme", "connotation", "features",
    "effects", "business_link", "plan",  "logo",        "attachments"};

// The content fields present in args, checked: text fields are strings, plan any JSON,
// attachments an array of {name, sha256, url}. Each field holds at most kMaxContentChars
// characters (plan and attachments: their JSON text), the name at most kMaxNameChars.
boost::json::object content_args(const boost::json::object& args) {
  boost::json::object out;
  for (std::string_view key : kContentFields) {
    const auto* v = args.if_contains(key);
    if (v == nullptr) continue;
    if (key == "plan") {
      if (v->is_string())
        check_length(key, v->as_string(), kMaxContentChars);
      else
        check_length(key, boost::json::serialize(*v), kMaxContentChars);
      out[key] = *v;
    } else if (key == "attachments") {
      if (!v->is_array()) throw ArgumentError("attachments", "must be an array");
      for (const auto& a : v->as_array()) {
        if (!a.is_object()) throw ArgumentError("attachments", "items must be objects");
        const auto name = arg_string(a.as_object(), "name");
        if (!name || is_blank(*name)) throw ArgumentError("attachments.name", "is required");
        check_length("attachments.name", *name, kMaxNameChars);
      }
      check_length(key, boost::json::serialize(*v), kMaxContentChars);
      out[key] = *v;
    } else {
      if (!v->is_string() && !v->is_null())
        throw ArgumentError(std::string(key), "must be a string");
      if (v->is_string())
        check_length(key, v->as_string(), key == "name" ? kMaxNameChars : kMaxContentChars);
      out[key] = v->is_null() ? boost::json::string() : v->as_string();
    }
  }
  if (const auto* name = out.if_contains("name"); name != nullptr && is_blank(name->as_string()))
    throw ArgumentError("name", "must not be blank");
  return out;
}

Decision one_event(std::string stream, std::string type, boost::json::object data = {}) {
  Decision d;
  d.events.push_back({std::move(stream), std::move(type), std::move(data)});
  return d;
}

// The checks every command on an existing brand starts with: role, existence, scope,
// and whether the machine allows the trigger now.
struct BrandCheck {
  std::initializer_list<Role> roles;
  BrandTrigger trigger;
};

std::optional<Decision> check(const engine::Command& c, const Loaded<BrandState>& brand,
                              const BrandCheck& rules) {
  if (auto r = require_role(c.actor, rules.roles)) return refuse(*r);
  if (!brand->exists()) return not_found("brand " + std::string(stream_id(c.stream)));
  if (auto r = require_scope(c.actor, {brand->branch, brand->unit})) return refuse(*r);
  if (!brand_target(brand->status(), rules.trigger)) return illegal(brand->status(), rules.trigger);
  return std::nullopt;
}

Decision create(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kBranch, Role::kCommittee})) return refuse(*r);
  std::string branch = arg_string(c.args, "branch").value_or("");
  if (role_of(c.actor) == Role::kBranch) {
    if (branch.empty()) branch = c.actor.org;
    if (branch != c.actor.org) return refuse(forbidden("a branch creates only its own brand"));
  }
  if (branch.empty()) throw ArgumentError("branch", "is required");
  boost::json::object data = content_args(c.args);
  if (!data.contains("name")) throw ArgumentError("name", "is required");

  auto org = load<OrgState>(ctx, org_stream(branch));
  if (!org->exists || org->kind != "branch") return not_found("branch " + branch);
  if (org->dissolved) return rule("org_dissolved", "branch " + branch + " was dissolved");
  auto brand = load<BrandState>(ctx, c.stream);
  if (brand->exists())
    return reject(RejectionKind::kDuplicate, "duplicate", std::string(c.stream) + " exists");
  if (auto active = active_brand_of(ctx.views(), branch))
    return rule("one_brand_per_branch", "branch " + branch + " already has brand " + *active);

  data["id"] = std::string(stream_id(c.stream));
  data["branch"] = branch;
  data["branch_name"] = org->name;
  data["unit"] = org->parent;
  data["org_type"] = org->org_type;
  return one_event(c.stream, "BrandCreated", std::move(data));
}

Decision edit(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kBranch}, BrandTrigger::kEdit})) return *refused;
  boost::json::object data = content_args(c.args);
  if (data.empty())
    throw ArgumentError("name", "nothing to change: send at least one content field");
  return one_event(c.stream, "BrandEdited", std::move(data));
}

Decision submit(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kBranch}, BrandTrigger::kSubmit})) return *refused;
  // 四有: 有主题、有内涵、有特色、有效果.
  std::vector<std::string> missing, missing_zh;
  for (const auto& [field, label, value] :
       {std::tuple{"theme", "有主题", &brand->theme}, std::tuple{"connotation", "有内涵", &brand->connotation},
        std::tuple{"features", "有特色", &brand->features}, std::tuple{"effects", "有效果", &brand->effects}})
    if (is_blank(*value)) {
      missing.emplace_back(field);
      missing_zh.emplace_back(label);
    }
  if (!missing.empty())
    return rule("incomplete_four_haves",
                fmt::format("四有 incomplete, missing: {}", fmt::join(missing, ", ")),
                fmt::format("“四有”不完整，尚缺：{}", fmt::join(missing_zh, "、")));
  return one_event(c.stream, "BrandSubmitted");
}

Decision simple(const engine::Command& c, DecideContext& ctx, Role role, BrandTrigger trigger,
                std::string type) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{role}, trigger})) return *refused;
  return one_event(c.stream, std::move(type), {{"branch", brand->branch}});
}

Decision approve(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kUnit}, BrandTrigger::kApprove})) return *refused;
  if (auto refused = require_comment(c)) return *refused;
  return one_event(c.stream, "BrandApproved", {{"branch", brand->branch}});
}

Decision reopen(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kBranch}, BrandTrigger::kReopen})) return *refused;
  if (auto active = active_brand_of(ctx.views(), brand->branch); active && *active != brand->id)
    return rule("one_brand_per_branch",
                "branch " + brand->branch + " already has brand " + *active);
  return one_event(c.stream, "BrandReopened", {{"branch", brand->branch}});
}

Decision return_brand(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto r = require_role(c.actor, {Role::kUnit, Role::kCommittee})) return refuse(*r);
  if (!brand->exists()) return not_found("brand " + std::string(stream_id(c.stream)));
  if (auto r = require_scope(c.actor, {brand->branch, brand->unit})) return refuse(*r);
  const std::string reason = arg_required(c.args, "reason", kMaxReasonChars);
  // The unit returns what it has to review; the committee what it has to file.
  const Role expected = brand->status() == BrandStatus::kSubmitted ? Role::kUnit : Role::kCommittee;
  if (!brand_target(brand->status(), BrandTrigger::kReturn))
    return illegal(brand->status(), BrandTrigger::kReturn);
  if (role_of(c.actor) != expected)
    return refuse(forbidden(std::string(status_code(brand->status())) +
                            " brands are returned by the " +
                            (expected == Role::kUnit ? "unit" : "committee")));
  if (auto refused = require_comment(c)) return *refused;
  return one_event(c.stream, "BrandReturned", {{"reason", reason}, {"by", c.actor.role}});
}

Decision file(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kCommittee}, BrandTrigger::kFile})) return *refused;
  if (auto refused = require_comment(c)) return *refused;
  const int year = utc_year(ctx.now());
  const std::int64_t seq = counter(ctx.views(), filing_counter(year)) + 1;
  return one_event(c.stream, "BrandFiled",
                   {{"filing_no", fmt::format("备-{}-{:04}", year, seq)}, {"year", year}});
}

Decision progress(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kBranch}, BrandTrigger::kReportProgress}))
    return *refused;
  auto year = arg_int(c.args, "year");
  if (!year || *year < 2000 || *year > 2100)
    throw ArgumentError("year", "is required, a year like 2026");
  return one_event(
      c.stream, "ProgressReported",
      {{"year", *year}, {"summary", arg_required(c.args, "summary", kMaxContentChars)}});
}

Decision revoke(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kCommittee}, BrandTrigger::kRevoke})) return *refused;
  const std::string reason = arg_required(c.args, "reason", kMaxReasonChars);
  const bool veto = arg_bool(c.args, "veto").value_or(false);
  if (auto refused = require_comment(c)) return *refused;
  return one_event(c.stream, "TitleRevoked",
                   {{"reason", reason},
                    {"veto", veto},
                    {"title", brand->title ? title_code(*brand->title) : ""},
                    {"cooling_off_until", time_json(add_years(ctx.now(), kCoolingOffYears))}});
}

Decision rectification(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  auto passed = arg_bool(c.args, "passed");
  if (!passed) throw ArgumentError("passed", "is required: true or false");
  const BrandTrigger trigger =
      *passed ? BrandTrigger::kPassRectification : BrandTrigger::kFailRectification;
  if (auto refused = check(c, brand, {{Role::kCommittee}, trigger})) return *refused;
  if (auto refused = require_comment(c)) return *refused;
  if (*passed)
    return one_event(
        c.stream, "RectificationPassed",
        {{"valid_until", time_json(add_years(ctx.now(), brand->rectify_validity_years))}});
  return one_event(c.stream, "RectificationFailed",
                   {{"cooling_off_until", time_json(add_years(ctx.now(), kCoolingOffYears))}});
}

Decision rectification_deadline(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kSystem}, BrandTrigger::kMissRectificationDeadline}))
    return *refused;
  if (!brand->rectify_by || ctx.now() < *brand->rectify_by)
    return rule("deadline_not_passed", "the rectification deadline has not passed");
  return one_event(c.stream, "RectificationDeadlineMissed",
                   {{"deadline", time_json(brand->rectify_by)},
                    {"cooling_off_until", time_json(add_years(ctx.now(), kCoolingOffYears))}});
}

Decision expire(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kSystem}, BrandTrigger::kExpire})) return *refused;
  if (!brand->valid_until || ctx.now() < add_days(*brand->valid_until, kExpiryGraceDays))
    return rule("not_expired", "the title is within its validity and grace period");
  return one_event(c.stream, "TitleExpired", {{"valid_until", time_json(brand->valid_until)}});
}

Decision appeal(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kBranch}, BrandTrigger::kAppeal})) return *refused;
  const std::string reason = arg_required(c.args, "reason", kMaxReasonChars);
  if (!brand->adverse) return rule("nothing_to_appeal", "no demotion or revocation to appeal");
  if (ctx.now() > add_days(brand->adverse->at, kAppealWindowDays))
    return rule("appeal_window_closed",
                fmt::format("appeals are taken within {} days of the decision", kAppealWindowDays),
                fmt::format("申诉须在决定作出后 {} 日内提出，申诉期已于{}结束", kAppealWindowDays,
                            beijing_date_zh(add_days(brand->adverse->at, kAppealWindowDays))));
  return one_event(c.stream, "AppealFiled",
                   {{"reason", reason}, {"revoked", brand->adverse->revoked}});
}

Decision appeal_decision(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  auto granted = arg_bool(c.args, "granted");
  if (!granted) throw ArgumentError("granted", "is required: true or false");
  if (auto refused = check(c, brand, {{Role::kCommittee}, BrandTrigger::kGrantAppealToNamed}))
    return *refused;
  if (auto refused = require_comment(c)) return *refused;
  const AdverseDecision adverse = brand->adverse.value_or(AdverseDecision{});
  if (*granted) {
    // The previous title and state come back.
    const bool to_rectifying = adverse.previous_status == BrandStatus::kRectifying;
    boost::json::object data{
        {"to", to_rectifying ? "rectifying" : "named"},
        {"title", adverse.previous_title ? title_code(*adverse.previous_title) : ""},
        {"valid_until", time_json(adverse.previous_valid_until)}};
    if (to_rectifying) data["rectify_by"] = time_json(add_days(ctx.now(), kRectificationDays));
    return one_event(c.stream, "AppealGranted", std::move(data));
  }
  return one_event(c.stream, "AppealRejected", {{"to", adverse.revoked ? "filed" : "named"}});
}

Decision cancel(const engine::Command& c, DecideContext& ctx) {
  auto brand = load<BrandState>(ctx, c.stream);
  if (auto refused = check(c, brand, {{Role::kCommittee}, BrandTrigger::kCancel})) return *refused;
  const std::string reason = arg_required(c.args, "reason", kMaxReasonChars);
  if (auto refused = require_comment(c)) return *refused;
  return one_event(c.stream, "BrandCancelled", {{"reason", reason}, {"branch", brand->branch}});
}

Decision raise_objection(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kCommittee, Role::kUnit, Role::kBranch, Role::kExpert}))
    return refuse(*r);
  auto brand = load<BrandState>(ctx, c.stream);
  if (!brand->exists()) return not_found("brand " + std::string(stream_id(c.stream)));
  if (!brand_target(brand->status(), BrandTrigger::kRaiseObjection))
    return illegal(brand->status(), BrandTrigger::kRaiseObjection);
  const std::string id = fmt::format("obj-{}", brand->objections.size() + 1);
  Decision d = one_event(c.stream, "ObjectionRaised",
                         {{"objection", id},
                          {"reason", arg_required(c.args, "reason", kMaxReasonChars)},
                          {"round", brand->round}});
  d.reply = {{"id", id}};
  return d;
}

Decision decide_objection(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kCommittee})) return refuse(*r);
  auto brand = load<BrandState>(ctx, c.stream);
  if (!brand->exists()) return not_found("brand " + std::string(stream_id(c.stream)));
  const std::string id = arg_required(c.args, "objection");
  auto upheld = arg_bool(c.args, "upheld");
  if (!upheld) throw ArgumentError("upheld", "is required: true or false");
  const BrandTrigger trigger =
      *upheld ? BrandTrigger::kUpholdObjection : BrandTrigger::kDismissObjection;
  if (!brand_target(brand->status(), trigger)) return illegal(brand->status(), trigger);
  const Objection* objection = brand->objection(id);
  if (objection == nullptr) return not_found("objection " + id);
  if (objection->status != "pending")
    return reject(RejectionKind::kIllegalTransition, "illegal_transition",
                  "objection " + id + " was decided");
  if (auto refused = require_comment(c)) return *refused;
  return one_event(c.stream, *upheld ? "ObjectionUpheld" : "ObjectionDismissed",
                   {{"objection", id}, {"round", brand->round}});
}

}  // namespace

void add_brand_commands(engine::Domain& d) {
  add_handler(d, "brand.create", create);
  add_handler(d, "brand.edit", edit);
  add_handler(d, "brand.submit", submit);
  add_handler(d, "brand.withdraw", [](const engine::Command& c, DecideContext& ctx) {
    return simple(c, ctx, Role::kBranch, BrandTrigger::kWithdraw, "BrandWithdrawn");
  });
  add_handler(d, "brand.reopen", reopen);
  add_handler(d, "brand.approve", approve);
  add_handler(d, "brand.return", return_brand);
  add_handler(d, "brand.file", file);
  add_handler(d, "brand.progress", progress);
  add_handler(d, "brand.revoke", revoke);
  add_handler(d, "brand.rectification", rectification);
  add_handler(d, "brand.rectification_deadline", rectification_deadline);
  add_handler(d, "brand.expire", expire);
  add_handler(d, "brand.appeal", appeal);
  add_handler(d, "brand.appeal_decision", appeal_decision);
  add_handler(d, "brand.cancel", cancel);
  add_handler(d, "brand.objection", raise_objection);
  add_handler(d, "brand.objection_decision", decide_objection);
}

}  // namespace brandledger::workflows
