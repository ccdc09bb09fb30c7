// The read side's authorization matrix: every GET endpoint × every role × an object in the
// caller's scope and one outside it, generated from the one table below. Two named brands,
// x of branch b1 (unit u1) and y of branch b3 (unit u2), went through one round whose
// notice is out; a unit or branch user's own side is its brand, the other is not, and
// roles without an org scope take x as "in" and y as "out". The table says, per endpoint,
// who reads both sides, who reads only its own, and what text (scores) only some may see;
// everyone else must be refused with a problem, and no one without credentials gets in.
// A GET route of the Api without a row fails the test.
#include <functional>
#include <set>

#include "tests/api/route_table.h"
#include "tests/api/world.h"

using namespace brandledger::testing;

namespace {

// One side of the matrix: a brand with its branch and unit, and a user.
struct Side {
  std::string brand, branch, unit, user;
};

enum class Kind {
  kObject,       // one object, or a list filtered to it: readable is 200 (with the marker,
                 // when the row has one), unreadable a problem
  kList,         // a list or report: 200 for who may call it, the side's object in it or not
  kEventStream,  // Server-Sent Events: the same events GET /v1/events gives that caller
};

struct Read {
  std::string route;  // as Api::route_table() names it
  std::function<std::string(const Side&)> target;
  Kind kind;
  std::set<std::string> both;      // read either side
  std::set<std::string> own = {};  // read their own side only
  // The text that shows the side's object in the answer (kList; kObject when set).
  std::function<std::string(const Side&)> marker = {};
  bool sided = true;  // false: one object for every caller, no "out" to try
  bool open = false;  // answered without credentials too
  // Text only `sees_secret` may get (scores: DOMAIN.md), and must get where it reads.
  std::string secret = {};
  std::set<std::string> sees_secret = {};
  unsigned refused = 403;  // what everyone else gets
};

const std::set<std::string> kOffice = {"admin", "committee", "auditor"};
const std::set<std::string> kScoped = {"u1", "u2", "b1", "b3"};
const std::set<std::string> kUnits = {"u1", "u2"};
const std::set<std::string> kExperts = {"e1", "e2"};

std::set<std::string> operator+(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

std::set<std::string> signed_in() {
  std::set<std::string> out(kEveryRole.begin() + 1, kEveryRole.end());  // all but anonymous
  return out;
}

std::string quoted(const std::string& key, const std::string& value) {
  return "\"" + key + "\":\"" + value + "\"";
}

}  // namespace

TEST_CASE("authorization matrix: every role against every read endpoint - in scope and out") {
  World w;
  w.advance(0);
  const std::string x = w.brand("b1"), y = w.brand("b3");
  const std::string round = w.round({{x, 91}, {y, 91}}, 2031);
  w.advance(6);
  World::obj(w.as("committee").post("/v1/rounds/" + round + "/finalize"));  // both named
  const Side kX{x, "b1", "u1", ""}, kY{y, "b3", "u2", ""};

  auto brand_id = [](const Side& s) { return s.brand; };
  auto brand_stream = [](const Side& s) { return quoted("stream", "brand-" + s.brand); };
  const std::string rounds = "/v1/rounds/" + round;

  const std::vector<Read> reads = {
      {"GET /healthz",
       [](const Side&) { return "/healthz"; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false,
       true},
      {"GET /metrics",
       [](const Side&) { return "/metrics"; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false,
       true},
      {"GET /v1/me",
       [](const Side&) { return "/v1/me"; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false},
      // A browser's session: a caller with a token has none.
      {"GET /v1/session",
       [](const Side&) { return "/v1/session"; },
       Kind::kObject,
       {},
       {},
       {},
       false,
       false,
       {},
       {},
       401},
      {"GET /v1/users",
       [](const Side&) { return "/v1/users"; },
       Kind::kList,
       kOffice,
       {},
       [](const Side& s) { return quoted("id", s.user); }},
      {"GET /v1/users",
       [](const Side& s) { return "/v1/users?org=" + s.branch; },
       Kind::kList,
       kOffice,
       {},
       [](const Side& s) { return quoted("id", s.branch); }},
      {"GET /v1/users/{}", [](const Side& s) { return "/v1/users/" + s.user; }, Kind::kObject,
       kOffice, kScoped + kExperts},
      {"GET /v1/users/{}/tokens",
       [](const Side& s) { return "/v1/users/" + s.user + "/tokens"; },
       Kind::kObject,
       {"admin"},
       signed_in()},
      {"GET /v1/brands", [](const Side&) { return "/v1/brands"; }, Kind::kList, kOffice + kExperts,
       kScoped, brand_id},
      {"GET /v1/brands", [](const Side& s) { return "/v1/brands?unit=" + s.unit; }, Kind::kObject,
       kOffice + kExperts, kScoped, brand_id},
      {"GET /v1/brands", [](const Side& s) { return "/v1/brands?branch=" + s.branch; },
       Kind::kObject, kOffice + kExperts, kScoped, brand_id},
      {"GET /v1/brands", [](const Side&) { return "/v1/brands?format=csv"; }, Kind::kList,
       kOffice + kExperts, kScoped, brand_id},
      {"GET /v1/brands/{}", [](const Side& s) { return "/v1/brands/" + s.brand; }, Kind::kObject,
       kOffice + kExperts, kScoped},
      {"GET /v1/brands/{}",
       [](const Side& s) { return "/v1/brands/" + s.brand + "?as_of=2031-01-02"; }, Kind::kObject,
       kOffice + kExperts, kScoped},
      {"GET /v1/brands/{}/history",
       [](const Side& s) { return "/v1/brands/" + s.brand + "/history"; }, Kind::kObject,
       kOffice + kExperts, kScoped},
      {"GET /v1/brands/{}/actions",
       [](const Side& s) { return "/v1/brands/" + s.brand + "/actions"; }, Kind::kObject,
       kOffice + kExperts, kScoped},
      {"GET /v1/lifecycle",
       [](const Side&) { return "/v1/lifecycle"; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false},
      {"GET /v1/events", [](const Side&) { return "/v1/events?limit=10000"; }, Kind::kList, kOffice,
       kScoped, brand_stream, true, false, "\"ScoreRecorded\"", kOffice},
      {"GET /v1/events/stream", [](const Side&) { return "/v1/events/stream"; }, Kind::kEventStream,
       kOffice, kScoped, brand_stream, true, false, "\"ScoreRecorded\"", kOffice},
      {"GET /v1/streams/{}", [](const Side& s) { return "/v1/streams/brand-" + s.brand; },
       Kind::kObject, kOffice, kScoped},
      {"GET /v1/streams/{}",
       [&](const Side&) { return "/v1/streams/round-" + round; },
       Kind::kObject,
       kOffice,
       {},
       {},
       false,
       false,
       "\"ScoreRecorded\"",
       kOffice},
      {"GET /v1/audit", [](const Side&) { return "/v1/audit?limit=1000"; }, Kind::kList, kOffice,
       kScoped, brand_stream},
      {"GET /v1/audit", [](const Side& s) { return "/v1/audit?brand=" + s.brand; }, Kind::kList,
       kOffice, kScoped, brand_stream},
      {"GET /v1/audit", [](const Side&) { return "/v1/audit?format=csv"; }, Kind::kList, kOffice,
       kScoped, brand_id},
      {"GET /v1/admin/verify",
       [](const Side&) { return "/v1/admin/verify"; },
       Kind::kObject,
       {"admin", "auditor"},
       {},
       {},
       false},
      {"GET /v1/orgs",
       [](const Side&) { return "/v1/orgs"; },
       Kind::kList,
       signed_in(),
       {},
       [](const Side& s) { return quoted("id", s.branch); }},
      {"GET /v1/orgs/{}", [](const Side& s) { return "/v1/orgs/" + s.branch; }, Kind::kObject,
       signed_in()},
      {"GET /v1/settings",
       [](const Side&) { return "/v1/settings"; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false},
      {"GET /v1/re-reviews/due", [](const Side&) { return "/v1/re-reviews/due?before=2040-01-01"; },
       Kind::kList, kOffice + kExperts, kScoped, brand_id},
      {"GET /v1/reports/coverage", [](const Side&) { return "/v1/reports/coverage"; }, Kind::kList,
       kOffice, kUnits, [](const Side& s) { return quoted("unit", s.unit); }},
      {"GET /v1/reports/coverage", [](const Side&) { return "/v1/reports/coverage?format=csv"; },
       Kind::kList, kOffice, kUnits, [](const Side& s) { return "\n" + s.unit + ","; }},
      {"GET /v1/reports/titles",
       [](const Side&) { return "/v1/reports/titles?year=2031"; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false},
      {"GET /v1/reports/assessment", [](const Side&) { return "/v1/reports/assessment?year=2031"; },
       Kind::kList, kOffice, kScoped, [](const Side& s) { return quoted("branch", s.branch); }},
      {"GET /v1/reports/pipeline", [](const Side&) { return "/v1/reports/pipeline"; }, Kind::kList,
       kOffice, kUnits, [](const Side& s) { return quoted("unit", s.unit); }},
      {"GET /v1/rounds",
       [](const Side&) { return "/v1/rounds"; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false},
      {"GET /v1/rounds/{}",
       [&](const Side&) { return rounds; },
       Kind::kObject,
       signed_in(),
       {},
       {},
       false},
      {"GET /v1/rounds/{}/results", [&](const Side&) { return rounds + "/results"; }, Kind::kList,
       kOffice + kExperts, kScoped, [](const Side& s) { return quoted("brand", s.brand); }, true,
       false, "\"scores\"", kOffice + kExperts},
  };

  {  // Every GET route has a row; every row is a route.
    std::set<std::string> covered;
    for (const Read& r : reads) covered.insert(r.route);
    for (const std::string& route : api_routes()) {
      if (!route.starts_with("GET ")) continue;
      INFO(route << ": a new read endpoint needs a row in tests/api/read_matrix_test.cpp");
      CHECK(covered.erase(route) == 1);
    }
    INFO("rows for routes the Api does not have");
    CHECK(covered.empty());
  }

  for (const Read& read : reads) {
    for (const std::string& role : kEveryRole) {
      // The caller's own side, and the other.
      const bool second = role == "u2" || role == "b3";
      Side in = second ? kY : kX, out = second ? kX : kY;
      in.user = role == "anonymous" ? "admin" : role;
      out.user = out.branch;
      const bool calls = read.both.count(role) || read.own.count(role);
      std::vector<std::pair<Side, bool>> sides = {{in, calls}};
      if (read.sided) sides.push_back({out, read.both.count(role) > 0});

      for (const auto& [side, readable] : sides) {
        const std::string target = read.target(side);
        INFO(read.route << " as " << role << ": " << target);
        if (read.kind == Kind::kEventStream) {
          const Headers auth = role == "anonymous"
                                   ? Headers{}
                                   : Headers{{"Authorization", "Bearer " + w.as(role).token()}};
          if (!calls) {
            auto refused = sse_read(w.port(), target, auth, 1, 5);
            INFO(refused.text);
            CHECK(refused.text.starts_with(role == "anonymous" ? "HTTP/1.1 401" : "HTTP/1.1 403"));
            CHECK(refused.ids.empty());
            continue;
          }
          // The same events, in the same order, as GET /v1/events gives this caller.
          std::vector<std::uint64_t> expected;
          const auto events = World::obj(w.as(role).get("/v1/events?limit=10000"));
          for (const auto& e : events.at("items").as_array())
            expected.push_back(e.at("position").to_number<std::uint64_t>());
          auto sse = sse_read(w.port(), target, auth, expected.size(), 10);
          CHECK(sse.ids == expected);
          CHECK((sse.text.find(read.marker(side)) != std::string::npos) == readable);
          if (!read.secret.empty())
            CHECK((sse.text.find(read.secret) != std::string::npos) ==
                  (read.sees_secret.count(role) > 0));
          continue;
        }

        HttpResult r = role == "anonymous" ? http(w.port(), "GET", target) : w.as(role).get(target);
        INFO(r.status << " " << r.body.substr(0, 600));
        if (role == "anonymous" && !read.open) {
          CHECK(r.status == 401);
          CHECK(r.code() == "unauthorized");
          continue;
        }
        const bool answered = read.kind == Kind::kList ? calls : readable;
        if (!answered && !(read.open && role == "anonymous")) {
          CHECK(r.status == read.refused);
          CHECK(r.headers["content-type"] == "application/problem+json");
          CHECK_FALSE(r.code().empty());
          continue;
        }
        CHECK(r.status == 200);
        if (read.marker) CHECK((r.body.find(read.marker(side)) != std::string::npos) == readable);
        if (!read.secret.empty())
          CHECK((r.body.find(read.secret) != std::string::npos) ==
                (readable && read.sees_secret.count(role) > 0));
      }
    }
  }
}
