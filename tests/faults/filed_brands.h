// The starting point of the fault tests' workloads: a filed brand for each of branches
// b1..b`count` of a World, each written to by its own branch user.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tests/api/world.h"

namespace brandledger::testing {

// (branch, brand id) pairs.
inline std::vector<std::pair<std::string, std::string>> filed_brands(World& w, int count) {
  std::vector<std::pair<std::string, std::string>> brands;
  for (int b = 1; b <= count; ++b) {
    const std::string branch = "b" + std::to_string(b);
    brands.emplace_back(branch, w.brand(branch));
  }
  return brands;
}

}  // namespace brandledger::testing
