#include "engine/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace brandledger::engine {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1) {}

void Histogram::observe(double value) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::uint64_t>(std::llround(std::max(0.0, value) * 1e6)),
                       std::memory_order_relaxed);
}

void Histogram::render(std::string* out, std::string_view name, std::string_view help) const {
  *out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    *out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cumulative);
  }
  cumulative += buckets_.back().load(std::memory_order_relaxed);
  *out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  *out += fmt::format("{}_sum {}\n{}_count {}\n", name,
                      static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6, name,
                      cumulative);
}

double Histogram::quantile_bound(double q) const {
  const auto total = static_cast<double>(count());
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    if (static_cast<double>(cumulative) >= q * total) return bounds_[i];
  }
  return INFINITY;
}

void EngineMetrics::render(std::string* out) const {
  *out +=
      "# HELP brandledger_commands_total Commands answered, by outcome.\n"
      "# TYPE brandledger_commands_total counter\n";
  *out += fmt::format("brandledger_commands_total{{outcome=\"accepted\"}} {}\n",
                      commands_accepted.value());
  *out += fmt::format("brandledger_commands_total{{outcome=\"rejected\"}} {}\n",
                      commands_rejected.value());
  *out +=
      fmt::format("brandledger_commands_total{{outcome=\"failed\"}} {}\n", commands_failed.value());
  *out += fmt::format("brandledger_commands_total{{outcome=\"duplicate\"}} {}\n",
                      commands_duplicate.value());
  *out += fmt::format(
      "# HELP brandledger_events_appended_total Events appended to the log.\n"
      "# TYPE brandledger_events_appended_total counter\n"
      "brandledger_events_appended_total {}\n",
      events_appended.value());
  *out += fmt::format(
      "# HELP brandledger_batches_total Group commits.\n"
      "# TYPE brandledger_batches_total counter\nbrandledger_batches_total {}\n",
      batches.value());
  *out += fmt::format(
      "# HELP brandledger_timers_fired_total Timers whose command was issued.\n"
      "# TYPE brandledger_timers_fired_total counter\nbrandledger_timers_fired_total {}\n",
      timers_fired.value());
  batch_size.render(out, "brandledger_batch_size", "Commands per group commit.");
  commit_seconds.render(out, "brandledger_commit_seconds",
                        "The durable commit of a batch (mdb_txn_commit): page writes and fsync.");
  batch_seconds.render(out, "brandledger_batch_seconds",
                       "A committed batch: deciding, appending, projecting, waiting for "
                       "commands to join, and the commit.");
  command_seconds.render(out, "brandledger_command_seconds", "Submit to answer.");
}

}  // namespace brandledger::engine
