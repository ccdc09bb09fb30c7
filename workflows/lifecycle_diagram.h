// Diagrams of the brand lifecycle, generated from the machine's transition table.
#pragma once

#include <string>

namespace brandledger::workflows {

// A Mermaid stateDiagram-v2.
std::string lifecycle_mermaid();
// A Graphviz digraph.
std::string lifecycle_dot();

// GET /v1/lifecycle: {"states":[{"code","label"}],"transitions":[{"from","to","action","role"}]},
// from the same table; "from" is null for the creating transition, "role" who fires it
// (several joined with "|").
std::string lifecycle_json();

}  // namespace brandledger::workflows
