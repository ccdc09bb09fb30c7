#include "workflows/domain.h"

#include "workflows/credentials.h"
#include "workflows/decide.h"
#include "workflows/lookups.h"

namespace brandledger::workflows {

void add_handler(engine::Domain& domain, std::string type, engine::CommandHandler handler) {
  domain.handlers[std::move(type)] = [h = std::move(handler)](const engine::Command& c,
                                                              DecideContext& ctx) {
    // The comment is the envelope's, like its type: checked first, for every command,
    // before the command's own checks. An ArgumentError (this one, or the handler's) is
    // refused by the engine, naming the field.
    check_length("comment", c.comment, kMaxReasonChars);
    return h(c, ctx);
  };
}

engine::Domain make_domain() {
  engine::Domain d;
  d.aggregates.push_back({"org-", [] { return std::make_unique<OrgState>(); }});
  d.aggregates.push_back({"user-", [] { return std::make_unique<UserState>(); }});
  d.aggregates.push_back({"brand-", [] { return std::make_unique<BrandState>(); }});
  d.aggregates.push_back({"round-", [] { return std::make_unique<RoundState>(); }});
  d.aggregates.push_back(
      {std::string(kSettingsStream), [] { return std::make_unique<SettingsState>(); }});
  d.projections.push_back(make_lookup_views());
  d.on_open.push_back(adopt_logged_tokens);
  add_org_commands(d);
  add_account_commands(d);
  add_brand_commands(d);
  add_round_commands(d);
  return d;
}

}  // namespace brandledger::workflows
