// Who may do what, where (DOMAIN.md "People and roles"). A domain rule: every handler
// asks before it looks at state, so a refusal never depends on what the actor may not see.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "workflows/brand_lifecycle.h"

namespace brandledger::workflows {

enum class Role { kAdmin, kCommittee, kUnit, kBranch, kExpert, kAuditor, kSystem, kUnknown };

Role role_of(const engine::Actor& actor);
std::optional<Role> parse_role(std::string_view code);
bool is_user_role(std::string_view code);  // one of the six a user may have

// 403 forbidden unless the actor's role is among `allowed`.
std::optional<engine::Rejection> require_role(const engine::Actor& actor,
                                              std::initializer_list<Role> allowed);

// The org subtree a brand sits in.
struct BrandScope {
  std::string_view branch;
  std::string_view unit;
};

// 403 forbidden when a unit user acts outside its unit or a branch user outside its branch.
// Committee, admin and system act everywhere; experts and auditors never change brands.
std::optional<engine::Rejection> require_scope(const engine::Actor& actor, const BrandScope& scope);

engine::Rejection forbidden(std::string detail);

// Who fires a transition of the brand lifecycle, for GET /v1/lifecycle: "branch", "unit",
// "committee" (itself, or through a round's commands: nomination, review, notice, naming,
// re-review), "system" (a timer: a missed rectification deadline, a title's expiry). The
// brand commands' role checks (brand_commands.cpp) say the same; the lifecycle test in
// tests/api holds the two together.
std::vector<std::string_view> transition_roles(const BrandTransition& transition);

}  // namespace brandledger::workflows
