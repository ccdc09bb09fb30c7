// A hash for unordered maps keyed by std::string that are searched with a std::string_view
// (C++20 heterogeneous lookup): no string is built per lookup.
//
//   std::unordered_map<std::string, T, StringHash, std::equal_to<>> map;
//   map.find(some_view);
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace brandledger {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace brandledger
