// The business clock. Commands take their occurred_at from it and timers fire by it.
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <atomic>

#include "core/status.h"
#include "core/time.h"

namespace brandledger::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
  virtual bool is_manual() const { return false; }
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override { return system_now(); }
};

// Stands still; only set() moves it, and only forward. For demos, simulations and tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : micros_(to_micros(start)) {}
  Timestamp now() const override { return from_micros(micros_.load()); }
  bool is_manual() const override { return true; }
  // InvalidArgument (and no change) when `to` is before now.
  Status set(Timestamp to);

 private:
  std::atomic<std::int64_t> micros_;
};

}  // namespace brandledger::engine
