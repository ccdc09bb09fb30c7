#include "workflows/authorization.h"

#include <algorithm>
#include <array>
#include <string>

namespace brandledger::workflows {
namespace {

constexpr std::array<std::pair<std::string_view, Role>, 7> kRoles = {
    {{"admin", Role::kAdmin},
     {"committee", Role::kCommittee},
     {"unit", Role::kUnit},
     {"branch", Role::kBranch},
     {"expert", Role::kExpert},
     {"auditor", Role::kAuditor},
     {"system", Role::kSystem}}};

}  // namespace

std::optional<Role> parse_role(std::string_view code) {
  for (const auto& [name, role] : kRoles)
    if (name == code) return role;
  return std::nullopt;
}

bool is_user_role(std::string_view code) {
  auto r = parse_role(code);
  return r && *r != Role::kSystem;
}

Role role_of(const engine::Actor& actor) {
  return parse_role(actor.role).value_or(Role::kUnknown);
}

engine::Rejection forbidden(std::string detail) {
  return {engine::RejectionKind::kForbidden, "forbidden", std::move(detail), {}};
}

std::optional<engine::Rejection> require_role(const engine::Actor& actor,
                                              std::initializer_list<Role> allowed) {
  if (std::find(allowed.begin(), allowed.end(), role_of(actor)) != allowed.end())
    return std::nullopt;
  return forbidden("role " + actor.role + " may not do this");
}

std::optional<engine::Rejection> require_scope(const engine::Actor& actor,
                                               const BrandScope& scope) {
  switch (role_of(actor)) {
    case Role::kCommittee:
    case Role::kAdmin:
    case Role::kSystem: return std::nullopt;
    case Role::kUnit:
      if (actor.org == scope.unit) return std::nullopt;
      return forbidden("unit " + actor.org + " acts only on its own branches' brands");
    case Role::kBranch:
      if (actor.org == scope.branch) return std::nullopt;
      return forbidden("branch " + actor.org + " acts only on its own brand");
    default: return forbidden("role " + actor.role + " changes no brand");
  }
}

std::vector<std::string_view> transition_roles(const BrandTransition& t) {
  using T = BrandTrigger;
  switch (t.trigger) {
    case T::kCreate:
      return {"branch", "committee"};
    case T::kEdit:
    case T::kSubmit:
    case T::kWithdraw:
    case T::kReopen:
    case T::kReportProgress:
    case T::kAppeal:
      return {"branch"};
    case T::kApprove:
      return {"unit"};
    case T::kReturn:  // the unit returns what a branch submitted; the committee what a unit approved
      return {t.from == BrandStatus::kSubmitted ? "unit" : "committee"};
    case T::kRaiseObjection:
      return {"committee", "unit", "branch", "expert"};
    case T::kMissRectificationDeadline:
    case T::kExpire:
      return {"system"};
    default:  // filing, rounds, re-reviews, rectification and appeal decisions, 一票否决, cancel
      return {"committee"};
  }
}

}  // namespace brandledger::workflows
