// A shortest path of triggers from before creation to each state, walked over the MSM
// table: how the tests reach any state.
#pragma once

#include <deque>
#include <map>
#include <vector>

#include "workflows/brand_lifecycle.h"

namespace brandledger::testing {

inline std::map<workflows::BrandStatus, std::vector<workflows::BrandTrigger>> shortest_paths() {
  using workflows::BrandStatus;
  std::map<BrandStatus, std::vector<workflows::BrandTrigger>> paths{{BrandStatus::kNone, {}}};
  std::deque<BrandStatus> todo{BrandStatus::kNone};
  while (!todo.empty()) {
    const BrandStatus s = todo.front();
    todo.pop_front();
    for (const workflows::BrandTransition& t : workflows::brand_transitions())
      if (t.from == s && !paths.count(t.to)) {
        paths[t.to] = paths[s];
        paths[t.to].push_back(t.trigger);
        todo.push_back(t.to);
      }
  }
  return paths;
}

}  // namespace brandledger::testing
