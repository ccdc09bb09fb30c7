#include "engine/clock.h"

namespace brandledger::engine {

Status ManualClock::set(Timestamp to) {
  std::int64_t current = micros_.load();
  do {
    if (to_micros(to) < current)
      return Status::InvalidArgument("the clock cannot go back from " +
                                     format_rfc3339(from_micros(current)) + " to " +
                                     format_rfc3339(to));
  } while (!micros_.compare_exchange_weak(current, to_micros(to)));
  return Status::Ok();
}

}  // namespace brandledger::engine
