#include <catch2/catch.hpp>

#include "core/sha256.h"

using namespace brandledger;

TEST_CASE("SHA-256 matches the FIPS 180-2 test vectors") {
  CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("digest comparison tells equal from different") {
  CHECK(digests_equal(sha256("宣报党旗分外红"), sha256("宣报党旗分外红")));
  CHECK_FALSE(digests_equal(sha256("萱姐姐"), sha256("萱姐姐 ")));
}
