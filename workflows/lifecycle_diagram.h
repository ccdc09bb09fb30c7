// Diagrams of the brand lifecycle, generated from the machine's transition table.
#pragma once

#include <string>

namespace brandledger::workflows {

// A Mermaid stateDiagram-v2.
std::string lifecycle_mermaid();
// A Graphviz digraph.
std::string lifecycle_dot();

}  // namespace brandledger::workflows
