// The seeds' table (the Tianjin case): over three yearly rounds, 217 applications and 107
// demonstration brands named — 10 of them 党委, 8 党总支, 89 党支部 — all through the API,
// and the titles report reproduces it.
#include "tests/api/world.h"

using namespace brandledger::testing;
using boost::json::object;

TEST_CASE(
    "the titles report reproduces the seeds' table: 217 nominations, 107 demonstration titles by "
    "org type") {
  World w(false);
  const Client& admin = w.as("admin");
  World::obj(
      admin.post("/v1/orgs", {{"id", "tj"}, {"name", "市直机关工委"}, {"kind", "committee"}}));
  for (int u = 0; u < 10; ++u) {
    const std::string unit = "u" + std::to_string(u);
    World::obj(admin.post(
        "/v1/orgs", {{"id", unit}, {"name", "单位" + unit}, {"kind", "unit"}, {"parent", "tj"}}));
    w.add_user(unit, "unit", unit);
  }
  World::obj(admin.post(
      "/v1/orgs", {{"id", "experts"}, {"name", "评审专家库"}, {"kind", "unit"}, {"parent", "tj"}}));
  for (int e = 1; e <= 3; ++e) w.add_user("e" + std::to_string(e), "expert", "experts");
  w.add_user("committee", "committee", "tj");

  // 107 branches whose brands will be named (10 党委, 8 党总支, 89 党支部) and 39 that will not.
  std::vector<std::string> winners, losers;
  auto make = [&](const std::string& id, const char* org_type) {
    const std::string unit = "u" + std::to_string(std::hash<std::string>{}(id) % 10);
    World::obj(admin.post("/v1/orgs", {{"id", id},
                                       {"name", id + "党组织"},
                                       {"kind", "branch"},
                                       {"parent", unit},
                                       {"org_type", org_type}}));
    w.add_user(id, "branch", id);
    auto b = World::obj(w.as(id).post("/v1/brands", World::content("示范点" + id)));
    const std::string brand = text(b.at("id"));
    World::obj(w.as(id).post("/v1/brands/" + brand + "/submit"));
    World::obj(w.as(unit).post("/v1/brands/" + brand + "/approve"));
    World::obj(w.as("committee").post("/v1/brands/" + brand + "/file"));
    return brand;
  };
  for (int i = 0; i < 107; ++i)
    winners.push_back(make("w" + std::to_string(i), i < 10   ? "党委"
                                                    : i < 18 ? "党总支"
                                                             : "党支部"));
  for (int i = 0; i < 39; ++i)
    losers.push_back(make("l" + std::to_string(i), i % 3 == 0 ? "党委" : "党总支"));

  // Year by year: this year's winners score 90, the rest 70; quotas give exactly the winners.
  auto year = [&](int y, std::vector<std::string> win, std::vector<std::string> lose) {
    w.clock(std::to_string(y) + "-03-01T08:00:00Z");
    auto r = World::obj(
        w.as("committee")
            .post("/v1/rounds",
                  {{"name", std::to_string(y) + "年度示范点评选"},
                   {"year", y},
                   {"quotas", {{"top10", 0}, {"demonstration", win.size()}, {"excellent", 0}}}}));
    const std::string base = "/v1/rounds/" + text(r.at("id"));
    std::vector<std::pair<std::string, int>> scored;
    for (auto& b : win) scored.emplace_back(b, 90);
    for (auto& b : lose) scored.emplace_back(b, 70);
    for (auto& [b, _] : scored)
      World::obj(w.as("committee").post(base + "/nominations", {{"brand", b}}));
    World::obj(w.as("committee").post(base + "/experts", {{"experts", {"e1", "e2", "e3"}}}));
    World::obj(w.as("committee").post(base + "/start"));
    for (auto& [b, total] : scored)
      for (const char* e : {"e1", "e2", "e3"})
        World::obj(
            w.as(e).post(base + "/scores", {{"brand", b}, {"scores", World::points(total)}}));
    World::obj(w.as("committee").post(base + "/close"));
    World::obj(w.as("committee").post(base + "/notice"));
    w.clock(std::to_string(y) + "-03-07T08:00:00Z");
    World::obj(w.as("committee").post(base + "/finalize"));
  };
  auto slice = [](const std::vector<std::string>& v, std::size_t from, std::size_t to) {
    return std::vector<std::string>(v.begin() + static_cast<long>(from),
                                    v.begin() + static_cast<long>(to));
  };
  // 70 + 72 + 75 = 217 applications; 35 + 36 + 36 = 107 named. Brands not selected apply again.
  year(2031, slice(winners, 0, 35), slice(losers, 0, 35));
  year(2032, slice(winners, 35, 71), slice(losers, 0, 36));
  year(2033, slice(winners, 71, 107), slice(losers, 0, 39));

  int nominations = 0, demonstration = 0, total = 0;
  std::map<std::string, int> by_type;
  for (int y = 2031; y <= 2033; ++y) {
    auto report = World::obj(w.as("committee").get("/v1/reports/titles?year=" + std::to_string(y)));
    CHECK(report.at("year") == y);
    nominations += report.at("nominations").to_number<int>();
    demonstration += report.at("by_title").at("demonstration").to_number<int>();
    total += report.at("total").to_number<int>();
    CHECK(report.at("by_title").at("top10") == 0);
    for (const auto& [type, n] : report.at("by_org_type").as_object())
      by_type[std::string(type)] += n.to_number<int>();
  }
  CHECK(nominations == 217);
  CHECK(demonstration == 107);
  CHECK(total == 107);
  CHECK(by_type["党委"] == 10);
  CHECK(by_type["党总支"] == 8);
  CHECK(by_type["党支部"] == 89);
}
