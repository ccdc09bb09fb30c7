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

namespace brandledger::testing {
namespace {

const Headers kChinese = {{"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"}};

boost::json::object chinese(const Client& c, const std::string& method, const std::string& target,
                            const std::string& body = "") {
  auto r = c.call(method, target, body, kChinese);
  INFO(r.body);
  REQUIRE(r.status >= 400);
  return r.json().as_object();
}

}  // namespace

TEST_CASE("under Accept-Language zh a problem's title and detail are Chinese and its code is not") {
  World w;
  const std::string id = w.brand("b1", "cultivating");
  World::obj(w.as("b1").patch("/v1/brands/" + id, {{"theme", ""}, {"features", " "}}));
  const Client& b1 = w.as("b1");
  // English by default, and when English is preferred.
  auto english = World::expect(b1.post("/v1/brands/" + id + "/submit"), 422);
  CHECK(english.at("title") == "Unprocessable Entity");
  CHECK(text(english.at("detail")).find("missing: theme") != std::string::npos);
  auto preferred = b1.call("POST", "/v1/brands/" + id + "/submit", "{}",
                           {{"Accept-Language", "en-US,en;q=0.9,zh-CN;q=0.8"}});
  CHECK(preferred.json().at("title") == "Unprocessable Entity");
  // The rule's particulars in Chinese.
  auto four = chinese(b1, "POST", "/v1/brands/" + id + "/submit", "{}");
  CHECK(four.at("code") == "incomplete_four_haves");
  CHECK(four.at("status") == 422);
  CHECK(four.at("title") == "不符合业务规则");
  CHECK(four.at("detail") == "“四有”不完整，尚缺：有主题、有特色");
  // A field error names the field as the console's form does.
  auto field = chinese(w.as("committee"), "GET", "/v1/reports/titles?year=abc");
  CHECK(field.at("code") == "invalid_field");
  CHECK(field.at("field") == "year");
  CHECK(field.at("detail") == "填写的内容有误或缺失（年度）");
  // The machine's refusal says the state in Chinese.
  auto illegal = chinese(w.as("u1"), "POST", "/v1/brands/" + id + "/approve", R"({"comment":"同意"})");
  CHECK(illegal.at("code") == "illegal_transition");
  CHECK(text(illegal.at("detail")).find("品牌当前为“培育中”") == 0);
  // Refusals the API makes before any command: scope, missing things, credentials.
  CHECK(chinese(w.as("b3"), "GET", "/v1/brands/" + id).at("title") == "无权操作");
  CHECK(chinese(w.as("b1"), "GET", "/v1/brands/nope").at("detail") == "未找到相应的内容");
  CHECK(chinese(w.as("b1"), "GET", "/v1/no-such-endpoint").at("code") == "not_found");
  auto nobody = http(w.port(), "GET", "/v1/brands", "", {{"Accept-Language", "zh"}});
  CHECK(nobody.status == 401);
  CHECK(nobody.json().at("detail") == "未登录或登录已失效，请重新登录");
  CHECK(nobody.code() == "unauthorized");
  // A brand's denied actions say why in the caller's language too.
  auto actions = b1.call("GET", "/v1/brands/" + id + "/actions", "", kChinese).json();
  bool said = false;
  for (const auto& d : actions.at("denied").as_array())
    if (d.at("action") == "submit") said = d.at("detail") == "“四有”不完整，尚缺：有主题、有特色";
  CHECK(said);
}

TEST_CASE("a cooling-off refusal in Chinese says the day it lifts in Beijing time and until names it") {
  World w;
  const std::string id = w.named("b1");
  World::obj(w.as("committee").post("/v1/brands/" + id + "/revoke", {{"reason", "违纪"}, {"veto", true}}));
  auto round = World::obj(w.as("committee").post("/v1/rounds", {{"name", "下一批"}, {"year", 2032}}));
  const std::string rid(round.at("id").as_string());
  auto refused = chinese(w.as("committee"), "POST", "/v1/rounds/" + rid + "/nominations",
                         boost::json::serialize(boost::json::object{{"brand", id}}));
  CHECK(refused.at("code") == "cooling_off");
  const auto until = *parse_rfc3339(text(World::obj(w.as("committee").get("/v1/brands/" + id)).at("reapply_after")));
  CHECK(text(refused.at("detail")) ==
        "该品牌被撤销命名后两年内不得参评，" + beijing_date_zh(until) + "起方可再次推荐");
  CHECK(text(refused.at("until")) == format_rfc3339(until));  // when it lifts, to show or retry
}

}  // namespace brandledger::testing

namespace brandledger::testing {

TEST_CASE("the server's own refusal of a body over the limit is in Chinese when the header asks") {
  World w(false);
  const std::string big(1100 * 1024, 'x');
  auto r = http(w.port(), "POST", "/v1/brands", big,
                {{"Authorization", "Bearer " + w.as("admin").token()}, {"Accept-Language", "zh-CN"}});
  REQUIRE(r.status == 413);
  CHECK(r.code() == "payload_too_large");
  CHECK(r.json().at("title") == "请求内容过大");
  CHECK(r.json().at("detail") == "提交的内容超过 1 MiB");
}

}  // namespace brandledger::testing
