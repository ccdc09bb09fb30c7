#include "workflows/lifecycle_diagram.h"

#include <fmt/format.h>

#include <set>

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

}  // namespace brandledger::workflows
