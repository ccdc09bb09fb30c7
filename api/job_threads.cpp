#include "api/job_threads.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "engine/logging.h"

namespace brandledger::api {

JobThreads::JobThreads(const char* name, std::size_t threads, std::size_t max_queued)
    : max_queued_(max_queued) {
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this, name] {
      engine::name_this_thread(name);
      loop();
    });
}

JobThreads::~JobThreads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool JobThreads::try_run(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void JobThreads::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing left to run
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("a background job failed: {}", e.what());
    }
    job = nullptr;  // its captures (a request's Call) go here, not under the lock
    lock.lock();
  }
}

}  // namespace brandledger::api
