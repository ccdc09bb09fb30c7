#include <catch2/catch.hpp>

#include <deque>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/workflows/lifecycle_paths.h"
#include "workflows/brand_lifecycle.h"
#include "workflows/lifecycle_diagram.h"

using namespace brandledger::workflows;

namespace {}  // namespace

TEST_CASE("every state of DOMAIN.md is reachable from creation") {
  auto paths = brandledger::testing::shortest_paths();
  CHECK(paths.size() == kBrandStatusCount);
}

TEST_CASE(
    "in every state, every trigger either moves the machine as its table says or is refused") {
  for (auto& [status, path] : brandledger::testing::shortest_paths()) {
    BrandMachine machine;
    for (BrandTrigger t : path) REQUIRE(machine.fire(t));
    REQUIRE(machine.status() == status);
    for (int i = 0; i < kBrandTriggerCount; ++i) {
      const auto trigger = static_cast<BrandTrigger>(i);
      INFO(status_code(status) << " + " << trigger_name(trigger));
      BrandMachine copy = machine;
      const auto target = brand_target(status, trigger);
      CHECK(copy.fire(trigger) == target.has_value());
      CHECK(copy.status() == target.value_or(status));
      CHECK(machine.status() == status);  // the copy moved, not the original
    }
  }
}

TEST_CASE("cancellation leaves every state but the terminal one and before creation") {
  for (int s = 0; s < kBrandStatusCount; ++s) {
    const auto status = static_cast<BrandStatus>(s);
    const bool allowed = status != BrandStatus::kNone && status != BrandStatus::kCancelled;
    INFO(status_code(status));
    CHECK(brand_target(status, BrandTrigger::kCancel).has_value() == allowed);
  }
  BrandMachine m;
  REQUIRE(m.fire(BrandTrigger::kCreate));
  REQUIRE(m.fire(BrandTrigger::kCancel));
  CHECK(m.status() == BrandStatus::kCancelled);
  for (int i = 0; i < kBrandTriggerCount; ++i) CHECK_FALSE(m.fire(static_cast<BrandTrigger>(i)));
}

TEST_CASE("content can be edited only while cultivating, filed or named") {
  std::vector<BrandStatus> editable;
  for (const BrandTransition& t : brand_transitions())
    if (t.trigger == BrandTrigger::kEdit) editable.push_back(t.from);
  CHECK(editable == std::vector<BrandStatus>{BrandStatus::kCultivating, BrandStatus::kFiled,
                                             BrandStatus::kNamed});
}

TEST_CASE("state codes and labels follow DOMAIN.md") {
  CHECK(status_code(BrandStatus::kUnitApproved) == "unit_approved");
  CHECK(status_label(BrandStatus::kUnitApproved) == "单位已审核");
  CHECK(status_label(BrandStatus::kObjection) == "异议核查中");
  CHECK(status_label(BrandStatus::kRectifying) == "限期整改");
  CHECK(parse_status("public_notice") == BrandStatus::kPublicNotice);
  CHECK_FALSE(parse_status("none"));
  CHECK_FALSE(parse_status("bogus"));
}

TEST_CASE("the diagrams are drawn from the transition table") {
  const std::string mermaid = lifecycle_mermaid();
  CHECK(mermaid.rfind("stateDiagram-v2\n", 0) == 0);
  CHECK_THAT(mermaid, Catch::Contains("[*] --> cultivating: create"));
  CHECK_THAT(mermaid, Catch::Contains("rectifying --> filed: miss_rectification_deadline"));
  CHECK_THAT(mermaid, Catch::Contains("state \"公示中 public_notice\" as public_notice"));
  std::size_t arrows = 0;
  for (std::size_t p = mermaid.find("-->"); p != std::string::npos; p = mermaid.find("-->", p + 1))
    ++arrows;
  CHECK(arrows == brand_transitions().size() + 1);  // and the final state's exit
  CHECK_THAT(lifecycle_dot(),
             Catch::Contains("appeal -> rectifying [label=\"grant_appeal_to_rectifying\"]"));
}

TEST_CASE("docs/LIFECYCLE.md embeds the diagram the table draws today") {
  std::ifstream doc(std::string(BRANDLEDGER_SOURCE_DIR) + "/docs/LIFECYCLE.md");
  REQUIRE(doc);
  std::stringstream text;
  text << doc.rdbuf();
  CHECK_THAT(text.str(), Catch::Contains("```mermaid\n" + lifecycle_mermaid() + "```"));
}
