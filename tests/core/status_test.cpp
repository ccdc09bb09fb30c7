#include <catch2/catch.hpp>

#include "core/status.h"

using brandledger::Result;
using brandledger::Status;

namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(n));
  return n / 2;
}

Result<int> quarter(int n) {
  BL_ASSIGN_OR_RETURN(int h, half(n));
  return half(h);
}

Status check_even(int n) {
  BL_RETURN_IF_ERROR(half(n).status());
  return Status::Ok();
}

}  // namespace

TEST_CASE("a default status is ok and prints as ok") {
  Status s;
  CHECK(s.ok());
  CHECK(s.to_string() == "ok");
}

TEST_CASE("a failed status keeps its code and message") {
  Status s = Status::Corruption("event 12 hash mismatch");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.to_string() == "corruption: event 12 hash mismatch");
}

TEST_CASE("Result carries a value or the status that stands for it") {
  auto ok = half(8);
  REQUIRE(ok.ok());
  CHECK(*ok == 4);
  auto bad = half(3);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("BL_ASSIGN_OR_RETURN and BL_RETURN_IF_ERROR pass the first failure up") {
  CHECK(*quarter(8) == 2);
  CHECK(quarter(6).status().message() == "odd: 3");
  CHECK(check_even(4).ok());
  CHECK(check_even(5).message() == "odd: 5");
}
