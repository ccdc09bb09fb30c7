// API.md's HTTP details over a real socket: challenge and Allow headers, the Bearer scheme,
// If-Match, refused filters and formats, name search, dates alone, the pipeline as of an
// instant, and bodies that are not UTF-8.
#include "tests/api/world.h"

using namespace brandledger::testing;
using boost::json::object;

namespace {

std::size_t count(const HttpResult& r) {
  return World::obj(r).at("items").as_array().size();
}

// 400 invalid_field naming `field`.
void check_field_error(const HttpResult& r, const std::string& field) {
  INFO(r.status << " " << r.body);
  CHECK(r.status == 400);
  CHECK(r.code() == "invalid_field");
  if (r.status == 400) CHECK(text(r.json().at("field")) == field);
}

}  // namespace

TEST_CASE("every 401 challenges with WWW-Authenticate: Bearer, and the scheme is case-insensitive") {
  World w(false);
  const std::string token = kAdminToken;
  for (const Headers& h : {Headers{}, Headers{{"Authorization", "Bearer nope"}},
                           Headers{{"Authorization", "Basic abc"}}}) {
    auto r = http(w.port(), "GET", "/v1/me", "", h);
    CHECK(r.status == 401);
    CHECK(r.headers["www-authenticate"] == "Bearer");
  }
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR "}) {
    auto r = http(w.port(), "GET", "/v1/me", "", {{"Authorization", scheme + token}});
    INFO(scheme);
    CHECK(r.status == 200);
  }
  CHECK(http(w.port(), "GET", "/v1/me", "", {{"Authorization", "Bearer" + token}}).status == 401);
}

TEST_CASE("a 405 names the methods the path has in Allow") {
  World w(false);
  auto r = w.as("admin").call("DELETE", "/v1/me", "");
  CHECK(r.status == 405);
  CHECK(r.headers["allow"] == "GET");
  auto brands = w.as("admin").call("PUT", "/v1/brands", "{}");
  CHECK(brands.status == 405);
  CHECK(brands.headers["allow"] == "GET, POST");
  auto one = w.as("admin").call("DELETE", "/v1/brands/x", "");
  CHECK(one.status == 405);
  CHECK(one.headers["allow"] == "GET, PATCH");
}

TEST_CASE("If-Match compares strongly: a list matches if any tag does, * any brand, W/ never") {
  World w;
  const std::string id = w.brand("b1", "cultivating");
  const std::string base = "/v1/brands/" + id;
  const Client& b1 = w.as("b1");
  const auto before = w.events();
  // A weak tag never matches, not even the current version.
  auto weak = b1.post(base + "/submit", object{}, {{"If-Match", "W/\"1\""}});
  CHECK(weak.status == 412);
  CHECK(weak.code() == "version_mismatch");
  CHECK(b1.post(base + "/submit", object{}, {{"If-Match", "\"2\", \"3\""}}).status == 412);
  CHECK(b1.post(base + "/submit", object{}, {{"If-Match", "\"opaque\""}}).status == 412);
  check_field_error(b1.post(base + "/submit", object{}, {{"If-Match", "1"}}), "If-Match");
  CHECK(w.events() == before);
  // A list with the current version in it.
  auto listed =
      World::obj(b1.post(base + "/submit", object{}, {{"If-Match", "W/\"2\", \"0\",\"1\""}}));
  CHECK(listed.at("state") == "submitted");
  // * matches any version of a brand that exists, and none that does not.
  auto any =
      World::obj(b1.post(base + "/withdraw", {{"comment", "撤回修改"}}, {{"If-Match", "*"}}));
  CHECK(any.at("state") == "withdrawn");
  auto missing = b1.post("/v1/brands/bnothere/submit", object{}, {{"If-Match", "*"}});
  CHECK(missing.status == 412);
  CHECK(w.events() == before + 2);
}

TEST_CASE("an unknown filter value or format is 400 naming it, never silently ignored") {
  World w;
  w.brand("b1", "filed");
  const Client& c = w.as("committee");
  check_field_error(c.get("/v1/brands?state=bogus"), "state");
  check_field_error(c.get("/v1/brands?title=bogus"), "title");
  check_field_error(c.get("/v1/brands?format=pdf"), "format");
  CHECK(c.get("/v1/brands?format=pdf").json().at("detail").as_string().find("json, csv, xlsx") !=
        std::string::npos);
  CHECK(count(c.get("/v1/brands?state=filed")) == 1);
  CHECK(count(c.get("/v1/brands?state=named&title=top10")) == 0);
  for (const char* report :
       {"/v1/reports/coverage?format=xls", "/v1/reports/titles?year=2031&format=pdf",
        "/v1/reports/assessment?year=2031&format=CSV", "/v1/reports/pipeline?format=html",
        "/v1/re-reviews/due?format=pdf", "/v1/audit?format=ods"}) {
    INFO(report);
    check_field_error(c.get(report), "format");
  }
  CHECK(c.get("/v1/reports/pipeline?format=json").status == 200);
}

TEST_CASE("q matches brand names whatever the case of their Latin letters") {
  World w;
  w.brand("b1", "cultivating", "Red Flag 红旗飘扬");
  w.brand("b3", "cultivating", "先锋 Vanguard");
  const Client& c = w.as("committee");
  CHECK(count(c.get("/v1/brands?q=red%20flag")) == 1);
  CHECK(count(c.get("/v1/brands?q=RED")) == 1);
  CHECK(count(c.get("/v1/brands?q=vANGUARD")) == 1);
  CHECK(count(c.get("/v1/brands?q=%E7%BA%A2%E6%97%97")) == 1);  // 红旗
  CHECK(count(c.get("/v1/brands?q=blue")) == 0);
}

TEST_CASE("a date alone is the end of that day in Asia/Shanghai, and an unparsable time is 400") {
  World w;
  w.clock("2031-03-01T15:00:00Z");  // 23:00 on 1 March in Shanghai
  const std::string id = w.brand("b1", "cultivating");
  const std::string base = "/v1/brands/" + id;
  w.clock("2031-03-01T16:30:00Z");  // 00:30 on 2 March in Shanghai
  World::obj(w.as("b1").post(base + "/submit"));
  const Client& c = w.as("committee");
  CHECK(World::obj(c.get(base + "?as_of=2031-03-01")).at("state") == "cultivating");
  CHECK(World::obj(c.get(base + "?as_of=2031-03-02")).at("state") == "submitted");
  CHECK(c.get(base + "?as_of=2031-02-28").status == 404);
  // The same instant written out: 2031-03-01T23:59:59.999999+08:00.
  CHECK(World::obj(c.get("/v1/reports/coverage?as_of=2031-03-01")).at("as_of") ==
        "2031-03-01T15:59:59.999999Z");
  check_field_error(c.get(base + "?as_of=2031-02-30"), "as_of");
  check_field_error(c.get("/v1/reports/coverage?as_of=soon"), "as_of");
  check_field_error(c.get("/v1/reports/pipeline?as_of=2031-03-01T25:00:00Z"), "as_of");
  check_field_error(c.get("/v1/re-reviews/due?before=next%20year"), "before");
}

TEST_CASE("the pipeline as of an instant counts brands by the state they were in then") {
  World w;
  w.clock("2031-03-01T02:00:00Z");
  const std::string id = w.brand("b1", "cultivating");
  w.brand("b3", "cultivating");
  w.clock("2031-04-01T02:00:00Z");
  World::obj(w.as("b1").post("/v1/brands/" + id + "/submit"));
  const Client& c = w.as("committee");
  auto by_unit = [](const object& report) {
    std::map<std::string, std::string> out;
    for (const auto& row : report.at("units").as_array())
      out[text(row.at("unit"))] = boost::json::serialize(row.at("by_state"));
    return out;
  };
  auto now = World::obj(c.get("/v1/reports/pipeline"));
  CHECK(by_unit(now)["u1"] == R"({"submitted":1})");
  auto march = World::obj(c.get("/v1/reports/pipeline?as_of=2031-03-15"));
  CHECK(by_unit(march)["u1"] == R"({"cultivating":1})");
  CHECK(by_unit(march)["u2"] == R"({"cultivating":1})");
  CHECK(march.at("total").at("cultivating") == 2);
  CHECK(march.at("as_of") == "2031-03-15T15:59:59.999999Z");
  auto before = World::obj(c.get("/v1/reports/pipeline?as_of=2031-02-01T00:00:00Z"));
  CHECK(before.at("units").as_array().empty());
  // As of now, the same counts as the live view.
  auto today = World::obj(c.get("/v1/reports/pipeline?as_of=2031-04-01T02:00:00Z"));
  CHECK(by_unit(today) == by_unit(now));
  CHECK(today.at("total") == now.at("total"));
}

TEST_CASE("a JSON body that is not UTF-8 is 400 invalid_utf8 and appends nothing") {
  World w;
  const auto before = w.events();
  const std::string bad = std::string(R"({"name":"红)") + "\xff\xfe" + R"(旗","slogan":"x"})";
  auto r = w.as("b1").call("POST", "/v1/brands", bad);
  CHECK(r.status == 400);
  CHECK(r.code() == "invalid_utf8");
  // An overlong encoding of "/" is not UTF-8 either.
  auto overlong =
      w.as("b1").call("POST", "/v1/brands", std::string(R"({"name":")") + "\xc0\xaf\"}");
  CHECK(overlong.code() == "invalid_utf8");
  CHECK(w.as("b1").call("POST", "/v1/brands", "{\"name\":").code() == "invalid_json");
  CHECK(w.events() == before);
}
