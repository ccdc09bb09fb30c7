// A server process with an org tree and a user of every role, all made through the API.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "core/time.h"
#include "support/temp_dir.h"
#include "tests/api/server_process.h"

namespace brandledger::testing {

// A JSON string's text, for comparing with std::string.
inline std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

// The 审核意见 a unit or committee member writes on a decision, by the last segment of the
// target (/v1/brands/ID/approve, /v1/rounds/ID/close, .../objections/ID/decision); "" for
// what is no decision. Every decision needs one (API.md): World's users send it with every
// decision whose body has no "comment" of its own, so `{"comment", ""}` sends none.
inline std::string decision_comment(const std::string& target) {
  static const std::map<std::string, std::string, std::less<>> kComments = {
      {"approve", "材料齐全，品牌定位与单位主责主业结合紧密，同意报送机关工委备案。"},
      {"return", "‘四有’中‘有效果’部分缺少量化成效，请补充近一年服务群众数据后重新申报。"},
      {"file", "经审核，符合党建品牌备案条件，予以备案。"},
      {"revoke", "经核查属实，按照一票否决规定撤销品牌称号。"},
      {"rectification", "已对照整改清单逐项核查整改情况。"},
      {"appeal-decision", "经复核申诉材料，作出申诉处理决定。"},
      {"cancel", "支部撤并，品牌予以注销。"},
      {"decision", "经调查核实，作出异议处理决定。"},
      {"close", "专家评分已全部完成，结束评审并计算结果。"},
      {"notice", "评审结果经工委会议研究，予以公示。"},
      {"finalize", "公示期满，无未决异议，予以命名。"},
  };
  const std::string path = target.substr(0, target.find('?'));
  auto it = kComments.find(std::string_view(path).substr(path.rfind('/') + 1));
  return it == kComments.end() ? std::string() : it->second;
}

// The callers the authorization matrices try, relative to a brand of branch b1 in unit u1
// (and one of b3 in u2): no credentials, each role of the committee's office, both units'
// and both branches' users, an expert of each unit.
inline const std::vector<std::string> kEveryRole = {"anonymous", "admin", "committee", "auditor",
                                                    "u1",        "u2",    "b1",        "b3",
                                                    "e1",        "e2"};

struct World {
  TempDir dir;
  std::unique_ptr<ServerProcess> server;
  std::map<std::string, Client> users;

  explicit World(bool with_orgs = true) {
    server = std::make_unique<ServerProcess>(dir / "data");
    users.emplace("admin", Client(server->port(), kAdminToken, decision_comment));
    if (with_orgs) build();
  }

  const Client& as(const std::string& who) const { return users.at(who); }
  unsigned short port() const { return server->port(); }

  static boost::json::object obj(const HttpResult& r) {
    INFO(r.status << " " << r.body);
    REQUIRE(r.status < 300);
    return r.json().as_object();
  }

  // Checks the status and returns the JSON object answer.
  static boost::json::object expect(const HttpResult& r, unsigned status) {
    INFO(r.body);
    REQUIRE(r.status == status);
    return r.body.empty() || r.body[0] != '{' ? boost::json::object{} : r.json().as_object();
  }

  void add_user(const std::string& id, const std::string& role, const std::string& org) {
    auto r = obj(as("admin").post(
        "/v1/users", {{"id", id}, {"name", id + " 同志"}, {"role", role}, {"org", org}}));
    users.emplace(id, Client(port(), std::string(r.at("token").as_string()), decision_comment));
  }

  // Committee wc; units u1..u3 with branches b1..b6; users of every role.
  void build() {
    const Client& admin = as("admin");
    obj(admin.post("/v1/orgs",
                   {{"id", "wc"}, {"name", "宣城市直机关工委"}, {"kind", "committee"}}));
    const char* types[] = {"党委", "党总支", "党支部"};
    for (int u = 1; u <= 3; ++u) {
      const std::string unit = "u" + std::to_string(u);
      obj(admin.post("/v1/orgs",
                     {{"id", unit}, {"name", "单位" + unit}, {"kind", "unit"}, {"parent", "wc"}}));
      for (int b = 0; b < 2; ++b) {
        const std::string branch = "b" + std::to_string((u - 1) * 2 + b + 1);
        obj(admin.post("/v1/orgs", {{"id", branch},
                                    {"name", branch + " 党支部"},
                                    {"kind", "branch"},
                                    {"parent", unit},
                                    {"org_type", types[(u + b) % 3]}}));
        add_user(branch, "branch", branch);
      }
      add_user(unit, "unit", unit);
      add_user("e" + std::to_string(u), "expert", unit);
    }
    // Five experts, at most two per unit: every brand has at least three who may score it.
    add_user("e4", "expert", "u1");
    add_user("e5", "expert", "u3");
    add_user("committee", "committee", "wc");
    add_user("auditor", "auditor", "wc");
  }

  void clock(const std::string& now) {
    obj(as("admin").post("/v1/admin/clock", {{"now", now}}));
    now_ = *parse_rfc3339(now);
  }
  // Moves the manual clock forward by whole days (from 2031-01-01 at the first call).
  void advance(int days) {
    if (now_ == Timestamp{}) now_ = *parse_rfc3339("2031-01-01T08:00:00Z");
    clock(format_rfc3339(add_days(now_, days)));
  }
  Timestamp now_{};

  static boost::json::object content(const std::string& name = "宣报党旗分外红") {
    return {{"name", name},
            {"slogan", "党旗红"},
            {"theme", "主题"},
            {"connotation", "内涵"},
            {"features", "特色"},
            {"effects", "效果"},
            {"business_link", "新闻宣传"}};
  }

  std::string unit_of(const std::string& branch) const {
    const int n = std::stoi(branch.substr(1));
    return "u" + std::to_string((n + 1) / 2);
  }

  // A brand of `branch`, taken to `state`: cultivating, submitted, unit_approved or filed.
  std::string brand(const std::string& branch, const std::string& state = "filed",
                    const std::string& name = "宣报党旗分外红") {
    auto b = obj(as(branch).post("/v1/brands", content(name)));
    const std::string id(b.at("id").as_string());
    const std::string base = "/v1/brands/" + id;
    if (state == "cultivating") return id;
    obj(as(branch).post(base + "/submit"));
    if (state == "submitted") return id;
    obj(as(unit_of(branch)).post(base + "/approve"));
    if (state == "unit_approved") return id;
    obj(as("committee").post(base + "/file"));
    return id;
  }

  // Points on the default rubric adding up to the whole number `total`, each sent as the
  // double nearest its one-decimal value (91 * 0.3 in doubles may be 27.299999999999997,
  // which the server refuses as more than one decimal).
  static boost::json::object points(int total) {
    auto share = [total](int tenths) {  // tenths of the total, in hundredths of a point
      return Decimal::from_hundredths(std::int64_t{total} * tenths * 10).to_double();
    };
    return {{"identity", share(1)}, {"connotation", share(2)}, {"mechanism", share(2)},
            {"effects", share(3)},  {"influence", share(1)},   {"presentation", share(1)}};
  }

  // A round over the brands (id -> points): opened, nominated, scored by every expert
  // not of the brand's unit, closed; published for notice when `notice`.
  std::string round(const std::vector<std::pair<std::string, int>>& brands, int year,
                    bool notice = true, boost::json::object extra = {}) {
    boost::json::object open{{"name", std::to_string(year) + "年度评选"}, {"year", year}};
    for (auto& [k, v] : extra) open[k] = v;
    auto r = obj(as("committee").post("/v1/rounds", open));
    const std::string base = "/v1/rounds/" + std::string(r.at("id").as_string());
    for (const auto& [b, _] : brands)
      obj(as("committee").post(base + "/nominations", {{"brand", b}}));
    obj(as("committee").post(base + "/experts", {{"experts", {"e1", "e2", "e3", "e4", "e5"}}}));
    obj(as("committee").post(base + "/start"));
    const std::map<std::string, std::string> home = {
        {"e1", "u1"}, {"e2", "u2"}, {"e3", "u3"}, {"e4", "u1"}, {"e5", "u3"}};
    for (const auto& [b, total] : brands) {
      auto doc = obj(as("committee").get("/v1/brands/" + b));
      for (const auto& [e, unit] : home)
        if (unit != doc.at("unit").as_string())
          obj(as(e).post(base + "/scores", {{"brand", b}, {"scores", points(total)}}));
    }
    obj(as("committee").post(base + "/close"));
    if (notice) obj(as("committee").post(base + "/notice"));
    return std::string(r.at("id").as_string());
  }

  // A brand of `branch` named through a whole round.
  std::string named(const std::string& branch, int points = 91) {
    const std::string id = brand(branch);
    const std::string r = round({{id, points}}, 2031);
    advance(6);
    obj(as("committee").post("/v1/rounds/" + r + "/finalize"));
    return id;
  }

  std::uint64_t events() const {
    auto v = obj(as("auditor").get("/v1/admin/verify"));
    REQUIRE(v.at("ok").as_bool());
    return v.at("events").to_number<std::uint64_t>();
  }
};

}  // namespace brandledger::testing
