#include <catch2/catch.hpp>

#include "core/time.h"

using namespace brandledger;

TEST_CASE("RFC 3339 UTC instants round-trip through text") {
  auto t = parse_rfc3339("2026-11-22T10:00:00Z");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2026-11-22T10:00:00Z");
  CHECK(to_micros(*t) == 1795341600LL * 1000000);
}

TEST_CASE("offsets are converted to UTC") {
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-22T18:00:00+08:00")) == "2026-11-22T10:00:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-22T05:30:00-04:30")) == "2026-11-22T10:00:00Z");
}

TEST_CASE("fractions keep microseconds and print without trailing zeros") {
  auto t = parse_rfc3339("2026-01-02T03:04:05.25Z");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2026-01-02T03:04:05.25Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-01-02T03:04:05.123456789Z")) ==
        "2026-01-02T03:04:05.123456Z");
}

TEST_CASE("every field is zero-padded, down to the microsecond") {
  CHECK(format_rfc3339(from_micros(0)) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(from_micros(1)) == "1970-01-01T00:00:00.000001Z");
  CHECK(format_rfc3339(from_micros(-1)) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_rfc3339(*parse_rfc3339("0999-09-09T09:09:09.09Z")) == "0999-09-09T09:09:09.09Z");
  CHECK(format_rfc3339(*parse_rfc3339("9999-12-31T23:59:59.5Z")) == "9999-12-31T23:59:59.5Z");
}

TEST_CASE("a bare date is its UTC midnight") {
  CHECK(format_rfc3339(*parse_rfc3339("2024-02-29")) == "2024-02-29T00:00:00Z");
}

TEST_CASE("malformed or impossible instants are refused") {
  for (const char* bad : {"", "2026-11-22T10:00:00", "2026-13-01T00:00:00Z", "2025-02-29",
                          "2026-11-22T24:00:00Z", "2026-11-22T10:00:60Z", "2026-11-22 10:00:00Z",
                          "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00Zjunk", "26-11-22"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("adding years keeps the wall time and folds Feb 29 to Feb 28") {
  auto t = *parse_rfc3339("2024-02-29T08:00:00Z");
  CHECK(format_rfc3339(add_years(t, 3)) == "2027-02-28T08:00:00Z");
  CHECK(format_rfc3339(add_years(t, 4)) == "2028-02-29T08:00:00Z");
  CHECK(utc_year(t) == 2024);
  CHECK(format_rfc3339(add_days(t, 90)) == "2024-05-29T08:00:00Z");
}
