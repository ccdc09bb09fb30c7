// The authorization matrix: every role against every command endpoint. Each endpoint's
// state is prepared so that only who asks differs; the refused roles go first (and must
// change nothing), the one allowed role last.
#include <functional>
#include <regex>
#include <set>

#include "tests/api/route_table.h"
#include "tests/api/world.h"

using namespace brandledger::testing;
using boost::json::object;

namespace {

struct Target {
  std::string method, path;
  object body;
};

struct Case {
  std::string name;
  std::string route;  // as Api::route_table() names it; the target set up must match it
  std::function<Target(World&)> setup;
  std::string allowed;
  unsigned ok_status = 200;
  std::set<std::string> also_allowed = {};        // skipped: they could succeed too
  std::map<std::string, std::string> codes = {};  // role -> refusal code other than forbidden
};

std::string brand_path(const std::string& id, const std::string& action = "") {
  return "/v1/brands/" + id + (action.empty() ? "" : "/" + action);
}

}  // namespace

TEST_CASE("authorization matrix: every role against every command endpoint") {
  World w;
  w.advance(0);
  int n = 0;
  auto fresh = [&](const std::string& state) {
    // One branch, one brand: clear the way for a new brand of b1.
    auto list = World::obj(w.as("committee").get("/v1/brands?branch=b1"));
    for (const auto& b : list.at("items").as_array())
      if (b.at("state") != "cancelled" && b.at("state") != "withdrawn")
        World::obj(
            w.as("committee").post(brand_path(text(b.at("id")), "cancel"), {{"reason", "下一项"}}));
    return w.brand("b1", state);
  };
  auto named = [&] {
    fresh("cultivating");
    auto list = World::obj(w.as("committee").get("/v1/brands?branch=b1&state=cultivating"));
    World::obj(w.as("committee")
                   .post(brand_path(text(list.at("items").as_array()[0].at("id")), "cancel"),
                         {{"reason", "x"}}));
    return w.named("b1");
  };
  // A new round of 2031 with a fresh filed brand nominated and these experts assigned;
  // started when `start`. Returns the round's path and the brand.
  auto prepared_round = [&](World& ww, boost::json::array experts, bool start) {
    const std::string id = fresh("filed");
    auto r = World::obj(ww.as("committee").post("/v1/rounds", {{"name", "评选"}, {"year", 2031}}));
    const std::string base = "/v1/rounds/" + text(r.at("id"));
    World::obj(ww.as("committee").post(base + "/nominations", {{"brand", id}}));
    World::obj(ww.as("committee").post(base + "/experts", {{"experts", std::move(experts)}}));
    if (start) World::obj(ww.as("committee").post(base + "/start"));
    return std::pair<std::string, std::string>{base, id};
  };
  const std::vector<Case> cases = {
      {"create an org", "POST /v1/orgs",
       [&](World&) {
         return Target{"POST",
                       "/v1/orgs",
                       {{"id", "o" + std::to_string(++n)},
                        {"name", "新单位"},
                        {"kind", "unit"},
                        {"parent", "wc"}}};
       },
       "admin", 201},
      {"create a user", "POST /v1/users",
       [&](World&) {
         return Target{"POST",
                       "/v1/users",
                       {{"id", "user" + std::to_string(++n)},
                        {"name", "x"},
                        {"role", "auditor"},
                        {"org", "wc"}}};
       },
       "admin", 201},
      {"change a user", "PATCH /v1/users/{}",
       [&](World&) {
         return Target{"PATCH", "/v1/users/b5", {{"name", "新书记"}}};
       },
       "admin"},
      {"disable a user", "PATCH /v1/users/{}",
       [&](World&) {
         return Target{"PATCH", "/v1/users/b6", {{"disabled", true}}};
       },
       "admin"},
      {"set another user's password", "PUT /v1/users/{}/password",
       [&](World&) {
         return Target{"PUT", "/v1/users/b5/password", {{"password", "a-new-password-1"}}};
       },
       "admin"},
      {"issue a token for another user", "POST /v1/users/{}/tokens",
       [&](World&) {
         return Target{"POST", "/v1/users/b5/tokens", {{"name", "脚本"}}};
       },
       "admin", 201},
      {"revoke another user's token", "DELETE /v1/users/{}/tokens/{}",
       [&](World& ww) {
         auto t = World::obj(ww.as("admin").post("/v1/users/b5/tokens", {{"name", "待撤销"}}));
         return Target{"DELETE", "/v1/users/b5/tokens/" + text(t.at("id")), {}};
       },
       "admin"},
      {"issue a token for oneself",
       "POST /v1/users/{}/tokens",
       [&](World&) {
         return Target{"POST", "/v1/users/b1/tokens", {{"name", "自用"}}};
       },
       "b1",
       201,
       {"admin"}},
      {"revoke one's own token",
       "DELETE /v1/users/{}/tokens/{}",
       [&](World& ww) {
         auto t = World::obj(ww.as("admin").post("/v1/users/b1/tokens", {{"name", "待撤销"}}));
         return Target{"DELETE", "/v1/users/b1/tokens/" + text(t.at("id")), {}};
       },
       "b1",
       200,
       {"admin"}},
      {"dissolve a branch",
       "POST /v1/orgs/{}/dissolve",
       [&](World& ww) {
         const std::string id = "tmp" + std::to_string(++n);
         World::obj(ww.as("admin").post(
             "/v1/orgs", {{"id", id}, {"name", "临时支部"}, {"kind", "branch"}, {"parent", "u1"}}));
         return Target{"POST", "/v1/orgs/" + id + "/dissolve", {{"reason", "撤并"}}};
       },
       "admin",
       200,
       {"committee"}},
      {"change settings",
       "PUT /v1/settings",
       [&](World&) {
         return Target{"PUT", "/v1/settings", {{"assessment", {{"filed_points", 3}}}}};
       },
       "committee",
       200,
       {"admin"}},
      {"create a brand",
       "POST /v1/brands",
       [&](World&) {
         fresh("cultivating");
         auto list = World::obj(w.as("committee").get("/v1/brands?branch=b1&state=cultivating"));
         World::obj(w.as("committee")
                        .post(brand_path(text(list.at("items").as_array()[0].at("id")), "cancel"),
                              {{"reason", "x"}}));
         return Target{"POST", "/v1/brands", {{"name", "新品牌"}, {"branch", "b1"}}};
       },
       "b1",
       201,
       {"committee"}},
      {"edit a brand", "PATCH /v1/brands/{}",
       [&](World&) {
         return Target{"PATCH", brand_path(fresh("cultivating")), {{"slogan", "新口号"}}};
       },
       "b1"},
      {"submit", "POST /v1/brands/{}/submit",
       [&](World&) {
         return Target{"POST", brand_path(fresh("cultivating"), "submit"), {}};
       },
       "b1"},
      {"withdraw", "POST /v1/brands/{}/withdraw",
       [&](World&) {
         return Target{"POST", brand_path(fresh("cultivating"), "withdraw"), {}};
       },
       "b1"},
      {"reopen", "POST /v1/brands/{}/reopen",
       [&](World& ww) {
         const std::string id = fresh("cultivating");
         World::obj(ww.as("b1").post(brand_path(id, "withdraw")));
         return Target{"POST", brand_path(id, "reopen"), {}};
       },
       "b1"},
      {"approve", "POST /v1/brands/{}/approve",
       [&](World&) {
         return Target{"POST", brand_path(fresh("submitted"), "approve"), {}};
       },
       "u1"},
      {"return by the unit", "POST /v1/brands/{}/return",
       [&](World&) {
         return Target{"POST", brand_path(fresh("submitted"), "return"), {{"reason", "补充"}}};
       },
       "u1"},
      {"return by the committee", "POST /v1/brands/{}/return",
       [&](World&) {
         return Target{"POST", brand_path(fresh("unit_approved"), "return"), {{"reason", "补充"}}};
       },
       "committee"},
      {"file", "POST /v1/brands/{}/file",
       [&](World&) {
         return Target{"POST", brand_path(fresh("unit_approved"), "file"), {}};
       },
       "committee"},
      {"report progress", "POST /v1/brands/{}/progress",
       [&](World&) {
         return Target{
             "POST", brand_path(fresh("filed"), "progress"), {{"year", 2031}, {"summary", "自评"}}};
       },
       "b1"},
      {"cancel", "POST /v1/brands/{}/cancel",
       [&](World&) {
         return Target{"POST", brand_path(fresh("filed"), "cancel"), {{"reason", "撤并"}}};
       },
       "committee"},
      {"revoke", "POST /v1/brands/{}/revoke",
       [&](World&) {
         return Target{"POST", brand_path(named(), "revoke"), {{"reason", "违纪"}, {"veto", true}}};
       },
       "committee"},
      {"appeal", "POST /v1/brands/{}/appeal",
       [&](World& ww) {
         const std::string id = named();
         World::obj(ww.as("committee").post(brand_path(id, "revoke"), {{"reason", "违纪"}}));
         return Target{"POST", brand_path(id, "appeal"), {{"reason", "申诉"}}};
       },
       "b1"},
      {"decide an appeal", "POST /v1/brands/{}/appeal-decision",
       [&](World& ww) {
         const std::string id = named();
         World::obj(ww.as("committee").post(brand_path(id, "revoke"), {{"reason", "违纪"}}));
         World::obj(ww.as("b1").post(brand_path(id, "appeal"), {{"reason", "申诉"}}));
         return Target{"POST", brand_path(id, "appeal-decision"), {{"granted", false}}};
       },
       "committee"},
      {"raise an objection",
       "POST /v1/brands/{}/objections",
       [&](World& ww) {
         const std::string id = fresh("filed");
         ww.round({{id, 91}}, 2031);
         return Target{"POST", brand_path(id, "objections"), {{"reason", "举报"}}};
       },
       "b3",
       201,
       {"committee", "u1", "u2", "b1", "e1", "e2"}},
      {"decide an objection", "POST /v1/brands/{}/objections/{}/decision",
       [&](World& ww) {
         const std::string id = fresh("filed");
         ww.round({{id, 91}}, 2031);
         World::obj(ww.as("b3").post(brand_path(id, "objections"), {{"reason", "举报"}}));
         return Target{"POST", brand_path(id, "objections/obj-1/decision"), {{"upheld", false}}};
       },
       "committee"},
      {"open a round", "POST /v1/rounds",
       [&](World&) {
         return Target{"POST", "/v1/rounds", {{"name", "评选"}, {"year", 2031}}};
       },
       "committee", 201},
      {"nominate",
       "POST /v1/rounds/{}/nominations",
       [&](World& ww) {
         const std::string id = fresh("filed");
         auto r =
             World::obj(ww.as("committee").post("/v1/rounds", {{"name", "评选"}, {"year", 2031}}));
         return Target{"POST", "/v1/rounds/" + text(r.at("id")) + "/nominations", {{"brand", id}}};
       },
       "u1",
       200,
       {"committee"}},
      {"assign experts", "POST /v1/rounds/{}/experts",
       [&](World& ww) {
         auto r =
             World::obj(ww.as("committee").post("/v1/rounds", {{"name", "评选"}, {"year", 2031}}));
         return Target{
             "POST", "/v1/rounds/" + text(r.at("id")) + "/experts", {{"experts", {"e1", "e2"}}}};
       },
       "committee"},
      {"score",
       "POST /v1/rounds/{}/scores",
       [&](World& ww) {
         const auto [base, id] = prepared_round(ww, {"e1", "e2"}, true);
         return Target{"POST", base + "/scores", {{"brand", id}, {"scores", World::points(88)}}};
       },
       "e2",
       200,
       {},
       {{"e1", "conflict_of_interest"}}},
      {"close a round", "POST /v1/rounds/{}/close",
       [&](World& ww) {
         return Target{
             "POST", prepared_round(ww, {"e2"}, true).first + "/close", {{"force", true}}};
       },
       "committee"},
      {"start a round", "POST /v1/rounds/{}/start",
       [&](World& ww) {
         return Target{"POST", prepared_round(ww, {"e2"}, false).first + "/start", {}};
       },
       "committee"},
      {"publish the results for notice", "POST /v1/rounds/{}/notice",
       [&](World& ww) {
         const std::string r = ww.round({{fresh("filed"), 91}}, 2031, /*notice=*/false);
         return Target{"POST", "/v1/rounds/" + r + "/notice", {}};
       },
       "committee"},
      {"finalize a round after its notice", "POST /v1/rounds/{}/finalize",
       [&](World& ww) {
         const std::string r = ww.round({{fresh("filed"), 91}}, 2031);
         ww.advance(6);
         return Target{"POST", "/v1/rounds/" + r + "/finalize", {}};
       },
       "committee"},
      {"decide a rectification", "POST /v1/brands/{}/rectification",
       [&](World& ww) {
         // Named, then re-reviewed with a total between the rectify and excellent
         // thresholds: 限期整改.
         const std::string id = named();
         const std::string r = ww.round({{id, 70}}, 2032, true, {{"kind", "re_review"}});
         ww.advance(6);
         World::obj(ww.as("committee").post("/v1/rounds/" + r + "/finalize"));
         return Target{"POST", brand_path(id, "rectification"), {{"passed", true}}};
       },
       "committee"},
      // A single node has nothing to promote (409): the matrix holds everyone else off first.
      {"promote a replica", "POST /v1/admin/promote",
       [&](World&) {
         return Target{"POST", "/v1/admin/promote", {}};
       },
       "admin", 409},
      {"move the clock", "POST /v1/admin/clock",
       [&](World& ww) {
         ww.now_ = brandledger::add_days(ww.now_, 1);
         return Target{"POST", "/v1/admin/clock", {{"now", brandledger::format_rfc3339(ww.now_)}}};
       },
       "admin"},
  };

  // Every route that changes something has a case; logging in and out are for anyone, and
  // have their own test.
  {
    std::set<std::string> covered;
    for (const Case& c : cases) covered.insert(c.route);
    for (const std::string& route : api_routes()) {
      if (route.starts_with("GET ") || route == "POST /v1/session" || route == "DELETE /v1/session")
        continue;
      INFO(route << ": a new endpoint needs a case in this matrix");
      CHECK(covered.erase(route) == 1);
    }
    INFO("cases for routes the Api does not have");
    CHECK(covered.empty());
  }

  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      Target t = c.setup(w);
      // The case sends what its row says it covers.
      const std::regex route(std::regex_replace(c.route, std::regex(R"(\{\})"), "[^/?]+"));
      CHECK(std::regex_match(t.method + " " + t.path.substr(0, t.path.find('?')), route));
      // A decision says why, whoever asks: the refusals must come from the role alone.
      if (std::string comment = decision_comment(t.path); !comment.empty())
        t.body["comment"] = comment;
      const auto before = w.events();
      for (const std::string& role : kEveryRole) {
        if (role == c.allowed || c.also_allowed.count(role)) continue;
        const std::string body = boost::json::serialize(t.body);
        HttpResult r = role == "anonymous" ? http(w.port(), t.method, t.path, body)
                                           : w.as(role).call(t.method, t.path, body);
        INFO(c.name << " as " << role << ": " << r.status << " " << r.body);
        if (role == "anonymous") {
          CHECK(r.status == 401);
        } else {
          CHECK(r.status == 403);
          CHECK(r.code() == (c.codes.count(role) ? c.codes.at(role) : "forbidden"));
        }
      }
      CHECK(w.events() == before);  // no refusal appended anything
      HttpResult ok = w.as(c.allowed).call(t.method, t.path, boost::json::serialize(t.body));
      INFO(c.name << " as " << c.allowed << ": " << ok.body);
      CHECK(ok.status == c.ok_status);
    }
  }
}

TEST_CASE(
    "round results: scores for the committee, auditors and each expert its own, the rest "
    "after the notice, in scope, without scores") {
  World w;
  w.advance(0);
  w.add_user("e9", "expert", "wc");  // from outside the programme, not on this round's panel
  const std::string x = w.brand("b1"), y = w.brand("b3");  // units u1 and u2
  const std::string base = "/v1/rounds/" + w.round({{x, 91}, {y, 86}}, 2031, /*notice=*/false);
  auto items = [&](const std::string& who) {
    return World::obj(w.as(who).get(base + "/results")).at("items").as_array();
  };
  auto experts_in = [](const boost::json::value& item) {
    std::set<std::string> out;
    for (const auto& s : item.at("scores").as_array()) out.insert(text(s.at("expert")));
    return out;
  };
  for (const std::string who : {"committee", "auditor", "admin"}) {
    INFO(who);
    auto all = items(who);
    REQUIRE(all.size() == 2);
    CHECK(experts_in(all[0]) == std::set<std::string>{"e2", "e3", "e5"});  // x: not u1's e1, e4
    CHECK(experts_in(all[1]) == std::set<std::string>{"e1", "e3", "e4", "e5"});
    CHECK(all[0].at("final").to_number<double>() == 91);
  }
  // An expert of the panel: its own scores only, and no ranking before the notice.
  auto mine = items("e2");
  REQUIRE(mine.size() == 2);
  CHECK(experts_in(mine[0]) == std::set<std::string>{"e2"});
  CHECK(experts_in(mine[1]).empty());  // y is of e2's own unit: e2 did not score it
  CHECK(mine[0].at("final").is_null());
  CHECK(mine[0].at("rank").is_null());
  CHECK(w.as("e9").get(base + "/results").status == 403);
  // Unit and branch users: nothing before the notice is published.
  for (const std::string who : {"u1", "b1", "u2", "b3"}) {
    auto r = w.as(who).get(base + "/results");
    INFO(who << " " << r.body);
    CHECK(r.status == 403);
    CHECK(r.code() == "forbidden");
    CHECK(r.body.find("\"scores\"") == std::string::npos);
  }

  World::obj(w.as("committee").post(base + "/notice"));
  auto brands_of = [&](const std::string& who) {
    std::vector<std::string> out;
    for (const auto& item : items(who)) {
      CHECK_FALSE(item.as_object().contains("scores"));  // never per-expert scores
      CHECK_FALSE(item.at("final").is_null());
      CHECK_FALSE(item.at("outcome").is_null());
      out.push_back(text(item.at("brand")));
    }
    return out;
  };
  CHECK(brands_of("b1") == std::vector<std::string>{x});
  CHECK(brands_of("u1") == std::vector<std::string>{x});
  CHECK(brands_of("b3") == std::vector<std::string>{y});
  CHECK(brands_of("u2") == std::vector<std::string>{y});
  CHECK(brands_of("b2").empty());
  CHECK(brands_of("u3").empty());
  mine = items("e2");
  CHECK(mine[0].at("final").to_number<double>() == 91);
  CHECK(experts_in(mine[0]) == std::set<std::string>{"e2"});
}

TEST_CASE("the log's read paths: units and branches read their own scope without scores") {
  World w;
  w.advance(0);
  const std::string x = w.brand("b1"), y = w.brand("b3");  // units u1 and u2
  const std::string round_id = w.round({{x, 91}, {y, 86}}, 2031, /*notice=*/false);
  auto events_of = [&](const std::string& who, const std::string& query = "?limit=10000") {
    return World::obj(w.as(who).get("/v1/events" + query)).at("items").as_array();
  };
  auto types = [](const boost::json::array& items) {
    std::set<std::string> out;
    for (const auto& e : items) out.insert(text(e.at("type")));
    return out;
  };
  auto proposed_data = [&](const boost::json::array& items) {
    for (const auto& e : items)
      if (e.at("type") == "BrandProposed") return e.at("data").as_object();
    FAIL("no BrandProposed");
    return boost::json::object{};
  };

  auto all = events_of("committee");
  CHECK(types(all).count("ScoreRecorded") == 1);
  CHECK(proposed_data(all).contains("final"));

  const std::set<std::string> u1_streams = {"brand-" + x, "org-u1", "org-b1", "org-b2"};
  auto unit = events_of("u1");
  REQUIRE_FALSE(unit.empty());
  for (const auto& e : unit) {
    INFO(text(e.at("stream")) << " " << text(e.at("type")));
    CHECK(u1_streams.count(text(e.at("stream"))) == 1);
  }
  CHECK(types(unit).count("ScoreRecorded") == 0);
  CHECK(types(unit).count("RoundClosed") == 0);
  CHECK_FALSE(proposed_data(unit).contains("final"));  // not before the notice
  CHECK_FALSE(proposed_data(unit).contains("rank"));
  auto branch = events_of("b1");
  for (const auto& e : branch) {
    INFO(text(e.at("stream")));
    CHECK((text(e.at("stream")) == "brand-" + x || text(e.at("stream")) == "org-b1"));
  }
  CHECK(w.as("e1").get("/v1/events").status == 403);

  // Pages of a scoped reader: next still advances by position, nothing repeats or is lost.
  std::vector<std::uint64_t> paged;
  std::string query = "?limit=3";
  for (int guard = 0; guard < 100; ++guard) {
    auto page = World::obj(w.as("u1").get("/v1/events" + query));
    for (const auto& e : page.at("items").as_array())
      paged.push_back(e.at("position").to_number<std::uint64_t>());
    if (page.at("next").is_null()) break;
    query = "?limit=3&after=" + std::to_string(page.at("next").to_number<std::uint64_t>());
  }
  std::vector<std::uint64_t> whole;
  for (const auto& e : unit) whole.push_back(e.at("position").to_number<std::uint64_t>());
  CHECK(paged == whole);

  CHECK(w.as("u1").get("/v1/streams/brand-" + x).status == 200);
  CHECK(w.as("u1").get("/v1/streams/brand-" + y).status == 403);
  CHECK(w.as("u1").get("/v1/streams/round-" + round_id).status == 403);
  CHECK(w.as("b3").get("/v1/streams/brand-" + x).status == 403);
  auto history = World::obj(w.as("b1").get("/v1/brands/" + x + "/history")).at("items").as_array();
  CHECK_FALSE(proposed_data(history).contains("final"));
  auto audit = World::obj(w.as("b1").get("/v1/audit?limit=1000")).at("items").as_array();
  CHECK_FALSE(proposed_data(audit).contains("final"));
  CHECK(w.as("auditor").get("/v1/audit?format=csv").status == 200);
  REQUIRE(audit.size() >= 2);  // newest first (API.md)
  CHECK(audit[0].at("position").to_number<std::uint64_t>() >
        audit[1].at("position").to_number<std::uint64_t>());

  // The live stream: unnamed events (EventSource.onmessage sees them), the branch's only.
  std::vector<std::uint64_t> expected;
  for (const auto& e : branch) expected.push_back(e.at("position").to_number<std::uint64_t>());
  auto sse = sse_read(w.port(), "/v1/events/stream",
                      {{"Authorization", "Bearer " + w.as("b1").token()}}, expected.size(), 10);
  CHECK(sse.ids == expected);
  CHECK(sse.text.find("\nevent:") == std::string::npos);
  CHECK(sse.text.find("\"ScoreRecorded\"") == std::string::npos);
  CHECK(sse.text.find("\"final\"") == std::string::npos);

  // Once the notice is out, units and branches see their brands' finals.
  World::obj(w.as("committee").post("/v1/rounds/" + round_id + "/notice"));
  CHECK(proposed_data(events_of("b1")).at("final").to_number<double>() == 91);
}

TEST_CASE("who reads users and tokens: every role against the account read endpoints") {
  World w;
  struct Read {
    std::string path;
    std::set<std::string> allowed;
  };
  const std::vector<Read> reads = {
      {"/v1/users", {"admin", "committee", "auditor"}},
      {"/v1/users?role=expert", {"admin", "committee", "auditor"}},
      {"/v1/users/e1", {"admin", "committee", "auditor", "e1"}},
      {"/v1/users/b3/tokens", {"admin", "b3"}},
      {"/v1/users/e1/tokens", {"admin", "e1"}},
      {"/v1/me", {"admin", "committee", "auditor", "u1", "u2", "b1", "b3", "e1", "e2"}},
  };
  for (const Read& read : reads)
    for (const std::string& role : kEveryRole) {
      HttpResult r =
          role == "anonymous" ? http(w.port(), "GET", read.path) : w.as(role).get(read.path);
      INFO(read.path << " as " << role << ": " << r.status << " " << r.body);
      if (role == "anonymous")
        CHECK(r.status == 401);
      else if (read.allowed.count(role))
        CHECK(r.status == 200);
      else
        CHECK((r.status == 403 && r.code() == "forbidden"));
    }
}

TEST_CASE(
    "round results show the committee which totals drop_extremes left out and experts nothing of "
    "it") {
  World w;
  w.add_user("e6", "expert", "wc");
  const std::string y = w.brand("b3");  // unit u2: e1, e3, e4, e5 and e6 may score it
  auto round =
      World::obj(w.as("committee").post("/v1/rounds", {{"name", "2031年度评选"}, {"year", 2031}}));
  const std::string base = "/v1/rounds/" + text(round.at("id"));
  World::obj(w.as("committee").post(base + "/nominations", {{"brand", y}}));
  World::obj(
      w.as("committee").post(base + "/experts", {{"experts", {"e1", "e3", "e4", "e5", "e6"}}}));
  World::obj(w.as("committee").post(base + "/start"));
  const std::map<std::string, int> totals = {
      {"e1", 70}, {"e3", 80}, {"e4", 90}, {"e5", 85}, {"e6", 95}};
  for (const auto& [e, total] : totals)
    World::obj(w.as(e).post(base + "/scores", {{"brand", y}, {"scores", World::points(total)}}));
  World::obj(w.as("committee").post(base + "/close"));
  auto item = World::obj(w.as("committee").get(base + "/results")).at("items").as_array().at(0);
  CHECK(text(item.at("final")) == "85");  // (80 + 90 + 85) / 3
  std::set<std::string> dropped;
  for (const auto& s : item.at("scores").as_array())
    if (s.at("dropped").as_bool()) dropped.insert(text(s.at("expert")));
  CHECK(dropped == std::set<std::string>{"e1", "e6"});  // 70 and 95
  auto own = World::obj(w.as("e1").get(base + "/results")).at("items").as_array().at(0);
  REQUIRE(own.at("scores").as_array().size() == 1);
  CHECK_FALSE(own.at("scores").as_array()[0].as_object().contains("dropped"));
}

TEST_CASE(
    "reports in the caller's scope: a unit its own rows and totals, a branch its own assessment, "
    "files likewise") {
  World w;
  w.brand("b1", "filed");
  w.brand("b3", "filed");
  w.brand("b4", "submitted");
  // The whole programme for the committee, auditors and administrators.
  for (const std::string who : {"committee", "auditor", "admin"}) {
    INFO(who);
    CHECK(World::obj(w.as(who).get("/v1/reports/coverage")).at("units").as_array().size() == 3);
  }
  auto coverage = World::obj(w.as("u2").get("/v1/reports/coverage"));
  REQUIRE(coverage.at("units").as_array().size() == 1);
  CHECK(coverage.at("units").as_array()[0].at("unit") == "u2");
  CHECK(coverage.at("total").at("branches") == 2);
  CHECK(coverage.at("total").at("filed") == 1);
  auto pipeline = World::obj(w.as("u2").get("/v1/reports/pipeline"));
  REQUIRE(pipeline.at("units").as_array().size() == 1);
  CHECK(pipeline.at("total").at("filed") == 1);
  CHECK(pipeline.at("total").at("submitted") == 1);
  CHECK_FALSE(World::obj(w.as("u1").get("/v1/reports/pipeline"))
                  .at("total")
                  .as_object()
                  .contains("submitted"));
  auto units_assessment = World::obj(w.as("u1").get("/v1/reports/assessment?year=2031"));
  REQUIRE(units_assessment.at("branches").as_array().size() == 1);
  CHECK(units_assessment.at("branches").as_array()[0].at("branch") == "b1");
  auto own = World::obj(w.as("b3").get("/v1/reports/assessment?year=2031"));
  REQUIRE(own.at("branches").as_array().size() == 1);
  CHECK(own.at("branches").as_array()[0].at("branch") == "b3");
  CHECK(own.at("units").as_array().empty());
  // Not theirs to read.
  for (const std::string who : {"b1", "e1"})
    for (const char* report : {"/v1/reports/coverage", "/v1/reports/pipeline?as_of=2040-01-01",
                               "/v1/reports/coverage?format=csv"}) {
      INFO(who << " " << report);
      CHECK(w.as(who).get(report).code() == "forbidden");
    }
  CHECK(w.as("e1").get("/v1/reports/assessment?year=2031").code() == "forbidden");
  // Published names: everyone.
  for (const std::string who : {"b1", "e1", "u3"})
    CHECK(w.as(who).get("/v1/reports/titles?year=2031").status == 200);
  // A unit's file holds its rows only.
  const std::string file = w.as("u2").get("/v1/reports/assessment?year=2031&format=csv").body;
  // (Rows by their 组织编号 cell: a random brand id may well contain "b1".)
  CHECK(file.find("\n党组织,b3,") != std::string::npos);
  CHECK(file.find("\n党组织,b1,") == std::string::npos);
  CHECK(file.find("\n党组织,") == file.rfind("\n党组织,"));  // one branch row
}
