// Bad input for every command endpoint, restarts, and the live event feed.
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/api/world.h"

using namespace brandledger::testing;
using boost::json::object;

namespace {

struct Endpoint {
  std::string method, path;
  object valid;             // a body the endpoint would take
  std::string who;          // who may call it
  std::string typed_field;  // a field that must be a string (or number) to send the wrong type in
};

std::string nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

}  // namespace

TEST_CASE(
    "bad input to every command endpoint gets the right status and code, and appends nothing") {
  World w;
  const std::string id = w.brand("b1", "cultivating");
  auto round = World::obj(w.as("committee").post("/v1/rounds", {{"name", "评选"}, {"year", 2031}}));
  const std::string r = "/v1/rounds/" + text(round.at("id"));
  const std::string b = "/v1/brands/" + id;
  const std::vector<Endpoint> endpoints = {
      {"POST",
       "/v1/orgs",
       {{"id", "x1"}, {"name", "n"}, {"kind", "unit"}, {"parent", "wc"}},
       "admin",
       "name"},
      {"POST",
       "/v1/users",
       {{"id", "x2"}, {"name", "n"}, {"role", "auditor"}, {"org", "wc"}},
       "admin",
       "role"},
      {"PUT", "/v1/settings", {{"assessment", {{"filed_points", 3}}}}, "committee", "assessment"},
      {"POST", "/v1/brands", {{"name", "n"}}, "b2", "name"},
      {"PATCH", b, {{"slogan", "s"}}, "b1", "slogan"},
      {"POST", b + "/submit", {}, "b1", "comment"},
      {"POST", b + "/withdraw", {}, "b1", "comment"},
      {"POST", b + "/progress", {{"year", 2031}, {"summary", "s"}}, "b1", "summary"},
      {"POST", b + "/return", {{"reason", "r"}}, "u1", "reason"},
      {"POST", b + "/cancel", {{"reason", "r"}}, "committee", "reason"},
      {"POST", b + "/revoke", {{"reason", "r"}}, "committee", "veto"},
      {"POST", b + "/appeal", {{"reason", "r"}}, "b1", "reason"},
      {"POST", b + "/appeal-decision", {{"granted", true}}, "committee", "granted"},
      {"POST", b + "/rectification", {{"passed", true}}, "committee", "passed"},
      {"POST", b + "/objections", {{"reason", "r"}}, "u2", "reason"},
      {"POST", "/v1/rounds", {{"name", "n"}, {"year", 2031}}, "committee", "year"},
      {"POST", r + "/nominations", {{"brand", id}}, "committee", "brand"},
      {"POST", r + "/experts", {{"experts", {"e1"}}}, "committee", "experts"},
      {"POST", r + "/close", {{"force", true}}, "committee", "force"},
      {"POST", r + "/scores", {{"brand", id}, {"scores", World::points(80)}}, "e2", "scores"},
  };
  const auto before = w.events();
  for (const Endpoint& e : endpoints) {
    const Client& c = w.as(e.who);
    INFO(e.method << " " << e.path);
    // Malformed JSON.
    auto r1 = c.call(e.method, e.path, "{\"name\": ");
    CHECK(r1.status == 400);
    CHECK(r1.code() == "invalid_json");
    // Not an object.
    CHECK(c.call(e.method, e.path, "[1,2]").code() == "invalid_json");
    // Invalid UTF-8 inside a string: named as such (API.md), not a JSON syntax error.
    CHECK(c.call(e.method, e.path, "{\"name\":\"\xC3\x28\"}").code() == "invalid_utf8");
    // 50 levels of nesting.
    CHECK(c.call(e.method, e.path, nested(50)).code() == "invalid_json");
    // A wrong type for a field.
    object wrong = e.valid;
    wrong[e.typed_field] = boost::json::array{1, 2};
    auto r2 = c.call(e.method, e.path, boost::json::serialize(wrong));
    CHECK(r2.status >= 400);
    CHECK(r2.status < 500);
    // A body over 1 MiB.
    auto big = c.call(e.method, e.path, "{\"name\":\"" + std::string(2 << 20, 'x') + "\"}");
    CHECK(big.status == 413);
    CHECK(big.code() == "payload_too_large");
  }
  // Missing required fields and unknown targets.
  CHECK(w.as("b2").post("/v1/brands", object{}).code() == "invalid_field");
  CHECK(w.as("u1").post(b + "/return", object{}).code() == "invalid_field");
  CHECK(w.as("committee").post("/v1/rounds", {{"name", "n"}}).code() == "invalid_field");
  CHECK(w.as("committee").post("/v1/rounds", {{"name", "n"}, {"year", "2031"}}).code() ==
        "invalid_field");
  CHECK(w.as("committee").post("/v1/brands/nope/file").status == 404);
  CHECK(w.as("committee").post("/v1/brands/nope/file").code() == "not_found");
  CHECK(w.as("committee").post("/v1/rounds/nope/start").status == 404);
  CHECK(w.as("committee").post(b + "/fly").status == 404);
  // Arguments are checked once the state allows the action (the refusal order of the workflows).
  CHECK(w.as("b1").post(b + "/progress", {{"year", "去年"}, {"summary", "s"}}).code() ==
        "illegal_transition");
  const std::string filed = w.brand("b3");
  const auto with_filed = w.events();
  CHECK(w.as("b3")
            .post("/v1/brands/" + filed + "/progress", {{"year", "去年"}, {"summary", "s"}})
            .code() == "invalid_field");
  CHECK(w.events() == with_filed);
  CHECK(w.as("committee").post(b + "/revoke", {{"reason", "r"}, {"veto", "yes"}}).status ==
        409);  // state first: cultivating
  CHECK(http(w.port(), "GET", "/v1/brands?q=%E4%B8", "",
             {{"Authorization", std::string("Bearer ") + kAdminToken}})
            .status == 400);

  // Still healthy, nothing appended by any refusal, the chain intact.
  CHECK(http(w.port(), "GET", "/healthz").status == 200);
  CHECK(w.events() == with_filed);
  CHECK(with_filed == before + 4);  // the filed brand's own four events
}

TEST_CASE("a restart after SIGTERM serves the same views and the same chain") {
  TempDir dir;
  std::string brand_doc, coverage, verify, audit;
  {
    World w;
    w.clock("2031-03-01T08:00:00Z");
    const std::string id = w.brand("b1");
    w.round({{id, 92}}, 2031);
    w.advance(6);
    const auto& c = w.as("committee");
    brand_doc = c.get("/v1/brands/" + id).body;
    coverage = c.get("/v1/reports/coverage?as_of=2031-06-01T00:00:00Z").body;
    verify = w.as("auditor").get("/v1/admin/verify").body;
    audit = w.as("auditor").get("/v1/audit?limit=1000").body;
    std::filesystem::copy(w.dir / "data", dir / "data", std::filesystem::copy_options::recursive);
    CHECK(w.server->stop() == 0);
    CHECK(w.server->output().find("stopped") != std::string::npos);
    // Restart on the original data dir too.
    ServerProcess again(w.dir / "data");
    Client c2(again.port(), kAdminToken);
    CHECK(c2.get("/v1/admin/verify").body == verify);
    CHECK(again.stop() == 0);
  }
  ServerProcess server(dir / "data");
  Client admin(server.port(), kAdminToken);
  auto brands = World::obj(admin.get("/v1/brands"));
  const std::string id = text(brands.at("items").as_array()[0].at("id"));
  CHECK(admin.get("/v1/brands/" + id).body == brand_doc);
  CHECK(admin.get("/v1/reports/coverage?as_of=2031-06-01T00:00:00Z").body == coverage);
  CHECK(admin.get("/v1/admin/verify").body == verify);
  CHECK(admin.get("/v1/audit?limit=1000").body == audit);
}

TEST_CASE("the event stream: a reconnect with Last-Event-ID misses nothing and repeats nothing") {
  World w;
  w.brand("b1");
  const auto total = w.events();
  const Headers auth = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  auto first = sse_ids(w.port(), "/v1/events/stream?after=0", auth, 10, 10);
  REQUIRE(first.size() == 10);
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(first[i] == i + 1);
  // Reconnect where the client left off; new events arrive while it is connected.
  Headers resume = auth;
  resume.emplace_back("Last-Event-ID", std::to_string(first.back()));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    w.brand("b3");
  });
  auto rest = sse_ids(w.port(), "/v1/events/stream?after=0", resume, total - 10 + 4, 10);
  writer.join();
  REQUIRE(rest.size() == total - 10 + 4);
  for (std::size_t i = 0; i < rest.size(); ++i) CHECK(rest[i] == first.back() + 1 + i);
  // An expert reads no events (a branch reads its own: see the authorization tests).
  CHECK(http(w.port(), "GET", "/v1/events/stream", "",
             {{"Authorization", "Bearer " + w.as("e1").token()}})
            .status == 403);
}

TEST_CASE("a byte altered in a stored event: healthz degraded, chain_ok 0, verify names it") {
  World w;
  const std::string id = w.brand("b1", "cultivating");
  const std::string marker = "这是一条只在事件里出现的申报意见";
  World::obj(w.as("b1").post("/v1/brands/" + id + "/submit", {{"comment", marker}}));
  std::uint64_t submitted = 0;
  const auto events = World::obj(w.as("auditor").get("/v1/events?limit=1000"));
  for (const auto& e : events.at("items").as_array())
    if (e.at("type") == "BrandSubmitted") submitted = e.at("position").to_number<std::uint64_t>();
  REQUIRE(submitted != 0);
  // A healthy log: the background walk finds nothing, and the views equal a rebuild.
  auto healthy = World::obj(w.as("auditor").get("/v1/admin/verify"));
  CHECK(healthy.at("ok") == true);
  CHECK(healthy.at("views_ok") == true);
  CHECK(World::obj(http(w.port(), "GET", "/healthz")).at("status") == "ok");
  REQUIRE(w.server->stop() == 0);

  // Behind BrandLedger's back: the comment's bytes changed wherever the file holds them.
  const auto file = w.dir / "data" / "data.mdb";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::size_t altered = 0;
  for (std::size_t at = bytes.find(marker); at != std::string::npos;
       at = bytes.find(marker, at + 1), ++altered)
    bytes[at + 3] ^= 0x01;  // inside the second character: still the same length
  REQUIRE(altered > 0);
  {
    std::ofstream out(file, std::ios::binary | std::ios::in | std::ios::out);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  ServerProcess again(w.dir / "data");
  // The walk runs in the background at start: wait for it (bounded, and generous because a
  // loaded CI machine may take a while to schedule it; a healthy walk of this log takes ms).
  boost::json::object health;
  for (int i = 0; i < 200; ++i) {
    health = World::obj(http(again.port(), "GET", "/healthz"));
    if (health.at("chain").at("checked") == true) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(health.at("status") == "degraded");
  CHECK(health.at("chain").at("first_bad_position").to_number<std::uint64_t>() == submitted);
  auto metrics = http(again.port(), "GET", "/metrics");
  CHECK(metrics.body.find("\nbrandledger_chain_ok 0\n") != std::string::npos);
  Client auditor(again.port(), w.as("auditor").token());
  auto verify = World::obj(auditor.get("/v1/admin/verify"));
  CHECK(verify.at("ok") == false);
  CHECK(verify.at("first_bad_position").to_number<std::uint64_t>() == submitted);
  CHECK(again.stop() == 0);
  CHECK(again.output().find("breaks at position " + std::to_string(submitted)) !=
        std::string::npos);  // logged as an error naming the position
}
