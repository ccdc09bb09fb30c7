#include "app/data_commands.h"

#include <cstdio>
#include <iostream>

#include "storage/environment.h"
#include "storage/event_log.h"

namespace brandledger::app {
namespace {

using storage::Environment;
using storage::EnvironmentOptions;

std::unique_ptr<Environment> open_or_report(const std::filesystem::path& dir, bool read_only) {
  EnvironmentOptions options;
  options.read_only = read_only;
  auto env = Environment::open(dir, options);
  if (!env.ok()) {
    std::cerr << "brandledger: " << env.status().to_string() << "\n";
    return nullptr;
  }
  return std::move(env).value();
}

}  // namespace

int run_stats(const std::filesystem::path& data_dir) {
  auto env = open_or_report(data_dir, /*read_only=*/false);
  if (!env) return 1;
  auto stats = env->stats();
  if (!stats.ok()) {
    std::cerr << "brandledger: " << stats.status().to_string() << "\n";
    return 1;
  }
  auto txn = env->begin_read();
  auto head =
      txn.ok() ? storage::EventLog(*env).head(*txn) : Result<storage::LogHead>(txn.status());
  if (!head.ok()) {
    std::cerr << "brandledger: " << head.status().to_string() << "\n";
    return 1;
  }
  std::printf("data dir:        %s\n", data_dir.c_str());
  std::printf("format version:  %u\n", stats->schema_version);
  std::printf("events:          %llu\n", static_cast<unsigned long long>(stats->events));
  std::printf("streams:         %llu\n", static_cast<unsigned long long>(stats->streams));
  std::printf("head:            %llu %s\n", static_cast<unsigned long long>(head->position),
              to_hex(head->hash).c_str());
  std::printf("file bytes:      %llu\n", static_cast<unsigned long long>(stats->file_bytes));
  std::printf("map used/size:   %llu / %llu (%.1f%%)\n",
              static_cast<unsigned long long>(stats->map_used),
              static_cast<unsigned long long>(stats->map_size),
              100.0 * static_cast<double>(stats->map_used) / static_cast<double>(stats->map_size));
  std::printf("readers:         %u\n", stats->readers);
  std::printf("%-28s %12s %14s\n", "table", "entries", "bytes");
  for (const auto& t : stats->tables)
    std::printf("%-28s %12llu %14llu\n", t.name.c_str(), static_cast<unsigned long long>(t.entries),
                static_cast<unsigned long long>(t.bytes));
  return 0;
}

int run_verify(const std::filesystem::path& data_dir) {
  auto env = open_or_report(data_dir, /*read_only=*/false);
  if (!env) return 1;
  auto txn = env->begin_read();
  auto report =
      txn.ok() ? storage::EventLog(*env).verify(*txn) : Result<storage::VerifyReport>(txn.status());
  if (!report.ok()) {
    std::cerr << "brandledger: " << report.status().to_string() << "\n";
    return 1;
  }
  if (!report->ok) {
    std::printf("FAILED at position %llu: %s (%llu events verified before it)\n",
                static_cast<unsigned long long>(report->first_bad_position),
                report->problem.c_str(), static_cast<unsigned long long>(report->events));
    return 2;
  }
  std::printf("ok: %llu events, head %s\n", static_cast<unsigned long long>(report->events),
              to_hex(report->head.hash).c_str());
  return 0;
}

int run_backup(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir) {
  auto env = open_or_report(data_dir, /*read_only=*/false);
  if (!env) return 1;
  Status s = env->backup(out_dir);
  if (!s.ok()) {
    std::cerr << "brandledger: " << s.to_string() << "\n";
    return 1;
  }
  std::printf("backup written to %s\n", out_dir.c_str());
  return 0;
}

}  // namespace brandledger::app
