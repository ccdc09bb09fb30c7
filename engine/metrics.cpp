#include "engine/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

// gperftools' C interface to its allocator's statistics, present when the program links
// tcmalloc (BRANDLEDGER_TCMALLOC) and null otherwise: declared weak so that the library does
// not depend on which allocator the program chose.
extern "C" int MallocExtension_GetNumericProperty(const char* property, std::size_t* value)
    __attribute__((weak));

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

void render_allocator(std::string* out) {
  if (MallocExtension_GetNumericProperty == nullptr) return;
  // What the program holds, against what the allocator keeps in its caches for reuse: the
  // process's heap RSS alone cannot tell a leak from a cache filling up.
  static constexpr struct {
    const char* property;
    const char* name;
    const char* help;
  } kGauges[] = {
      {"generic.current_allocated_bytes", "brandledger_heap_allocated_bytes",
       "Bytes of the heap the program holds (tcmalloc)."},
      {"generic.heap_size", "brandledger_heap_reserved_bytes",
       "Bytes the allocator has reserved from the system, free or not (tcmalloc)."},
      {"tcmalloc.pageheap_free_bytes", "brandledger_heap_pageheap_free_bytes",
       "Free bytes in the allocator's page heap, still mapped (tcmalloc)."},
      {"tcmalloc.pageheap_unmapped_bytes", "brandledger_heap_unmapped_bytes",
       "Free bytes the allocator has returned to the system (tcmalloc)."},
      {"tcmalloc.current_total_thread_cache_bytes", "brandledger_heap_thread_cache_bytes",
       "Free bytes in the allocator's per-thread caches (tcmalloc)."},
      {"tcmalloc.central_cache_free_bytes", "brandledger_heap_central_cache_free_bytes",
       "Free bytes in the allocator's central caches (tcmalloc)."},
  };
  for (const auto& g : kGauges) {
    std::size_t value = 0;
    if (MallocExtension_GetNumericProperty(g.property, &value) == 0) continue;
    *out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", g.name, g.help, value);
  }
}

}  // namespace brandledger::engine
