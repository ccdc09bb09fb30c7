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

namespace {

// Three experts in a unit of their own (so they may score every brand), and a whole round
// over one brand: its first step's refusal code, or "accepted" once the round is finalized.
class Panel {
 public:
  explicit Panel(Harness& h) : h_(h) {
    h.ok(h.admin, "org.create", "org-ux",
         {{"id", "ux"}, {"name", "专家库"}, {"kind", "unit"}, {"parent", "wc"}});
    for (int i = 1; i <= 3; ++i) experts_.push_back(h.add_expert("x" + std::to_string(i), "ux"));
    for (const auto& e : experts_) ids_.push_back(boost::json::string(e.id));
  }

  std::string round(const std::string& brand, const std::string& kind, double score) {
    const std::string round = "pr" + std::to_string(++rounds_);
    h_.ok(h_.committee, "round.open", round_stream(round),
          {{"name", "轮次"}, {"year", 2031}, {"kind", kind}});
    auto first = h_.run(h_.committee, "round.nominate", round_stream(round), {{"brand", brand}});
    if (first.rejection) return first.rejection->code;
    h_.ok(h_.committee, "round.assign", round_stream(round), {{"experts", ids_}});
    h_.ok(h_.committee, "round.start", round_stream(round));
    h_.score_all(round, brand, score, experts_);
    h_.close_and_notice(round);
    h_.finalize_after_notice(round);
    return "accepted";
  }

 private:
  Harness& h_;
  std::vector<engine::Actor> experts_;
  boost::json::array ids_;
  int rounds_ = 0;
};

}  // namespace

namespace {

// The reference model of the named life of a brand: selection (one round from
// nomination to finalization), revocation with two years of cooling-off, appeals within
// ten days, and title expiry 90 days after validity as the clock moves.
struct NamedModel {
  struct Brand {
    std::string id, branch, unit;
    std::string state = "none";
    std::optional<Timestamp> valid_until{}, cooling_until{}, adverse_at{}, previous_valid_until{};
  };
  std::vector<Brand> brands;
  Timestamp now;

  void advance(int days) {
    now = add_days(now, days);
    for (Brand& b : brands)  // the expiry timer fires for named brands
      if (b.state == "named" && b.valid_until && now >= add_days(*b.valid_until, 90)) {
        b.state = "filed";
        b.valid_until.reset();
      }
  }

  // Runs the first step's checks; on success the whole round happens (five days of notice).
  std::string select(Brand& b) {
    if (b.state == "none") return "not_found";
    if (b.state != "filed") return "illegal_transition";
    if (b.cooling_until && now < *b.cooling_until) return "cooling_off";
    advance(5);
    b.state = "named";
    b.valid_until = add_years(now, 3);
    return "accepted";
  }

  std::string revoke(Brand& b, const std::string& role) {
    if (role != "committee") return "forbidden";
    if (b.state == "none") return "not_found";
    if (b.state != "named" && b.state != "appeal") return "illegal_transition";
    b.previous_valid_until = b.state == "named" ? b.valid_until : b.previous_valid_until;
    b.state = "filed";
    b.valid_until.reset();
    b.cooling_until = add_years(now, 2);
    b.adverse_at = now;
    return "accepted";
  }

  std::string appeal(Brand& b, const engine::Actor& who) {
    if (who.role != "branch") return "forbidden";
    if (b.state == "none") return "not_found";
    if (who.org != b.branch) return "forbidden";
    if (b.state != "named" && b.state != "filed") return "illegal_transition";
    if (!b.adverse_at) return "nothing_to_appeal";
    if (now > add_days(*b.adverse_at, 10)) return "appeal_window_closed";
    b.state = "appeal";
    return "accepted";
  }

  std::string decide(Brand& b, const std::string& role, bool granted) {
    if (role != "committee") return "forbidden";
    if (b.state == "none") return "not_found";
    if (b.state != "appeal") return "illegal_transition";
    b.adverse_at.reset();
    if (granted) {
      b.state = "named";
      b.valid_until = b.previous_valid_until;
      b.cooling_until.reset();
    } else {
      b.state = "filed";
    }
    return "accepted";
  }
};

}  // namespace

TEST_CASE(
    "random selections, revocations, appeals and years passing agree with a plain model of the "
    "named life") {
  for (unsigned seed : {3u, 11u, 2031u}) {
    DYNAMIC_SECTION("seed " << seed) {
      Harness h;
      Panel panel(h);

      NamedModel model;
      model.now = h.engine().now();
      const char* branches[] = {"b1", "b2", "b3", "b4", "b5", "b6"};
      for (int i = 0; i < 6; ++i) {
        model.brands.push_back({"n" + std::to_string(i), branches[i], h.unit_of(branches[i])});
        h.filed_brand(branches[i], model.brands.back().id);
        model.brands.back().state = "filed";
      }
      const std::vector<engine::Actor> callers = {h.committee, h.admin, h.unit("u1"),
                                                  h.branch("b1"), h.branch("b3")};
      std::mt19937 rng(seed);
      int accepted = 0;
      std::set<std::string> visited;
      for (int step = 0; step < 400; ++step) {
        NamedModel::Brand& b = model.brands[rng() % model.brands.size()];
        const int what = static_cast<int>(rng() % 10);
        std::string expected, got;
        INFO("step " << step << " brand " << b.id << " action " << what);
        if (what <= 2) {  // a selection round with this brand
          expected = model.select(b);
          got = panel.round(b.id, "selection", 91);
        } else if (what <= 4) {
          const engine::Actor& who = rng() % 3 ? h.committee : callers[rng() % callers.size()];
          expected = model.revoke(b, who.role);
          auto o =
              h.run(who, "brand.revoke", brand_stream(b.id), {{"reason", "违纪"}, {"veto", true}});
          got = o.rejection ? o.rejection->code : "accepted";
        } else if (what <= 6) {
          const engine::Actor who =
              rng() % 3 ? h.branch(b.branch) : callers[rng() % callers.size()];
          expected = model.appeal(b, who);
          auto o = h.run(who, "brand.appeal", brand_stream(b.id), {{"reason", "申诉"}});
          got = o.rejection ? o.rejection->code : "accepted";
        } else if (what == 7) {
          const engine::Actor& who = rng() % 3 ? h.committee : callers[rng() % callers.size()];
          const bool granted = rng() % 2;
          expected = model.decide(b, who.role, granted);
          auto o = h.run(who, "brand.appeal_decision", brand_stream(b.id), {{"granted", granted}});
          got = o.rejection ? o.rejection->code : "accepted";
        } else {  // time passes: days, or years (titles expire)
          const int days =
              what == 8 ? static_cast<int>(1 + rng() % 12) : static_cast<int>(200 + rng() % 500);
          model.advance(days);
          h.advance_days(days);
          expected = got = "accepted";
        }
        REQUIRE(got == expected);
        accepted += got == "accepted" && what < 8;
        for (const auto& mb : model.brands) {
          INFO("brand " << mb.id);
          const auto actual = h.brand(mb.id);
          REQUIRE(std::string(status_code(actual.status())) == mb.state);
          REQUIRE(actual.title.has_value() ==
                  (mb.state == "named" || (mb.state == "appeal" && mb.valid_until)));
          visited.insert(mb.state);
        }
      }
      CHECK(accepted > 40);
      CHECK(visited == std::set<std::string>{"filed", "named", "appeal"});
    }
  }
}

namespace {

// The reference model of re-review (优进劣出) on top of the named life: every re-review
// outcome, rectification decided or left to its deadline, vetoes, appeals of demotions and
// revocations, expiry. Titles are 0 (top10), 1 (demonstration), 2 (excellent).
struct ReviewModel {
  struct Adverse {
    Timestamp at;
    std::string previous_state;
    std::optional<int> previous_title;
    std::optional<Timestamp> previous_valid_until;
    bool revoked;
  };
  struct Brand {
    std::string id, branch;
    std::string state = "filed";
    std::optional<int> title{};
    std::optional<Timestamp> valid_until{}, rectify_by{}, cooling_until{};
    std::optional<Adverse> adverse{};
  };
  std::vector<Brand> brands;
  Timestamp now;

  void lose_title(Brand& b, Timestamp at) {
    if (b.state == "appeal" && b.adverse) {
      b.adverse->at = at;
      b.adverse->revoked = true;
    } else {
      b.adverse = Adverse{at, b.state, b.title, b.valid_until, true};
    }
    b.state = "filed";
    b.title.reset();
    b.valid_until.reset();
    b.rectify_by.reset();
    b.cooling_until = add_years(at, 2);
  }

  // Timers, in due order within one step of the clock.
  void advance(int days) {
    const Timestamp until = add_days(now, days);
    for (;;) {
      Brand* next = nullptr;
      Timestamp due{};
      bool expiry = false;
      for (Brand& b : brands) {
        if (b.state == "rectifying" && b.rectify_by && *b.rectify_by <= until &&
            (!next || *b.rectify_by < due))
          next = &b, due = *b.rectify_by, expiry = false;
        if (b.state == "named" && b.valid_until && add_days(*b.valid_until, 90) <= until &&
            (!next || add_days(*b.valid_until, 90) < due))
          next = &b, due = add_days(*b.valid_until, 90), expiry = true;
      }
      if (!next) break;
      if (expiry) {
        next->state = "filed";
        next->title.reset();
        next->valid_until.reset();
      } else {
        lose_title(*next, due);
      }
    }
    now = until;
  }

  std::string select(Brand& b) {
    if (b.state != "filed") return "illegal_transition";
    if (b.cooling_until && now < *b.cooling_until) return "cooling_off";
    advance(5);
    b.state = "named";
    b.title = 0;
    b.valid_until = add_years(now, 3);
    return "accepted";
  }

  std::string re_review(Brand& b, double score) {
    if (b.state != "named") return "illegal_transition";
    advance(5);
    if (b.state != "named") return "accepted";  // expired during the notice: the round leaves it
    std::optional<int> best;
    for (int t = 0; t < 3 && !best; ++t)
      if (score >= (t == 0 ? 90 : t == 1 ? 85 : 80)) best = t;
    if (best) {
      if (*best > *b.title) b.adverse = Adverse{now, "named", b.title, b.valid_until, false};
      b.title = best;
      b.valid_until = add_years(now, 3);
    } else if (score >= 60) {
      b.state = "rectifying";
      b.rectify_by = add_days(now, 90);
    } else {
      lose_title(b, now);
    }
    return "accepted";
  }

  std::string rectification(Brand& b, bool passed) {
    if (b.state != "rectifying") return "illegal_transition";
    if (passed) {
      b.state = "named";
      b.rectify_by.reset();
      b.valid_until = add_years(now, 3);
    } else {
      lose_title(b, now);
    }
    return "accepted";
  }

  std::string revoke(Brand& b) {
    if (b.state != "named" && b.state != "rectifying" && b.state != "appeal")
      return "illegal_transition";
    lose_title(b, now);
    return "accepted";
  }

  std::string appeal(Brand& b) {
    if (b.state != "named" && b.state != "filed") return "illegal_transition";
    if (!b.adverse) return "nothing_to_appeal";
    if (now > add_days(b.adverse->at, 10)) return "appeal_window_closed";
    b.state = "appeal";
    return "accepted";
  }

  std::string decide(Brand& b, bool granted) {
    if (b.state != "appeal") return "illegal_transition";
    const Adverse a = b.adverse.value_or(Adverse{});
    b.adverse.reset();
    if (granted) {
      b.state = a.previous_state == "rectifying" ? "rectifying" : "named";
      b.title = a.previous_title;
      b.valid_until = a.previous_valid_until;
      b.rectify_by = b.state == "rectifying" ? std::optional(add_days(now, 90)) : std::nullopt;
      b.cooling_until.reset();
    } else {
      b.state = a.revoked ? "filed" : "named";
    }
    return "accepted";
  }
};

}  // namespace

TEST_CASE(
    "random re-reviews, rectifications, vetoes, appeals and years agree with a plain model of "
    "优进劣出") {
  for (unsigned seed : {5u, 17u, 2034u}) {
    DYNAMIC_SECTION("seed " << seed) {
      Harness h;
      Panel panel(h);

      ReviewModel model;
      model.now = h.engine().now();
      const char* branches[] = {"b1", "b2", "b3", "b4", "b5", "b6"};
      for (int i = 0; i < 6; ++i) {
        model.brands.push_back({"v" + std::to_string(i), branches[i]});
        h.filed_brand(branches[i], model.brands.back().id);
      }
      std::mt19937 rng(seed);
      const double scores[] = {95, 87, 82, 70, 50};
      std::set<std::string> visited;
      for (int step = 0; step < 300; ++step) {
        ReviewModel::Brand& b = model.brands[rng() % model.brands.size()];
        const int what = static_cast<int>(rng() % 12);
        std::string expected, got;
        auto code = [](const engine::CommandOutcome& o) {
          return o.rejection ? o.rejection->code : std::string("accepted");
        };
        if (what <= 1) {
          expected = model.select(b);
          got = panel.round(b.id, "selection", 91);
        } else if (what <= 4) {
          const double score = scores[rng() % 5];
          expected = model.re_review(b, score);
          got = panel.round(b.id, "re_review", score);
        } else if (what == 5) {
          const bool passed = rng() % 2;
          expected = model.rectification(b, passed);
          got = code(
              h.run(h.committee, "brand.rectification", brand_stream(b.id), {{"passed", passed}}));
        } else if (what == 6) {
          expected = model.revoke(b);
          got = code(h.run(h.committee, "brand.revoke", brand_stream(b.id),
                           {{"reason", "违纪"}, {"veto", true}}));
        } else if (what <= 8) {
          expected = model.appeal(b);
          got = code(
              h.run(h.branch(b.branch), "brand.appeal", brand_stream(b.id), {{"reason", "申诉"}}));
        } else if (what == 9) {
          const bool granted = rng() % 2;
          expected = model.decide(b, granted);
          got = code(h.run(h.committee, "brand.appeal_decision", brand_stream(b.id),
                           {{"granted", granted}}));
        } else {
          const int days =
              what == 10 ? static_cast<int>(1 + rng() % 20) : static_cast<int>(60 + rng() % 400);
          model.advance(days);
          h.advance_days(days);
          expected = got = "accepted";
        }
        INFO("step " << step << " brand " << b.id << " action " << what);
        REQUIRE(got == expected);
        for (const auto& mb : model.brands) {
          INFO("brand " << mb.id);
          const auto actual = h.brand(mb.id);
          REQUIRE(std::string(status_code(actual.status())) == mb.state);
          REQUIRE(actual.title.has_value() == mb.title.has_value());
          if (mb.title) REQUIRE(static_cast<int>(*actual.title) == *mb.title);
          visited.insert(mb.state);
        }
      }
      CHECK(visited == std::set<std::string>{"filed", "named", "rectifying", "appeal"});
    }
  }
}
