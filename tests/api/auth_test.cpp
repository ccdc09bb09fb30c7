// The throttle's window arithmetic and the cookie parser, on their own (the HTTP behaviour
// is in accounts_test.cpp, against a real server).
#include <catch2/catch.hpp>

#include "api/auth.h"

using namespace brandledger::api;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("the attempt limiter blocks a key at its limit until the oldest failure leaves the "
          "window") {
  AttemptLimiter limiter(3, minutes(15));
  const SteadyTime t0{};
  CHECK(limiter.check("u", t0).count() == 0);
  limiter.fail("u", t0);
  limiter.fail("u", t0 + minutes(5));
  CHECK(limiter.check("u", t0 + minutes(5)).count() == 0);
  CHECK(limiter.fail("u", t0 + minutes(10)) == 3);
  CHECK(limiter.check("u", t0 + minutes(10)) == minutes(5));  // until t0 + 15 min
  CHECK(limiter.check("other", t0 + minutes(10)).count() == 0);
  CHECK(limiter.check("u", t0 + minutes(14) + seconds(59)) == seconds(1));
  CHECK(limiter.check("u", t0 + minutes(15)).count() == 0);  // the first failure left
  limiter.fail("u", t0 + minutes(16));
  CHECK(limiter.check("u", t0 + minutes(16)) == minutes(4));  // until t0 + 5 min + 15 min

  auto reports = limiter.take_reports(t0 + minutes(16));
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].key == "u");
  CHECK(reports[0].failures == 4);
  CHECK(reports[0].refused == 3);
  CHECK(reports[0].blocked);
  CHECK(limiter.take_reports(t0 + minutes(16)).empty());  // nothing new since
  limiter.clear("u");
  CHECK(limiter.check("u", t0 + minutes(16)).count() == 0);
}

TEST_CASE("the attempt limiter holds a bounded number of keys") {
  AttemptLimiter limiter(2, seconds(60), 3);
  const SteadyTime t0{};
  for (const char* k : {"a", "b", "c"}) limiter.fail(k, t0);
  CHECK(limiter.fail("d", t0) == 0);  // full: not tracked
  CHECK(limiter.take_reports(t0).size() == 3);  // reported, but still in their window
  CHECK(limiter.fail("d", t0 + seconds(30)) == 0);
  CHECK(limiter.fail("d", t0 + seconds(61)) == 1);  // expired and reported: they made room
}

TEST_CASE("the session cookie is found among others in any Cookie header") {
  Request r;
  r.headers = {{"cookie", "theme=dark; lang=zh"}, {"cookie", "a=1;bl_session=abc123 ; z=2"}};
  CHECK(Authenticator::session_cookie(r) == "abc123");
  r.headers = {{"cookie", "xbl_session=nope; bl_session2=no"}};
  CHECK(Authenticator::session_cookie(r).empty());
}

TEST_CASE("attempts in flight count against the limit until they end") {
  AttemptLimiter limiter(2, minutes(15));
  const SteadyTime t0{};
  CHECK(limiter.begin("u", t0).count() == 0);
  CHECK(limiter.begin("u", t0).count() == 0);
  CHECK(limiter.begin("u", t0) == seconds(1));  // two in flight: come back in a second
  limiter.end("u", t0, false);                  // one succeeded
  CHECK(limiter.begin("u", t0).count() == 0);
  limiter.end("u", t0, true);
  limiter.end("u", t0 + minutes(1), true);  // both failed: blocked for the window
  CHECK(limiter.begin("u", t0 + minutes(1)) == minutes(14));
}
