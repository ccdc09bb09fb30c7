// WriterGate: holds an engine's writer thread still, for tests that need commands queued
// behind it (in one batch, or in flight when something else happens).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "engine/engine.h"

namespace brandledger::testing {

// Holds the writer thread inside the answer to `gate` until release(). Commands submitted
// meanwhile queue up, and the writer then takes them in batches of max_batch each: a test
// that needs commands to share a batch gets exactly that, however the threads are scheduled.
class WriterGate {
 public:
  WriterGate(engine::Engine& e, engine::Command gate) {
    // The writer still holds the state after release() (it wakes, then leaves), so the
    // state is shared: the gate may be destroyed before the writer has let go of it.
    e.submit(std::move(gate), [state = state_](engine::CommandOutcome o) {
      std::unique_lock lock(state->mutex);
      state->outcome = std::move(o);
      state->held = true;
      state->cv.notify_all();
      state->cv.wait(lock, [&] { return state->released; });
    });
    std::unique_lock lock(state_->mutex);
    state_->cv.wait(lock, [&] { return state_->held; });  // the writer is inside the answer now
  }
  ~WriterGate() { release(); }
  WriterGate(const WriterGate&) = delete;
  WriterGate& operator=(const WriterGate&) = delete;

  void release() {
    {
      std::lock_guard lock(state_->mutex);
      state_->released = true;
    }
    state_->cv.notify_all();
  }
  // The gate's own answer.
  const engine::CommandOutcome& outcome() const { return state_->outcome; }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    bool held = false, released = false;
    engine::CommandOutcome outcome;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace brandledger::testing
