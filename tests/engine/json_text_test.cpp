#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/decimal.h"
#include "engine/json_text.h"

using namespace brandledger;

TEST_CASE("JSON text writes a decimal's double as the decimal, in plain notation") {
  // Boost.JSON alone writes 8.92E1; events and answers carry 89.2.
  CHECK(engine::to_text(boost::json::value(Decimal::from_hundredths(8920).to_double())) == "89.2");
  CHECK(engine::to_text(boost::json::value(Decimal::from_hundredths(925).to_double())) == "9.25");
  CHECK(engine::to_text(boost::json::value(Decimal::from_double(-0.0)->to_double())) == "0");
  CHECK(engine::to_text(boost::json::object{{"total", 89.2}, {"n", 3}}) ==
        R"({"total":89.2,"n":3})");
}
