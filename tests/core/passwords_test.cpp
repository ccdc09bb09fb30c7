#include <catch2/catch.hpp>

#include "core/passwords.h"

using namespace brandledger;

TEST_CASE("Argon2id hashes: salted - self-describing - verified only by the same password") {
  const std::string a = hash_password("红旗渠精神-2031");
  const std::string b = hash_password("红旗渠精神-2031");
  CHECK(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));  // OWASP's minimum, in KiB
  CHECK(a != b);                                           // each with its own salt
  CHECK(verify_password(a, "红旗渠精神-2031"));
  CHECK(verify_password(b, "红旗渠精神-2031"));
  CHECK_FALSE(verify_password(a, "红旗渠精神-2032"));
  CHECK_FALSE(verify_password(a, ""));
  CHECK_FALSE(verify_password("", "红旗渠精神-2031"));
  CHECK_FALSE(verify_password("$argon2id$v=19$m=19456,t=2,p=1$garbage", "x"));
  CHECK_FALSE(verify_password(std::string(500, '$'), "x"));  // too long to be a hash
}

TEST_CASE("random ids are hex of the asked length and differ") {
  const std::string a = random_hex(16), b = random_hex(16);
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
  CHECK(secrets_equal(a, a));
  CHECK_FALSE(secrets_equal(a, b));
  CHECK_FALSE(secrets_equal(a, a.substr(1)));
  CHECK(secrets_equal("", ""));
}
