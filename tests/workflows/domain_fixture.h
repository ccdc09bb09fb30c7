// An engine running BrandLedger's domain on a temp dir, with a small org tree and a user
// of every role, and helpers to issue commands as them.
#pragma once

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <string_view>

#include "core/sha256.h"
#include "engine/engine.h"
#include "support/temp_dir.h"
#include "workflows/domain.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::testing {

// Appends the given events as they are: how tests put a stream into any state through
// the engine (projections included) without walking every command.
inline engine::Decision seed_events(const engine::Command& c, engine::DecideContext&) {
  engine::Decision d;
  for (const auto& e : c.args.at("events").as_array()) {
    const auto& o = e.as_object();
    d.events.push_back({std::string(o.at("stream").as_string()),
                        std::string(o.at("type").as_string()),
                        o.contains("data") ? o.at("data").as_object() : boost::json::object{}});
  }
  return d;
}

// The 审核意见 a unit or committee member writes on each kind of decision. Every decision
// needs one (API.md); the Harness gives it to the decisions tests issue without one.
inline std::string decision_comment(std::string_view type) {
  static const std::map<std::string_view, std::string_view> kComments = {
      {"brand.approve", "材料齐全，品牌定位与单位主责主业结合紧密，同意报送机关工委备案。"},
      {"brand.return", "‘四有’中‘有效果’部分缺少量化成效，请补充近一年服务群众数据后重新申报。"},
      {"brand.file", "经审核，符合党建品牌备案条件，予以备案。"},
      {"brand.revoke", "经核查属实，按照一票否决规定撤销品牌称号。"},
      {"brand.rectification", "已对照整改清单逐项核查整改情况。"},
      {"brand.appeal_decision", "经复核申诉材料，作出申诉处理决定。"},
      {"brand.cancel", "支部撤并，品牌予以注销。"},
      {"brand.objection_decision", "经调查核实，作出异议处理决定。"},
      {"round.close", "专家评分已全部完成，结束评审并计算结果。"},
      {"round.notice", "评审结果经工委会议研究，予以公示。"},
      {"round.finalize", "公示期满，无未决异议，予以命名。"},
  };
  auto it = kComments.find(type);
  return it == kComments.end() ? std::string() : std::string(it->second);
}

class Harness {
 public:
  explicit Harness(bool with_orgs = true, engine::Domain domain = workflows::make_domain()) {
    engine::EngineOptions options;
    options.data_dir = dir_.path();
    options.manual_clock = true;
    domain.handlers["test.seed"] = seed_events;
    auto e = engine::Engine::open(options, std::move(domain));
    INFO(e.status().to_string());
    REQUIRE(e.ok());
    engine_ = std::move(e).value();
    REQUIRE(engine_->advance_clock(*parse_rfc3339("2031-03-01T08:00:00Z")).ok());
    if (with_orgs) build_orgs();
  }

  engine::Engine& engine() { return *engine_; }

  static engine::Actor actor(std::string id, std::string role, std::string org) {
    return {std::move(id), id + " 同志", std::move(role), std::move(org)};
  }
  const engine::Actor admin = actor("admin", "admin", "wc");
  const engine::Actor committee = actor("c1", "committee", "wc");
  const engine::Actor auditor = actor("aud", "auditor", "wc");
  engine::Actor unit(std::string u) const { return actor("u-" + u, "unit", u); }
  engine::Actor branch(std::string b) const { return actor("b-" + b, "branch", b); }
  engine::Actor expert(std::string id, std::string home) const { return actor(id, "expert", home); }
  engine::Actor system() const { return actor("system", "system", ""); }

  // A command as `who`. The system actor's commands come as a timer firing would bring them
  // (the engine refuses the system role otherwise), with their TimerFired event. The comment
  // is args' "comment", as the API takes it from the body; without one, a decision gets its
  // decision_comment() (so `{"comment", ""}` sends a decision without a comment).
  static engine::Command command(const engine::Actor& who, std::string type, std::string stream,
                                 boost::json::object args) {
    engine::Command c;
    c.type = std::move(type);
    c.stream = std::move(stream);
    c.actor = who;
    c.args = std::move(args);
    if (const auto* comment = c.args.if_contains("comment"); comment && comment->is_string())
      c.comment = std::string(comment->as_string());
    else if (who.role != "system")
      c.comment = decision_comment(c.type);
    if (who.role == "system") c.fired_timer = "test:" + c.type + "@" + c.stream;
    return c;
  }

  engine::CommandOutcome run(const engine::Actor& who, std::string type, std::string stream,
                             boost::json::object args = {}) {
    return engine_->execute(command(who, std::move(type), std::move(stream), std::move(args)));
  }

  // Queues without waiting, so that many commands share a group commit.
  std::future<engine::CommandOutcome> submit(const engine::Actor& who, std::string type,
                                             std::string stream, boost::json::object args = {}) {
    return engine_->submit(command(who, std::move(type), std::move(stream), std::move(args)));
  }

  // Waits for every queued command; REQUIREs each accepted.
  static void all_ok(std::vector<std::future<engine::CommandOutcome>>& pending) {
    for (auto& f : pending) {
      auto o = f.get();
      INFO((o.rejection ? o.rejection->code + " " + o.rejection->detail : o.error.to_string()));
      REQUIRE(o.accepted());
    }
    pending.clear();
  }

  // REQUIREs the command to be accepted.
  engine::CommandOutcome ok(const engine::Actor& who, std::string type, std::string stream,
                            boost::json::object args = {}) {
    auto o = run(who, type, stream, std::move(args));
    INFO(type << " on " << stream << ": "
              << (o.rejection ? o.rejection->code + " " + o.rejection->detail
                              : o.error.to_string()));
    REQUIRE(o.accepted());
    return o;
  }

  // REQUIREs a refusal with this code, and that nothing was appended.
  engine::CommandOutcome refused(const engine::Actor& who, std::string type, std::string stream,
                                 boost::json::object args, std::string_view code) {
    const auto before = head();
    auto o = run(who, type, stream, std::move(args));
    INFO(type << " on " << stream);
    REQUIRE(o.rejection);
    CHECK(o.rejection->code == code);
    CHECK(head() == before);
    return o;
  }

  std::uint64_t head() {
    auto txn = engine_->begin_read();
    return engine_->log().head(*txn)->position;
  }

  template <class State>
  State state(const std::string& stream) {
    auto txn = engine_->begin_read();
    auto s = engine_->replay(*txn, stream);
    REQUIRE(s.ok());
    return *s->template as<State>();
  }
  workflows::BrandState brand(const std::string& id) {
    return state<workflows::BrandState>(workflows::brand_stream(id));
  }
  workflows::RoundState round(const std::string& id) {
    return state<workflows::RoundState>(workflows::round_stream(id));
  }

  void advance_days(int days) {
    REQUIRE(engine_->advance_clock(add_days(engine_->now(), days)).ok());
  }

  // Units u1, u2, u3 under committee wc; branches b1..b6 (two per unit, of all org types).
  void build_orgs() {
    ok(admin, "org.create", "org-wc",
       {{"id", "wc"}, {"name", "宣城市直机关工委"}, {"kind", "committee"}});
    const char* units[] = {"u1", "u2", "u3"};
    const char* unit_names[] = {"市政府办公室", "宣城日报社", "团市委"};
    const char* types[] = {"党支部", "党委", "党总支"};
    for (int i = 0; i < 3; ++i) {
      ok(admin, "org.create", std::string("org-") + units[i],
         {{"id", units[i]}, {"name", unit_names[i]}, {"kind", "unit"}, {"parent", "wc"}});
      for (int j = 1; j <= 2; ++j) {
        const std::string b = "b" + std::to_string(i * 2 + j);
        ok(admin, "org.create", "org-" + b,
           {{"id", b},
            {"name", b + " 党支部"},
            {"kind", "branch"},
            {"parent", units[i]},
            {"org_type", types[(i + j) % 3]}});
      }
    }
  }

  // A brand with complete 四有 content, created by its branch; returns its id.
  std::string create_brand(const std::string& branch_id, const std::string& id,
                           const std::string& name = "红蓝融 税先锋") {
    ok(branch(branch_id), "brand.create", workflows::brand_stream(id),
       {{"name", name},
        {"slogan", "税收为民"},
        {"theme", "党建引领"},
        {"connotation", "红色铸魂"},
        {"features", "蓝色立业"},
        {"effects", "满意度提升"},
        {"business_link", "纳税服务"},
        {"plan", {{"tasks", boost::json::array{"建机制", "育典型"}}}}});
    return id;
  }

  // An expert user (created, so rounds know its home unit) and its actor.
  engine::Actor add_expert(const std::string& id, const std::string& home_unit) {
    ok(admin, "user.create", workflows::user_stream(id),
       {{"id", id},
        {"name", id},
        {"role", "expert"},
        {"org", home_unit},
        {"token_sha256", to_hex(sha256(id))},
        {"token_id", "tk-" + id}});
    return expert(id, home_unit);
  }

  // Points on every default criterion adding up to `total` (at most 100).
  static boost::json::object points(double total) {
    boost::json::object out;
    for (const auto& [key, p] : workflows::spread_over_default_rubric(Decimal::nearest(total)))
      out[key] = workflows::decimal_json(p);
    return out;
  }

  // Every expert not of the brand's own unit gives it `total` points in `round`.
  void score_all(const std::string& round, const std::string& brand, double total,
                 const std::vector<engine::Actor>& experts) {
    const std::string own_unit = this->brand(brand).unit;
    for (const auto& e : experts)
      if (e.org != own_unit)
        ok(e, "round.score", workflows::round_stream(round),
           {{"brand", brand}, {"scores", points(total)}});
  }

  // After the scores: the round closes and publishes its notice.
  void close_and_notice(const std::string& round) {
    ok(committee, "round.close", workflows::round_stream(round));
    ok(committee, "round.notice", workflows::round_stream(round));
  }

  // The notice's five days pass and the round is finalized.
  void finalize_after_notice(const std::string& round) {
    advance_days(5);
    ok(committee, "round.finalize", workflows::round_stream(round));
  }

  std::string unit_of(const std::string& branch_id) {
    return state<workflows::OrgState>(workflows::org_stream(branch_id)).parent;
  }

  // Through 培育 and 备案 to filed.
  std::string filed_brand(const std::string& branch_id, const std::string& id) {
    create_brand(branch_id, id);
    ok(branch(branch_id), "brand.submit", workflows::brand_stream(id));
    ok(unit(unit_of(branch_id)), "brand.approve", workflows::brand_stream(id));
    ok(committee, "brand.file", workflows::brand_stream(id));
    return id;
  }

 private:
  TempDir dir_;
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace brandledger::testing
