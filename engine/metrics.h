// Counters and histograms for /metrics, rendered in the Prometheus text format.
//
// Thread safety: every method is safe from any thread (relaxed atomics; a scrape may see
// a histogram mid-update by one observation, which Prometheus tolerates).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brandledger::engine {

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Histogram {
 public:
  // Upper bounds, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends the _bucket, _sum and _count lines for `name`.
  void render(std::string* out, std::string_view name, std::string_view help) const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // The smallest bucket bound holding at least q of the observations (an upper estimate).
  double quantile_bound(double q) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // sum in millionths, to stay integral
};

struct EngineMetrics {
  Counter commands_accepted;
  Counter commands_rejected;
  Counter commands_failed;
  Counter commands_duplicate;
  Counter events_appended;
  Counter batches;
  Counter timers_fired;
  Histogram batch_size{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};
  // The durable commit of one batch (mdb_txn_commit): page writes and the fsync that makes
  // them durable, nothing else. One observation per committed batch.
  Histogram commit_seconds{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};
  // One committed batch as the writer spends it: its write transaction from begin to commit,
  // so deciding, appending, projecting, waiting for stragglers to join, and the commit.
  Histogram batch_seconds{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};
  // From submit to answer, as a caller sees it.
  Histogram command_seconds{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};

  // Replication (docs/SCALE-OUT.md): shipping one batch to the replicated log, until a
  // quorum holds it; and ships refused because another writer appended first.
  Histogram ship_seconds{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};
  Counter ship_fenced;

  void render(std::string* out) const;
};

// Appends the allocator's gauges (bytes held by the program, bytes in its caches) when the
// program links tcmalloc; nothing otherwise.
void render_allocator(std::string* out);

}  // namespace brandledger::engine
