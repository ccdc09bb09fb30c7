#include "workflows/lifecycle_diagram.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <set>

#include "workflows/authorization.h"
#include "workflows/brand_lifecycle.h"

namespace brandledger::workflows {
namespace {

std::set<BrandStatus> used_states() {
  std::set<BrandStatus> states;
  for (const BrandTransition& t : brand_transitions()) {
    if (t.from != BrandStatus::kNone) states.insert(t.from);
    states.insert(t.to);
  }
  return states;
}

}  // namespace

std::string lifecycle_mermaid() {
  std::string out = "stateDiagram-v2\n";
  for (BrandStatus s : used_states())
    out +=
        fmt::format("    state \"{} {}\" as {}\n", status_label(s), status_code(s), status_code(s));
  for (const BrandTransition& t : brand_transitions()) {
    const std::string_view from = t.from == BrandStatus::kNone ? "[*]" : status_code(t.from);
    out += fmt::format("    {} --> {}: {}\n", from, status_code(t.to), trigger_name(t.trigger));
  }
  out += fmt::format("    {} --> [*]\n", status_code(BrandStatus::kCancelled));
  return out;
}

std::string lifecycle_dot() {
  std::string out =
      "digraph brand_lifecycle {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  out += "  start [shape=point];\n";
  for (BrandStatus s : used_states())
    out +=
        fmt::format("  {} [label=\"{}\\n{}\"];\n", status_code(s), status_label(s), status_code(s));
  for (const BrandTransition& t : brand_transitions()) {
    const std::string_view from = t.from == BrandStatus::kNone ? "start" : status_code(t.from);
    out += fmt::format("  {} -> {} [label=\"{}\"];\n", from, status_code(t.to),
                       trigger_name(t.trigger));
  }
  out += "}\n";
  return out;
}

std::string lifecycle_json() {
  boost::json::array states, transitions;
  for (BrandStatus s : used_states())
    states.push_back({{"code", status_code(s)}, {"label", status_label(s)}});
  for (const BrandTransition& t : brand_transitions()) {
    std::string roles;
    for (std::string_view r : transition_roles(t)) roles += (roles.empty() ? "" : "|") + std::string(r);
    transitions.push_back(
        {{"from", t.from == BrandStatus::kNone ? boost::json::value(nullptr)
                                               : boost::json::value(status_code(t.from))},
         {"to", status_code(t.to)},
         {"action", trigger_name(t.trigger)},
         {"role", roles}});
  }
  return boost::json::serialize(
      boost::json::object{{"states", std::move(states)}, {"transitions", std::move(transitions)}});
}

}  // namespace brandledger::workflows
