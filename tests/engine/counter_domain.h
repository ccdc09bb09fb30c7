// A small domain for exercising the engine on its own: counters that open, add, transfer
// between each other and ring on timers. Small, but every engine feature has a use here.
#pragma once

#include "engine/domain.h"

namespace brandledger::testing {

struct CounterState final : engine::AggregateState {
  bool open = false;
  std::int64_t value = 0;
  int rings = 0;
  std::unique_ptr<engine::AggregateState> clone() const override {
    return std::make_unique<CounterState>(*this);
  }
  void apply(const engine::RecordedEvent& event) override;
};

// Commands: counter.open, counter.add {n}, counter.transfer {to, n},
// counter.schedule {timer, due_micros}, counter.ring (what timers issue).
// Views: "counters" (stream -> value), "totals" ("sum" -> sum of all values),
// "rings" (stream -> rings).
// `schema` is the schema of the Opened event it writes: 2 adds a "label" field that an
// upcaster fills for data written at 1.
engine::Domain counter_domain(int schema = 1);

}  // namespace brandledger::testing
