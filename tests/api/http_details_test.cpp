// API.md's HTTP details over a real socket: challenge and Allow headers, the Bearer scheme,
// If-Match, refused filters and formats, name search, dates alone, the pipeline as of an
// instant, and bodies that are not UTF-8.
#include "tests/api/world.h"

using namespace brandledger::testing;
using boost::json::object;


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
