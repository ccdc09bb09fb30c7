// JobThreads: a few threads of the Api's own that run jobs which must not hold a server
// thread or the engine's writer: waiting on the writer (advancing the manual clock),
// Argon2id hashing. Jobs run in the order given (one at a time with one thread); the queue
// is bounded, so that a flood is told to come back (503) rather than queued without end.
// The destructor runs what is queued and joins, so no job outlives its owner.
//
// Thread safety: try_run() from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace brandledger::api {

class JobThreads {
 public:
  // `name`: the threads' name in logs, top and gdb (at most 15 characters).
  JobThreads(const char* name, std::size_t threads,
             std::size_t max_queued = std::numeric_limits<std::size_t>::max());
  ~JobThreads();
  JobThreads(const JobThreads&) = delete;
  JobThreads& operator=(const JobThreads&) = delete;

  // False (and `job` dropped) when the queue is full or the threads are stopping.
  bool try_run(std::function<void()> job);

 private:
  void loop();
  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace brandledger::api
