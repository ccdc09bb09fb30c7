// A server process with an org tree and a user of every role, all made through the API.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

#include "core/decimal.h"
#include "core/time.h"
#include "support/temp_dir.h"
#include "tests/api/server_process.h"

namespace brandledger::testing {

// A JSON string's text, for comparing with std::string.
inline std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

struct World {
  TempDir dir;
  std::unique_ptr<ServerProcess> server;
  std::map<std::string, Client> users;

  explicit World(bool with_orgs = true) {
    server = std::make_unique<ServerProcess>(dir / "data");
    users.emplace("admin", Client(server->port(), kAdminToken));
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
    users.emplace(id, Client(port(), std::string(r.at("token").as_string())));
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
