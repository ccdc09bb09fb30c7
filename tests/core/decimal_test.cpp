#include <catch2/catch.hpp>

#include <vector>

#include "core/decimal.h"

using namespace brandledger;

TEST_CASE("decimal sums are exact where binary floating point is not") {
  // 9.2 + 80 in doubles is 89.2 only by luck; six criteria of 0.1 are not 0.6.
  Decimal sum;
  for (int i = 0; i < 6; ++i) sum += *Decimal::parse("0.1");
  CHECK(sum == *Decimal::parse("0.6"));
  CHECK((*Decimal::parse("9.2") + Decimal::from_int(80)).to_string() == "89.2");
  CHECK(Decimal::from_hundredths(8920).to_double() == 89.2);
}

TEST_CASE("decimals print without noise, trailing zeros or negative zero") {
  CHECK(Decimal::from_int(90).to_string() == "90");
  CHECK(Decimal::from_hundredths(8925).to_string() == "89.25");
  CHECK(Decimal::from_hundredths(8920).to_string() == "89.2");
  CHECK(Decimal::from_hundredths(-5).to_string() == "-0.05");
  CHECK(Decimal::from_double(-0.0)->to_string() == "0");
}

TEST_CASE("a JSON number becomes the decimal its text says, or is refused") {
  CHECK(Decimal::from_double(9.2, 1) == Decimal::from_hundredths(920));
  CHECK(Decimal::from_double(0.1 + 0.2) == std::nullopt);  // 0.30000000000000004
  CHECK(Decimal::from_double(9.25, 1) == std::nullopt);    // one decimal at most
  CHECK(Decimal::from_double(9.25) == Decimal::from_hundredths(925));
  CHECK(Decimal::from_double(1e300) == std::nullopt);
  CHECK(Decimal::parse("1e2") == std::nullopt);
  CHECK(Decimal::parse("9.") == std::nullopt);
  CHECK(Decimal::parse(".5") == std::nullopt);
  CHECK(Decimal::parse("") == std::nullopt);
  CHECK(Decimal::parse("-12.5") == Decimal::from_hundredths(-1250));
}

TEST_CASE("values stored with binary noise read as the nearest hundredth") {
  CHECK(Decimal::nearest(89.00000000000001) == Decimal::from_int(89));
  CHECK(Decimal::nearest(9.200000000000001) == Decimal::from_hundredths(920));
}

TEST_CASE("a mean rounds half away from zero at the hundredths") {
  std::vector<Decimal> v{Decimal::from_hundredths(8999), Decimal::from_hundredths(9000)};
  CHECK(Decimal::mean(v) == Decimal::from_hundredths(9000));  // 89.995 -> 90.00
  v = {Decimal::from_int(85), Decimal::from_int(86), Decimal::from_int(86)};
  CHECK(Decimal::mean(v) == Decimal::from_hundredths(8567));  // 85.666... -> 85.67
  v = {Decimal::from_hundredths(-8999), Decimal::from_hundredths(-9000)};
  CHECK(Decimal::mean(v) == Decimal::from_hundredths(-9000));
}
