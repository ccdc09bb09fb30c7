// Every endpoint of API.md over a real socket against a real server process.
#include <fstream>

#include "tests/api/world.h"

using namespace brandledger::testing;
using boost::json::object;

TEST_CASE("health, metrics and authentication") {
  World w(false);
  auto health = http(w.port(), "GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(health.json().at("ok") == true);
  auto metrics = http(w.port(), "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("brandledger_commands_total{outcome=\"accepted\"}") != std::string::npos);
  CHECK(http(w.port(), "GET", "/v1/me").code() == "unauthorized");
  CHECK(http(w.port(), "GET", "/v1/me", "", {{"Authorization", "Bearer nope"}}).status == 401);
  CHECK(http(w.port(), "GET", "/v1/me", "", {{"Authorization", "Basic abc"}}).status == 401);
  auto me = World::obj(w.as("admin").get("/v1/me"));
  CHECK(me.at("id") == "admin");
  CHECK(me.at("role") == "admin");
  CHECK(http(w.port(), "GET", "/v1/nowhere", "",
             {{"Authorization", std::string("Bearer ") + kAdminToken}})
            .status == 404);
  CHECK(w.as("admin").call("DELETE", "/v1/me", "").status == 405);
}

TEST_CASE(
    "one log line per command with actor, command, stream, outcome and latency, and no token") {
  World w;
  auto created = w.as("b1").post("/v1/brands", World::content("坚强前哨·巩固后院"));
  REQUIRE(created.status == 201);
  const std::string id(created.json().at("id").as_string());
  CHECK(w.as("u2").post("/v1/brands/" + id + "/approve").status == 403);
  REQUIRE(w.server->stop() == 0);
  const std::string& log = w.server->output();
  INFO(log);
  CHECK(log.find("command actor=b1 role=branch command=brand.create stream=brand-" + id +
                 " outcome=accepted") != std::string::npos);
  CHECK(log.find("command actor=u2 role=unit command=brand.approve stream=brand-" + id +
                 " outcome=forbidden") != std::string::npos);
  CHECK(log.find("latency_ms=") != std::string::npos);
  CHECK(log.find(kAdminToken) == std::string::npos);
}

TEST_CASE("orgs, users and settings") {
  World w;
  auto orgs = World::obj(w.as("admin").get("/v1/orgs"));
  CHECK(orgs.at("items").as_array().size() == 10);
  auto b1 = World::obj(w.as("committee").get("/v1/orgs/b1"));
  CHECK(b1.at("kind") == "branch");
  CHECK(b1.at("parent") == "u1");
  CHECK(w.as("committee").get("/v1/orgs/zz").status == 404);
  // A new user's token works, is shown once, and is stored only hashed.
  auto created = World::expect(
      w.as("admin").post("/v1/users",
                         {{"id", "nu"}, {"name", "新用户"}, {"role", "auditor"}, {"org", "wc"}}),
      201);
  const std::string token(created.at("token").as_string());
  CHECK(token.size() == 64);
  CHECK(World::obj(Client(w.port(), token).get("/v1/me")).at("name") == "新用户");
  CHECK(w.as("admin").get("/v1/users/nu").body.find(token) == std::string::npos);
  CHECK(World::obj(w.as("auditor").get("/v1/users")).at("items").as_array().size() >= 12);
  auto settings = World::obj(
      w.as("committee")
          .put("/v1/settings",
               {{"assessment", {{"filed_points", 4}, {"title_bonus", {{"top10", 3}}}}}}));
  CHECK(settings.at("assessment").at("filed_points").to_number<double>() == 4);
  CHECK(World::obj(w.as("b1").get("/v1/settings"))
            .at("assessment")
            .at("title_bonus")
            .at("top10")
            .to_number<double>() == 3);
  World::expect(w.as("admin").post("/v1/orgs/b6/dissolve", {{"reason", "合并"}}), 200);
  CHECK(World::obj(w.as("admin").get("/v1/orgs/b6")).at("dissolved") == true);
}

TEST_CASE("a brand through 培育 and 备案: create, list, read, edit, actions, history, as-of") {
  World w;
  w.clock("2031-01-10T09:00:00Z");
  auto created = w.as("b1").post("/v1/brands", World::content("坚强前哨·巩固后院"));
  REQUIRE(created.status == 201);
  auto brand = created.json().as_object();
  const std::string id(brand.at("id").as_string());
  CHECK(created.headers.at("etag") == "\"1\"");
  CHECK(brand.at("state") == "cultivating");
  CHECK(brand.at("state_label") == "培育中");
  CHECK(brand.at("branch") == "b1");
  CHECK(brand.at("unit") == "u1");
  const std::string base = "/v1/brands/" + id;
  auto edited = World::obj(w.as("b1").patch(base, {{"slogan", "巩固后院"}}));
  CHECK(edited.at("slogan") == "巩固后院");
  CHECK(edited.at("version") == 2);
  World::obj(w.as("b1").post(base + "/submit", {{"comment", "请审核"}}));
  World::obj(w.as("u1").post(base + "/return", {{"reason", "请补充"}}));
  World::obj(w.as("b1").post(base + "/submit"));
  World::obj(w.as("u1").post(base + "/approve"));
  w.clock("2031-02-01T09:00:00Z");
  auto filed = World::obj(w.as("committee").post(base + "/file"));
  CHECK(filed.at("state") == "filed");
  CHECK(filed.at("filing_no") == "备-2031-0001");
  CHECK(filed.at("latest_progress").is_null());
  World::obj(w.as("b1").post(base + "/progress", {{"year", 2031}, {"summary", "稳步推进"}}));
  // The brand keeps the latest year's report (every one is in its history); a late report
  // of an earlier year does not replace it.
  World::obj(w.as("b1").post(base + "/progress", {{"year", 2032}, {"summary", "成效明显"}}));
  auto reported =
      World::obj(w.as("b1").post(base + "/progress", {{"year", 2030}, {"summary", "补报"}}));
  CHECK(reported.at("latest_progress") ==
        boost::json::value({{"year", 2032}, {"summary", "成效明显"}}));

  auto one = w.as("u1").get(base);
  CHECK(one.status == 200);
  CHECK(one.headers.at("etag") ==
        "\"" + std::to_string(one.json().at("version").to_number<int>()) + "\"");
  CHECK(World::obj(w.as("committee").get("/v1/brands?state=filed")).at("items").as_array().size() ==
        1);
  CHECK(World::obj(w.as("committee")
                       .get("/v1/brands?q="
                            "%E5%89%8D%E5%93%A8"))
            .at("items")
            .as_array()
            .size() == 1);
  CHECK(World::obj(w.as("u2").get("/v1/brands")).at("items").as_array().empty());  // scope
  CHECK(w.as("u2").get(base).status == 403);
  // As it stood before it was filed; and before it existed.
  auto before = World::obj(w.as("committee").get(base + "?as_of=2031-01-20T00:00:00Z"));
  CHECK(before.at("state") == "unit_approved");
  CHECK(w.as("committee").get(base + "?as_of=2030-12-31T00:00:00Z").status == 404);
  CHECK(w.as("committee").get(base + "?as_of=yesterday").code() == "invalid_field");

  auto history = World::obj(w.as("b1").get(base + "/history")).at("items").as_array();
  REQUIRE(history.size() == 10);
  CHECK(history[1].at("type") == "BrandEdited");
  CHECK(history[2].at("comment") == "请审核");
  CHECK(history[3].at("from_state") == "submitted");
  CHECK(history[3].at("to_state") == "cultivating");
  CHECK(history[3].at("actor").at("id") == "u1");
  CHECK(history[6].at("occurred_at") == "2031-02-01T09:00:00Z");

  World::obj(w.as("committee").post(base + "/cancel", {{"reason", "支部撤并"}}));
  CHECK(World::obj(w.as("committee").get(base)).at("state") == "cancelled");
}

TEST_CASE("a command answers the very document a read returns, numbers in plain decimals") {
  World w;
  auto created = w.as("b1").post("/v1/brands", World::content("坚强前哨·巩固后院"));
  REQUIRE(created.status == 201);
  const std::string base = "/v1/brands/" + std::string(created.json().at("id").as_string());
  auto edited = w.as("b1").patch(base, {{"slogan", "巩固后院"}});
  REQUIRE(edited.status == 200);
  auto read = w.as("b1").get(base);
  CHECK(edited.body == read.body);
  CHECK(edited.headers.at("etag") == read.headers.at("etag"));
  CHECK(read.headers.at("etag") == "\"2\"");

  auto round = w.as("committee")
                   .post("/v1/rounds",
                         {{"name", "评选"}, {"year", 2031}, {"thresholds", {{"top10", 92.5}}}});
  REQUIRE(round.status == 201);
  auto round_read =
      w.as("committee").get("/v1/rounds/" + std::string(round.json().at("id").as_string()));
  CHECK(round.body == round_read.body);
  CHECK_THAT(round.body, Catch::Contains("\"top10\":92.5"));
  CHECK_THAT(round.body, Catch::Contains("\"demonstration\":85"));
  CHECK_THAT(round.body, !Catch::Contains("E1"));
}

TEST_CASE("If-Match and Idempotency-Key: 412 on a moved entity, one effect per key") {
  World w;
  const std::string id = w.brand("b1", "cultivating");
  const std::string base = "/v1/brands/" + id;
  auto stale = w.as("b1").post(base + "/submit", object{}, {{"If-Match", "\"7\""}});
  CHECK(stale.status == 412);
  CHECK(stale.code() == "version_mismatch");
  World::obj(w.as("b1").post(base + "/submit", object{}, {{"If-Match", "\"1\""}}));
  const auto before = w.events();
  auto first = w.as("u1").post(base + "/approve", object{}, {{"Idempotency-Key", "approve-1"}});
  auto again = w.as("u1").post(base + "/approve", object{}, {{"Idempotency-Key", "approve-1"}});
  CHECK(first.status == 200);
  CHECK(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(w.events() == before + 1);
}

TEST_CASE("an Idempotency-Key answers only its own request: another path or body is 422") {
  World w;
  const std::string id = w.brand("b1", "cultivating");
  const std::string base = "/v1/brands/" + id;
  const Headers key = {{"Idempotency-Key", "k-1"}};
  World::obj(w.as("b1").post(base + "/submit", object{{"comment", "申报"}}, key));
  const auto before = w.events();
  // The same key on a withdraw used to answer 200 with the submit's answer and do nothing.
  auto withdraw = w.as("b1").post(base + "/withdraw", object{{"comment", "撤回"}}, key);
  CHECK(withdraw.status == 422);
  CHECK(withdraw.code() == "idempotency_key_reused");
  auto other_body = w.as("b1").post(base + "/submit", object{{"comment", "另一条"}}, key);
  CHECK(other_body.status == 422);
  CHECK(other_body.code() == "idempotency_key_reused");
  CHECK(w.events() == before);
  // The very same request again is a retry: its first answer.
  auto retry = w.as("b1").post(base + "/submit", object{{"comment", "申报"}}, key);
  CHECK(retry.status == 200);
  CHECK(World::obj(w.as("b1").get(base)).at("state") == "submitted");
  // Keys are each caller's own: another user's same key is a request of its own.
  auto approve = w.as("u1").post(base + "/approve", object{{"comment", "同意"}}, key);
  CHECK(approve.status == 200);
  CHECK(w.events() == before + 1);
}

TEST_CASE(
    "a selection round over HTTP: nominations, scores, results, notice, objections, finalize, "
    "reports") {
  World w;
  w.clock("2031-03-01T08:00:00Z");
  const std::string x = w.brand("b1"), y = w.brand("b3"), z = w.brand("b5");
  const std::string round = w.round({{x, 91}, {y, 86}, {z, 70}}, 2031);
  const std::string base = "/v1/rounds/" + round;
  auto r = World::obj(w.as("committee").get(base));
  CHECK(r.at("state") == "notice");
  CHECK(r.at("nominated").as_array().size() == 3);
  CHECK(World::obj(w.as("auditor").get("/v1/rounds")).at("items").as_array().size() == 1);
  auto results = World::obj(w.as("committee").get(base + "/results")).at("items").as_array();
  REQUIRE(results.size() == 3);
  CHECK(text(results[0].at("brand")) == x);
  CHECK(results[0].at("final").to_number<double>() == Approx(91));
  CHECK(results[0].at("title") == "top10");
  CHECK(results[0].at("outcome") == "selected");
  CHECK(results[2].at("outcome") == "not_selected");
  CHECK(results[0].at("scores").as_array().size() == 3);  // e2, e3, e5: not e1 and e4 of its unit
  // An expert sees only its own scores.
  auto mine = World::obj(w.as("e2").get(base + "/results")).at("items").as_array();
  CHECK(mine[0].at("scores").as_array().size() == 1);
  CHECK(mine[0].at("scores").as_array()[0].at("expert") == "e2");

  auto objection = w.as("b6").post("/v1/brands/" + y + "/objections", {{"reason", "材料不实"}});
  CHECK(objection.status == 201);
  CHECK(objection.json().at("id") == "obj-1");
  CHECK(w.as("committee").post(base + "/finalize").code() == "notice_not_ended");
  w.clock("2031-03-06T08:00:01Z");
  CHECK(w.as("committee").post(base + "/finalize").code() == "objection_pending");
  World::obj(w.as("committee")
                 .post("/v1/brands/" + y + "/objections/obj-1/decision",
                       {{"upheld", false}, {"comment", "查无实据"}}));
  World::obj(w.as("committee").post(base + "/finalize"));
  CHECK(World::obj(w.as("committee").get("/v1/brands/" + x)).at("title_label") == "十佳党建品牌");
  CHECK(World::obj(w.as("committee").get("/v1/brands/" + y)).at("title") == "demonstration");

  auto titles = World::obj(w.as("committee").get("/v1/reports/titles?year=2031"));
  CHECK(titles.at("by_title").at("top10") == 1);
  CHECK(titles.at("total") == 2);
  CHECK(titles.at("nominations") == 3);
  auto coverage = World::obj(w.as("committee").get("/v1/reports/coverage"));
  CHECK(coverage.at("total").at("filed") == 3);
  CHECK(coverage.at("total").at("branches") == 6);
  CHECK(World::obj(w.as("committee").get("/v1/reports/coverage?as_of=2030-01-01T00:00:00Z"))
            .at("total")
            .at("filed") == 0);
  CHECK(World::obj(w.as("committee").get("/v1/reports/pipeline")).at("total").at("named") == 2);
  auto assessment = World::obj(w.as("committee").get("/v1/reports/assessment?year=2031"));
  CHECK(assessment.at("branches").as_array().size() == 3);
  CHECK(w.as("committee").get("/v1/reports/titles").code() == "invalid_field");
  auto due = World::obj(w.as("committee").get("/v1/re-reviews/due?before=2034-12-31T00:00:00Z"))
                 .at("items")
                 .as_array();
  CHECK(due.size() == 2);
  CHECK(World::obj(w.as("committee").get("/v1/re-reviews/due?before=2033-12-31T00:00:00Z"))
            .at("items")
            .as_array()
            .empty());

  // Revocation, appeal and its decision.
  CHECK(World::obj(w.as("committee").get("/v1/brands/" + x)).at("appeal_until").is_null());
  auto revoked = World::obj(
      w.as("committee").post("/v1/brands/" + x + "/revoke", {{"reason", "违纪"}, {"veto", true}}));
  // The branch may appeal for 10 days from the revocation; the brand says until when.
  const auto revoked_at = World::obj(w.as("committee").get("/v1/brands/" + x + "/history"))
                              .at("items").as_array().back().at("occurred_at");
  CHECK(text(revoked.at("appeal_until")) ==
        brandledger::format_rfc3339(brandledger::add_days(*brandledger::parse_rfc3339(text(revoked_at)), 10)));
  auto appealed = World::obj(w.as("b1").post("/v1/brands/" + x + "/appeal", {{"reason", "申诉"}}));
  CHECK(appealed.at("appeal_until").is_null());  // appealed: no window left to show
  auto granted = World::obj(
      w.as("committee").post("/v1/brands/" + x + "/appeal-decision", {{"granted", true}}));
  CHECK(granted.at("state") == "named");
  CHECK(granted.at("title") == "top10");
}

TEST_CASE("the log: events, streams, audit in JSON and CSV, verify, the manual clock") {
  World w;
  const std::string id = w.brand("b1");
  auto page = World::obj(w.as("auditor").get("/v1/events?after=0&limit=5"));
  REQUIRE(page.at("items").as_array().size() == 5);
  CHECK(page.at("next") == 5);
  const auto& first = page.at("items").as_array()[0].as_object();
  CHECK(first.at("position") == 1);
  CHECK(first.at("prev_hash").as_string().size() == 64);
  CHECK(first.at("hash").as_string().size() == 64);
  CHECK(World::obj(w.as("auditor").get("/v1/events?after=5&limit=5"))
            .at("items")
            .as_array()[0]
            .at("position") == 6);
  CHECK(w.as("e1").get("/v1/events").status == 403);  // a branch reads its own: authz tests
  auto stream = World::obj(w.as("committee").get("/v1/streams/brand-" + id)).at("items").as_array();
  CHECK(stream.size() == 4);
  CHECK(w.as("committee").get("/v1/streams/brand-none").status == 404);

  auto audit = World::obj(w.as("auditor").get("/v1/audit?actor=u1")).at("items").as_array();
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].at("type") == "BrandApproved");
  CHECK(World::obj(w.as("u2").get("/v1/audit")).at("items").as_array().size() <
        World::obj(w.as("auditor").get("/v1/audit?limit=1000")).at("items").as_array().size());
  CHECK(w.as("u2").get("/v1/audit?org=u1").status == 403);
  CHECK(w.as("e1").get("/v1/audit").status == 403);
  auto csv = w.as("committee").get("/v1/audit?brand=" + id + "&format=csv");
  CHECK(csv.status == 200);
  CHECK(csv.headers.at("content-type").rfind("text/csv", 0) == 0);
  CHECK(csv.body.rfind("\xEF\xBB\xBF位置,时间（北京时间）,对象,事件,", 0) == 0);
  CHECK(csv.body.find("BrandFiled") != std::string::npos);
  CHECK(csv.body.find("unit_approved（单位已审核）") != std::string::npos);  // labels beside codes
  // Times in Beijing time (UTC+8).
  const auto entries =
      World::obj(w.as("committee").get("/v1/audit?brand=" + id)).at("items").as_array();
  const std::string utc = brandledger::format_rfc3339(
      *brandledger::parse_rfc3339(std::string(entries[0].at("occurred_at").as_string())) + std::chrono::hours(8));
  CHECK(csv.body.find("," + utc.substr(0, 10) + " " + utc.substr(11, 8) + ",") != std::string::npos);
  // A comment that looks like a formula is not run by a spreadsheet.
  const std::string other = w.brand("b2", "cultivating");
  World::obj(w.as("committee").post("/v1/brands/" + other + "/cancel",
                                    {{"reason", "撤并"}, {"comment", "=HYPERLINK(\"http://x\") 支部撤并"}}));
  auto escaped = w.as("committee").get("/v1/audit?brand=" + other + "&format=csv");
  CHECK(escaped.body.find("'=HYPERLINK(") != std::string::npos);
  CHECK(escaped.body.find(",=HYPERLINK(") == std::string::npos);
  CHECK(escaped.body.find("\"=HYPERLINK(") == std::string::npos);

  auto verify = World::obj(w.as("auditor").get("/v1/admin/verify"));
  CHECK(verify.at("ok") == true);
  CHECK(w.as("committee").get("/v1/admin/verify").status == 403);
  CHECK(World::obj(w.as("admin").post("/v1/admin/clock", {{"now", "2040-01-01T00:00:00Z"}}))
            .at("now") == "2040-01-01T00:00:00Z");
  CHECK(w.as("admin").post("/v1/admin/clock", {{"now", "2039-01-01T00:00:00Z"}}).code() ==
        "clock_backwards");
  CHECK(w.as("committee").post("/v1/admin/clock", {{"now", "2041-01-01T00:00:00Z"}}).status == 403);
}

TEST_CASE(
    "the --web folder serves the console's files, falls back to index.html, and never leaves its "
    "folder") {
  TempDir dir;
  std::filesystem::create_directories(dir / "web" / "assets");
  std::filesystem::create_directories(dir / "web2");
  auto write = [](const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
  };
  write(dir / "web" / "index.html", "<!doctype html><title>BrandLedger</title>");
  write(dir / "web" / "assets" / "app.js", "console.log('品牌');");
  write(dir / "web2" / "secret.txt", "not for you");
  write(dir / "secret.txt", "not for you either");
  ServerProcess server(dir / "data", {"--web", (dir / "web").string()});
  auto index = http(server.port(), "GET", "/");
  CHECK(index.status == 200);
  CHECK(index.headers.at("content-type").rfind("text/html", 0) == 0);
  auto js = http(server.port(), "GET", "/assets/app.js");
  CHECK(js.body == "console.log('品牌');");
  CHECK(js.headers.at("content-type").rfind("text/javascript", 0) == 0);
  CHECK(http(server.port(), "GET", "/brands/b1").body == index.body);  // a client route
  for (const char* path :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/../web2/secret.txt", "/..%2fweb2/secret.txt"}) {
    INFO(path);
    auto r = http(server.port(), "GET", path);
    CHECK(r.body.find("not for you") == std::string::npos);
  }
  CHECK(http(server.port(), "GET", "/v1/nothing").status == 404);  // the API is not the console
}

TEST_CASE("the console's files: hashed assets cached for good - index.html revalidated - gzip "
          "when taken - security headers - a missing asset is 404") {
  TempDir dir;
  std::filesystem::create_directories(dir / "web" / "assets");
  auto write = [](const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  };
  write(dir / "web" / "index.html", "<!doctype html><title>品牌</title>");
  write(dir / "web" / "assets" / "index-3f9a1c07.js", "console.log(1);");
  write(dir / "web" / "assets" / "index-3f9a1c07.js.gz", "GZIPPED-BYTES");
  write(dir / "web" / "assets" / "font-1.woff2", "wOF2");
  ServerProcess server(dir / "data", {"--web", (dir / "web").string()});

  auto page = http(server.port(), "GET", "/brands?state=filed");
  CHECK(page.status == 200);
  CHECK(page.headers.at("cache-control") == "no-cache");
  const std::string csp = page.headers.at("content-security-policy");
  CHECK_THAT(csp, Catch::Contains("default-src 'self'"));
  CHECK_THAT(csp, Catch::Contains("script-src 'self'"));
  CHECK_THAT(csp, Catch::Contains("frame-ancestors 'none'"));
  CHECK_THAT(csp, !Catch::Contains("unsafe-eval"));
  CHECK(page.headers.at("x-content-type-options") == "nosniff");
  CHECK(page.headers.at("referrer-policy") == "same-origin");

  auto plain = http(server.port(), "GET", "/assets/index-3f9a1c07.js");
  CHECK(plain.body == "console.log(1);");
  CHECK(plain.headers.count("content-encoding") == 0);
  CHECK(plain.headers.at("cache-control") == "public, max-age=31536000, immutable");
  auto zipped = http(server.port(), "GET", "/assets/index-3f9a1c07.js", "",
                     {{"Accept-Encoding", "gzip, deflate, br"}});
  CHECK(zipped.body == "GZIPPED-BYTES");
  CHECK(zipped.headers.at("content-encoding") == "gzip");
  CHECK(zipped.headers.at("content-type").rfind("text/javascript", 0) == 0);
  CHECK_THAT(zipped.headers.at("vary"), Catch::Contains("Accept-Encoding"));
  auto refused = http(server.port(), "GET", "/assets/index-3f9a1c07.js", "",
                      {{"Accept-Encoding", "gzip;q=0, br"}});
  CHECK(refused.body == "console.log(1);");
  CHECK(http(server.port(), "GET", "/assets/font-1.woff2").headers.at("content-type") ==
        "font/woff2");
  CHECK(http(server.port(), "GET", "/assets/index-00000000.js").status == 404);
}

namespace {

std::string han(std::size_t n) {  // n characters, 3n bytes
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "审";
  return s;
}

// A problem+json answer with this status, code and field.
void refused(const HttpResult& r, unsigned status, const std::string& code,
             const std::string& field) {
  INFO(r.status << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.headers.at("content-type") == "application/problem+json");
  auto p = r.json().as_object();
  CHECK(text(p.at("code")) == code);
  CHECK(text(p.at("field")) == field);
}

}  // namespace

TEST_CASE(
    "text over its limit is 400 too_long naming the field, counted in characters, and "
    "appends nothing") {
  World w;
  const std::string id = w.brand("b1", "submitted");
  const std::string base = "/v1/brands/" + id;
  const auto before = w.events();
  // A million-character comment, inside the 1 MiB body limit.
  refused(w.as("u1").post(base + "/approve", {{"comment", std::string(1000000, 'x')}}), 400,
          "too_long", "comment");
  // Characters, not bytes: 2,001 are too many, 2,000 (6,000 bytes) are not.
  refused(w.as("u1").post(base + "/approve", {{"comment", han(2001)}}), 400, "too_long", "comment");
  refused(w.as("u1").post(base + "/return", {{"reason", han(2001)}}), 400, "too_long", "reason");
  refused(w.as("b3").post("/v1/brands", World::content(han(101))), 400, "too_long", "name");
  object content = World::content();
  content["effects"] = han(10001);
  refused(w.as("b3").post("/v1/brands", content), 400, "too_long", "effects");
  refused(w.as("committee").post("/v1/rounds", {{"name", han(101)}, {"year", 2031}}), 400,
          "too_long", "name");
  refused(w.as("admin").post(
              "/v1/orgs", {{"id", "u9"}, {"name", han(101)}, {"kind", "unit"}, {"parent", "wc"}}),
          400, "too_long", "name");
  // Field errors name their field the same way.
  refused(w.as("committee").post("/v1/rounds", {{"name", "评选"}}), 400, "invalid_field", "year");
  refused(w.as("u1").post(base + "/approve", {{"comment", 7}}), 400, "invalid_field", "comment");
  CHECK(w.events() == before);

  auto approved = World::obj(w.as("u1").post(base + "/approve", {{"comment", han(2000)}}));
  CHECK(approved.at("state") == "unit_approved");
  CHECK(w.events() == before + 1);
  auto history = World::obj(w.as("committee").get(base + "/history")).at("items").as_array();
  CHECK(text(history.back().at("comment")) == han(2000));
}

TEST_CASE(
    "a decision without a comment is 422 comment_required, whatever its reason, and "
    "appends nothing") {
  World w;
  const std::string id = w.brand("b1", "submitted");
  const std::string base = "/v1/brands/" + id;
  const auto before = w.events();
  // Missing, blank (the ideographic space too), or only a reason: refused.
  refused(w.as("u1").call("POST", base + "/approve", "{}"), 422, "comment_required", "comment");
  refused(w.as("u1").post(base + "/approve", {{"comment", " \u3000"}}), 422, "comment_required",
          "comment");
  refused(w.as("u1").post(base + "/return", {{"reason", "请补充成效数据"}, {"comment", ""}}), 422,
          "comment_required", "comment");
  // A reason is still needed beside the comment.
  refused(w.as("u1").post(base + "/return", {{"comment", "请补充成效数据"}}), 400, "invalid_field",
          "reason");
  CHECK(w.events() == before);
  // The branch's own steps are no decisions.
  const std::string other = w.brand("b3", "cultivating");
  CHECK(w.as("b3").call("POST", "/v1/brands/" + other + "/submit", "{}").status == 200);
  auto returned = World::obj(w.as("u1").post(
      base + "/return",
      {{"reason", "请补充成效数据"}, {"comment", "‘有效果’缺少量化成效，请补充后重新申报。"}}));
  CHECK(returned.at("state") == "cultivating");
  auto history = World::obj(w.as("committee").get(base + "/history")).at("items").as_array();
  CHECK(text(history.back().at("comment")) == "‘有效果’缺少量化成效，请补充后重新申报。");
  CHECK(text(history.back().at("data").at("reason")) == "请补充成效数据");
}
