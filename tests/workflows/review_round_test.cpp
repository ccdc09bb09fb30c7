#include <catch2/catch.hpp>

#include "workflows/review_round.h"

using namespace brandledger::workflows;

TEST_CASE("a round walks open, scoring, closed, notice, finalized and never back") {
  RoundMachine m;
  const RoundTrigger path[] = {RoundTrigger::kOpen, RoundTrigger::kStart, RoundTrigger::kClose,
                               RoundTrigger::kPublishNotice, RoundTrigger::kFinalize};
  const RoundStatus states[] = {RoundStatus::kOpen, RoundStatus::kScoring, RoundStatus::kClosed,
                                RoundStatus::kNotice, RoundStatus::kFinalized};
  for (int i = 0; i < 5; ++i) {
    REQUIRE(m.fire(path[i]));
    CHECK(m.status() == states[i]);
  }
  for (int t = 0; t < kRoundTriggerCount; ++t) CHECK_FALSE(m.fire(static_cast<RoundTrigger>(t)));
  CHECK(m.status() == RoundStatus::kFinalized);
}

TEST_CASE("nominations only while open, scores only while scoring") {
  CHECK(round_target(RoundStatus::kOpen, RoundTrigger::kNominate) == RoundStatus::kOpen);
  CHECK_FALSE(round_target(RoundStatus::kScoring, RoundTrigger::kNominate));
  CHECK(round_target(RoundStatus::kScoring, RoundTrigger::kScore) == RoundStatus::kScoring);
  CHECK_FALSE(round_target(RoundStatus::kOpen, RoundTrigger::kScore));
  CHECK_FALSE(round_target(RoundStatus::kClosed, RoundTrigger::kScore));
}

TEST_CASE("in every round state every trigger agrees with the table") {
  const RoundTrigger to_reach[] = {RoundTrigger::kOpen, RoundTrigger::kStart, RoundTrigger::kClose,
                                   RoundTrigger::kPublishNotice, RoundTrigger::kFinalize};
  for (int depth = 0; depth <= 5; ++depth) {
    RoundMachine m;
    for (int i = 0; i < depth; ++i) REQUIRE(m.fire(to_reach[i]));
    for (int t = 0; t < kRoundTriggerCount; ++t) {
      RoundMachine copy = m;
      const auto trigger = static_cast<RoundTrigger>(t);
      const auto target = round_target(m.status(), trigger);
      INFO(round_status_code(m.status()) << " + " << round_trigger_name(trigger));
      CHECK(copy.fire(trigger) == target.has_value());
      CHECK(copy.status() == target.value_or(m.status()));
    }
  }
}
