// What the console draws its buttons and diagram from: GET /v1/brands/{id}/actions (the
// handlers' own decision, dry-run) and GET /v1/lifecycle (the state machine's table), held
// together: whoever the lifecycle says fires a transition is offered that action, and no
// one else is.
#include <set>

#include "tests/api/world.h"

using namespace brandledger::testing;
using boost::json::object;

namespace {

std::set<std::string> allowed(World& w, const std::string& who, const std::string& brand) {
  auto a = World::obj(w.as(who).get("/v1/brands/" + brand + "/actions"));
  std::set<std::string> out;
  for (const auto& item : a.at("allowed").as_array()) out.insert(text(item.at("action")));
  return out;
}

object denied(World& w, const std::string& who, const std::string& brand,
              const std::string& action) {
  auto a = World::obj(w.as(who).get("/v1/brands/" + brand + "/actions"));
  for (const auto& item : a.at("denied").as_array())
    if (item.at("action") == action.c_str()) return item.as_object();
  return {};
}

// The lifecycle's transitions from `state`: action -> who fires it.
std::map<std::string, std::string> transitions_from(const boost::json::object& lifecycle,
                                                    const std::string& state) {
  std::map<std::string, std::string> out;
  for (const auto& t : lifecycle.at("transitions").as_array())
    if (t.at("from").is_string() && t.at("from") == state.c_str())
      out[text(t.at("action"))] = text(t.at("role"));
  return out;
}

}  // namespace

TEST_CASE("actions: what each caller may do now - with what it needs - and which rule says no") {
  World w;
  auto b = World::obj(w.as("b1").post("/v1/brands", {{"name", "只有名字"}}));
  const std::string id = text(b.at("id"));

  CHECK(allowed(w, "b1", id) == std::set<std::string>{"edit", "withdraw"});
  // 四有 incomplete: submit is the branch's, but a rule refuses it, and says which.
  auto submit = denied(w, "b1", id, "submit");
  CHECK(submit.at("code") == "incomplete_four_haves");
  CHECK(submit.at("detail").as_string().size() > 0);
  CHECK(allowed(w, "u1", id).empty());       // nothing to approve yet
  CHECK(allowed(w, "committee", id).count("cancel") == 1);
  CHECK(w.as("b3").get("/v1/brands/" + id + "/actions").status == 403);  // another branch's
  CHECK(http(w.port(), "GET", "/v1/brands/" + id + "/actions").status == 401);
  CHECK(w.as("b1").get("/v1/brands/nope/actions").status == 404);

  World::obj(w.as("b1").patch("/v1/brands/" + id, World::content("只有名字")));
  CHECK(allowed(w, "b1", id).count("submit") == 1);
  World::obj(w.as("b1").post("/v1/brands/" + id + "/submit"));
  auto unit = World::obj(w.as("u1").get("/v1/brands/" + id + "/actions"));
  bool approve_needs_comment = false;
  for (const auto& a : unit.at("allowed").as_array())
    if (a.at("action") == "approve")
      for (const auto& n : a.at("needs").as_array()) approve_needs_comment |= n == "comment";
  CHECK(approve_needs_comment);
  CHECK(w.as("u2").get("/v1/brands/" + id + "/actions").status == 403);  // another unit's
  const auto before = w.events();
  (void)allowed(w, "u1", id);
  CHECK(w.events() == before);  // asking writes nothing
}

TEST_CASE("the lifecycle from the state machine: states with labels - who fires each transition "
          "- and the actions offered agree with it") {
  World w;
  auto lifecycle = World::obj(w.as("auditor").get("/v1/lifecycle"));
  std::map<std::string, std::string> labels;
  for (const auto& s : lifecycle.at("states").as_array())
    labels[text(s.at("code"))] = text(s.at("label"));
  CHECK(labels.at("cultivating") == "培育中");
  CHECK(labels.at("filed") == "已备案");
  CHECK(labels.size() == 15);
  bool creation = false;
  for (const auto& t : lifecycle.at("transitions").as_array())
    if (t.at("from").is_null()) creation = t.at("to") == "cultivating" && t.at("action") == "create";
  CHECK(creation);

  // Each state a brand reaches by plain steps: the lifecycle's roles are the ones offered.
  const std::map<std::string, std::string> who = {
      {"branch", "b1"}, {"unit", "u1"}, {"committee", "committee"}};
  const std::set<std::string> brand_actions = {"edit",   "submit", "withdraw", "reopen", "approve",
                                               "return", "file",   "revoke",   "cancel"};
  for (const std::string state : {"cultivating", "submitted", "unit_approved", "filed"}) {
    const std::string id = w.brand("b1", state);
    for (const auto& [action, role] : transitions_from(lifecycle, state)) {
      if (!brand_actions.count(action)) continue;
      INFO(state << ": " << action << " by " << role);
      for (const auto& [r, user] : who)
        CHECK(allowed(w, user, id).count(action) == (role.find(r) != std::string::npos ? 1u : 0u));
    }
    World::obj(w.as("committee").post("/v1/brands/" + id + "/cancel", {{"reason", "下一项"}}));
  }
}
