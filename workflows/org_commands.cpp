// Organisations (三级联动: committee → units → branches) and settings; users and their
// credentials are in account_commands.cpp.
#include <boost/json.hpp>

#include "workflows/decide.h"
#include "workflows/lookups.h"

namespace brandledger::workflows {
namespace {

Decision create_org(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kAdmin})) return refuse(*r);
  const std::string id = arg_id(c.args, "id");
  const std::string name = arg_required(c.args, "name", kMaxNameChars);
  const std::string kind = arg_required(c.args, "kind");
  if (kind != "committee" && kind != "unit" && kind != "branch")
    throw ArgumentError("kind", "is committee, unit or branch");
  std::string parent = arg_string(c.args, "parent").value_or("");
  std::string org_type = arg_string(c.args, "org_type").value_or("");
  if (kind == "branch") {
    if (org_type.empty()) org_type = "党支部";
    if (org_type != "党委" && org_type != "党总支" && org_type != "党支部")
      throw ArgumentError("org_type", "is 党委, 党总支 or 党支部");
  } else if (!org_type.empty()) {
    throw ArgumentError("org_type", "is only for branches");
  }
  if (load<OrgState>(ctx, org_stream(id))->exists)
    return reject(RejectionKind::kDuplicate, "duplicate", "org " + id + " exists");
  if (kind == "committee") {
    if (!parent.empty()) throw ArgumentError("parent", "a committee has no parent");
  } else {
    if (parent.empty()) throw ArgumentError("parent", "is required");
    auto p = load<OrgState>(ctx, org_stream(parent));
    if (!p->exists) return not_found("org " + parent);
    const std::string expected = kind == "unit" ? "committee" : "unit";
    if (p->kind != expected)
      return rule("invalid_parent", "a " + kind + " hangs under a " + expected);
    if (p->dissolved) return rule("org_dissolved", "org " + parent + " was dissolved");
  }
  Decision d;
  d.events.push_back(
      {org_stream(id),
       "OrgCreated",
       {{"id", id}, {"name", name}, {"kind", kind}, {"parent", parent}, {"org_type", org_type}}});
  return d;
}

// Dissolving (or merging away) a branch cancels its brand, without penalty.
Decision dissolve_org(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kAdmin, Role::kCommittee})) return refuse(*r);
  auto org = load<OrgState>(ctx, c.stream);
  if (!org->exists) return not_found("org " + std::string(stream_id(c.stream)));
  if (org->kind != "branch") return rule("unsupported_org_kind", "only branches are dissolved");
  if (org->dissolved)
    return reject(RejectionKind::kIllegalTransition, "illegal_transition", "already dissolved");
  const std::string reason = arg_string(c.args, "reason").value_or("branch dissolved");
  check_length("reason", reason, kMaxReasonChars);
  Decision d;
  d.events.push_back({std::string(c.stream), "OrgDissolved", {{"reason", reason}}});
  if (auto brand_id = active_brand_of(ctx.views(), org->id)) {
    auto brand = load<BrandState>(ctx, brand_stream(*brand_id));
    if (brand_target(brand->status(), BrandTrigger::kCancel))
      d.events.push_back({brand_stream(*brand_id),
                          "BrandCancelled",
                          {{"reason", reason}, {"branch", org->id}, {"dissolved", true}}});
  }
  return d;
}

Decision put_settings(const engine::Command& c, DecideContext&) {
  if (auto r = require_role(c.actor, {Role::kCommittee, Role::kAdmin})) return refuse(*r);
  const auto* a = c.args.if_contains("assessment");
  if (a == nullptr || !a->is_object()) throw ArgumentError("assessment", "is required, an object");
  boost::json::object assessment;
  const auto& in = a->as_object();
  // Points are exact decimals with at most 2 fractional digits (API.md).
  auto points = [](const boost::json::object& o, std::string_view key, const std::string& field) {
    std::optional<Decimal> p;
    try {
      p = arg_decimal(o, key, 2);
    } catch (const ArgumentError&) {
      throw ArgumentError(field, "must be a number >= 0 with at most 2 decimals");
    }
    if (p && *p < Decimal()) throw ArgumentError(field, "must be a number >= 0");
    return p;
  };
  if (auto p = points(in, "filed_points", "assessment.filed_points"))
    assessment["filed_points"] = decimal_json(*p);
  if (const auto* bonus = in.if_contains("title_bonus")) {
    if (!bonus->is_object()) throw ArgumentError("assessment.title_bonus", "must be an object");
    boost::json::object out;
    for (const auto& [k, v] : bonus->as_object()) {
      if (!parse_title(k))
        throw ArgumentError("assessment.title_bonus", "unknown title " + std::string(k));
      const std::string field = "assessment.title_bonus." + std::string(k);
      auto n = points(bonus->as_object(), k, field);
      if (!n) throw ArgumentError(field, "must be a number >= 0");
      out[k] = decimal_json(*n);
    }
    assessment["title_bonus"] = std::move(out);
  }
  Decision d;
  d.events.push_back(
      {std::string(kSettingsStream), "SettingsChanged", {{"assessment", std::move(assessment)}}});
  return d;
}

}  // namespace

void add_org_commands(engine::Domain& d) {
  add_handler(d, "org.create", create_org);
  add_handler(d, "org.dissolve", dissolve_org);
  add_handler(d, "settings.put", put_settings);
}

}  // namespace brandledger::workflows
