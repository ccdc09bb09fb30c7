// Model-based test of the brand lifecycle before review rounds (培育 → 备案, withdrawal,
// reopening, cancellation, edits, progress): a deliberately plain reference model, written
// apart from the MSM code, predicts every random command from every role; the engine's
// answer and the brand's state must agree with it after every step, and replaying the log
// must give the same states.
#include <random>
#include <set>

#include "tests/workflows/domain_fixture.h"

using namespace brandledger;
using namespace brandledger::workflows;
using brandledger::testing::Harness;

namespace {

// The reference model: states as plain strings, rules as plain code.
struct ModelBrand {
  std::string id, branch, unit;
  std::string state = "none";
};

struct Model {
  std::vector<ModelBrand> brands;

  bool active(const ModelBrand& b) const {
    return b.state != "none" && b.state != "withdrawn" && b.state != "cancelled";
  }
  bool branch_has_other_active(const ModelBrand& b) const {
    for (const auto& other : brands)
      if (other.id != b.id && other.branch == b.branch && active(other)) return true;
    return false;
  }

  // What the command should answer ("accepted" or a refusal code); moves the model.
  std::string apply(ModelBrand& b, const std::string& command, const engine::Actor& who) {
    const std::string role = who.role;
    auto in_scope = [&] {
      if (role == "committee" || role == "admin") return true;
      if (role == "unit") return who.org == b.unit;
      if (role == "branch") return who.org == b.branch;
      return false;
    };
    auto allowed_roles = [&](std::set<std::string> roles) { return roles.count(role) > 0; };
    auto move = [&](std::set<std::string> roles, std::set<std::string> from,
                    std::string to) -> std::string {
      if (!allowed_roles(roles)) return "forbidden";
      if (b.state == "none") return "not_found";
      if (!in_scope()) return "forbidden";
      if (!from.count(b.state)) return "illegal_transition";
      if (!to.empty()) b.state = to;
      return "accepted";
    };
    if (command == "brand.create") {
      if (!allowed_roles({"branch", "committee"})) return "forbidden";
      if (role == "branch" && who.org != b.branch) return "forbidden";
      if (b.state != "none") return "duplicate";
      if (branch_has_other_active(b)) return "one_brand_per_branch";
      b.state = "cultivating";
      return "accepted";
    }
    if (command == "brand.edit") return move({"branch"}, {"cultivating", "filed", "named"}, "");
    if (command == "brand.submit") return move({"branch"}, {"cultivating"}, "submitted");
    if (command == "brand.withdraw")
      return move({"branch"}, {"cultivating", "submitted", "unit_approved"}, "withdrawn");
    if (command == "brand.reopen") {
      const std::string before = b.state;
      std::string r = move({"branch"}, {"withdrawn"}, "cultivating");
      if (r == "accepted" && branch_has_other_active(b)) {
        b.state = before;
        return "one_brand_per_branch";
      }
      return r;
    }
    if (command == "brand.approve") return move({"unit"}, {"submitted"}, "unit_approved");
    if (command == "brand.return") {
      const std::string before = b.state;
      std::string r = move({"unit", "committee"}, {"submitted", "unit_approved"}, "cultivating");
      if (r != "accepted") return r;
      const std::string reviewer = before == "submitted" ? "unit" : "committee";
      if (role != reviewer) {
        b.state = before;
        return "forbidden";
      }
      return r;
    }
    if (command == "brand.file") return move({"committee"}, {"unit_approved"}, "filed");
    if (command == "brand.progress") return move({"branch"}, {"filed", "named"}, "");
    if (command == "brand.cancel")
      return move({"committee"},
                  {"cultivating", "submitted", "unit_approved", "filed", "withdrawn"}, "cancelled");
    return "unknown";
  }
};

boost::json::object args_for(const std::string& command, const ModelBrand& b) {
  if (command == "brand.create")
    return {{"name", "‘宣’锋引领·‘州’到服务"},
            {"branch", b.branch},
            {"theme", "t"},
            {"connotation", "c"},
            {"features", "f"},
            {"effects", "e"}};
  if (command == "brand.edit") return {{"slogan", "忠诚奉献尽责 铸就‘四最’机关"}};
  if (command == "brand.return") return {{"reason", "退回修改"}};
  if (command == "brand.progress") return {{"year", 2031}, {"summary", "年度自评"}};
  if (command == "brand.cancel") return {{"reason", "注销"}};
  return {};
}

}  // namespace

TEST_CASE(
    "random command sequences from every role agree with a plain reference model, and replay "
    "agrees too") {
  const std::vector<std::string> commands = {
      "brand.create",  "brand.edit",   "brand.submit", "brand.withdraw", "brand.reopen",
      "brand.approve", "brand.return", "brand.file",   "brand.progress", "brand.cancel"};
  for (unsigned seed : {1u, 7u, 2026u}) {
    DYNAMIC_SECTION("seed " << seed) {
      Harness h;
      const std::vector<engine::Actor> actors = {
          h.admin,        h.committee,    h.auditor,      h.unit("u1"),        h.unit("u2"),
          h.branch("b1"), h.branch("b2"), h.branch("b3"), h.expert("e1", "u1")};
      Model model;
      // Two brands compete for b1 (one branch, one brand); one each for b2 and b3.
      model.brands = {{"k1", "b1", "u1"}, {"k2", "b1", "u1"}, {"k3", "b2", "u1"},
                      {"k4", "b3", "u2"}, {"k5", "b4", "u2"}, {"k6", "b5", "u3"}};
      std::mt19937 rng(seed);
      // Half the time the actor whose job the command is, so that walks get far; the
      // other half anyone. Cancellation is terminal: rare, or every walk would end early.
      auto fitting = [&](const std::string& command, const ModelBrand& b) -> engine::Actor {
        if (command == "brand.approve") return h.unit(b.unit);
        if (command == "brand.return") return rng() % 2 ? h.unit(b.unit) : h.committee;
        if (command == "brand.file" || command == "brand.cancel") return h.committee;
        return h.branch(b.branch);
      };
      int accepted = 0;
      std::set<std::string> visited;
      for (int step = 0; step < 2000; ++step) {
        ModelBrand& b = model.brands[rng() % model.brands.size()];
        std::string command = commands[rng() % commands.size()];
        if (command == "brand.cancel" && rng() % 20 != 0) command = "brand.submit";
        const engine::Actor who = rng() % 2 ? fitting(command, b) : actors[rng() % actors.size()];
        const std::string expected = model.apply(b, command, who);
        auto outcome = h.run(who, command, brand_stream(b.id), args_for(command, b));
        const std::string got = outcome.rejection    ? outcome.rejection->code
                                : outcome.error.ok() ? "accepted"
                                                     : "error";
        INFO("step " << step << ": " << who.id << " " << command << " " << b.id);
        REQUIRE(got == expected);
        accepted += got == "accepted";
        REQUIRE(std::string(status_code(h.brand(b.id).status())) == b.state);
        visited.insert(b.state);
      }
      // The walks went everywhere this part of the lifecycle goes.
      CHECK(accepted > 100);
      CHECK(visited == std::set<std::string>{"none", "cultivating", "submitted", "unit_approved",
                                             "filed", "withdrawn", "cancelled"});
      // The log alone, replayed from scratch, gives the same states.
      auto txn = h.engine().begin_read();
      for (const ModelBrand& b : model.brands) {
        auto replayed = h.engine().replay(*txn, brand_stream(b.id));
        REQUIRE(replayed.ok());
        const auto* s = replayed->as<BrandState>();
        CHECK(std::string(status_code(s->status())) == b.state);
      }
    }
  }
}
