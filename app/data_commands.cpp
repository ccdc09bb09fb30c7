#include "app/data_commands.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include "core/sha256.h"
#include "core/time.h"
#include "engine/engine.h"
#include "storage/codec.h"
#include "storage/environment.h"
#include "storage/event_log.h"
#include "views/projections.h"

namespace brandledger::app {
namespace {

using storage::Environment;
using storage::EnvironmentOptions;

int fail(const Status& s) {
  std::cerr << "brandledger: " << s.to_string() << "\n";
  return 1;
}

// Read-only, or open for maintenance: upgrades and views, but no commands and no timers
// (verify and rebuild never append, whatever is due).
std::unique_ptr<engine::Engine> open_engine(const std::filesystem::path& dir, bool read_only) {
  engine::EngineOptions options;
  options.data_dir = dir;
  options.read_only = read_only;
  options.take_commands = false;
  auto e = engine::Engine::open(options, views::make_full_domain());
  if (!e.ok()) {
    fail(e.status());
    return nullptr;
  }
  return std::move(e).value();
}

// The environment alone, read-only, with the view tables of the full domain: enough to copy
// or count, and never a rebuild.
Result<std::unique_ptr<Environment>> open_environment(const std::filesystem::path& dir) {
  EnvironmentOptions options;
  options.read_only = true;
  options.view_tables = views::make_full_domain().view_tables();
  return Environment::open(dir, options);
}

}  // namespace

bool lock_data_dir(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  const int fd = ::open((data_dir / "serve.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  // The descriptor stays open for the life of the process: closing it would drop the lock.
  return fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0;
}

int run_stats(const std::filesystem::path& data_dir) {
  auto env = open_environment(data_dir);
  if (!env.ok()) return fail(env.status());
  auto stats = (*env)->stats();
  if (!stats.ok()) return fail(stats.status());
  auto txn = (*env)->begin_read();
  auto head =
      txn.ok() ? storage::EventLog(**env).head(*txn) : Result<storage::LogHead>(txn.status());
  if (!head.ok()) return fail(head.status());
  std::printf("data dir:        %s\n", data_dir.c_str());
  std::printf("format version:  %u\n", stats->schema_version);
  std::printf("events:          %llu\n", static_cast<unsigned long long>(stats->events));
  std::printf("streams:         %llu\n", static_cast<unsigned long long>(stats->streams));
  std::printf("head:            %llu %s\n", static_cast<unsigned long long>(head->position),
              to_hex(head->hash).c_str());
  std::printf("file bytes:      %llu\n", static_cast<unsigned long long>(stats->file_bytes));
  // Against a 1 TiB map a data dir of hundreds of MiB is 0.0...%: show enough digits.
  std::printf("map used/size:   %llu / %llu (%.4f%%)\n",
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
  auto engine = open_engine(data_dir, /*read_only=*/true);
  if (!engine) return 1;
  auto txn = engine->begin_read();
  if (!txn.ok()) return fail(txn.status());
  auto report = engine->log().verify(*txn);
  if (!report.ok()) return fail(report.status());
  txn->abort();
  if (!report->ok) {
    std::printf(
        "FAILED: the hash chain breaks at position %llu: %s (%llu events verified before it)\n",
        static_cast<unsigned long long>(report->first_bad_position), report->problem.c_str(),
        static_cast<unsigned long long>(report->events));
    return 2;
  }
  std::printf("chain ok: %llu events, head %s\n", static_cast<unsigned long long>(report->events),
              to_hex(report->head.hash).c_str());

  // The views: rebuilt from the log in a compacted copy, and compared.
  const auto scratch =
      std::filesystem::temp_directory_path() / ("brandledger-verify-" + std::to_string(::getpid()));
  auto differing = engine->views_differing_from_log(scratch);
  if (!differing.ok()) return fail(differing.status());
  for (const std::string& table : *differing)
    std::printf("FAILED: view %s differs from a rebuild from the log\n", table.c_str());
  if (!differing->empty()) return 3;
  std::printf("views ok: %zu tables equal a rebuild from the log\n",
              engine->environment().view_tables().size());
  return 0;
}

int run_backup(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir) {
  auto env = open_environment(data_dir);
  if (!env.ok()) return fail(env.status());
  if (Status s = (*env)->backup(out_dir); !s.ok()) return fail(s);
  // The copy is no node's writer: a node started on it must not take the writer's next
  // batches for its own.
  EnvironmentOptions copy_options;
  copy_options.view_tables = views::make_full_domain().view_tables();
  auto copy = Environment::open(out_dir, copy_options);
  if (!copy.ok()) return fail(copy.status());
  if (Status s = engine::forget_own_batches(**copy); !s.ok()) return fail(s);
  std::printf("backup written to %s\n", out_dir.c_str());
  return 0;
}

namespace {

// One line of `export` (docs/FORMAT.md 4.1): API.md's event, with data exactly as stored and
// the rest of what the hash covers, so that an auditor can recompute every hash from it.
std::string export_line(const storage::Event& e) {
  auto str = [](std::string_view s) { return boost::json::serialize(boost::json::string_view(s)); };
  std::string line;
  line.reserve(400 + e.data.size() + e.comment.size());
  line += "{\"position\":" + std::to_string(e.position);
  line += ",\"stream\":" + str(e.stream);
  line += ",\"version\":" + std::to_string(e.version);
  line += ",\"stream_prev\":" + std::to_string(e.stream_prev);
  line += ",\"type\":" + str(e.type);
  line += ",\"schema_version\":" + std::to_string(e.schema_version);
  line += ",\"occurred_at\":" + str(format_rfc3339(e.occurred_at));
  line += ",\"recorded_at\":" + str(format_rfc3339(e.recorded_at));
  line += ",\"actor\":{\"id\":" + str(e.actor.id) + ",\"name\":" + str(e.actor.name) +
          ",\"role\":" + str(e.actor.role) + ",\"org\":" + str(e.actor.org) + "}";
  line += ",\"command_id\":" + str(e.command_id);
  line += ",\"correlation_id\":" + str(e.correlation_id);
  line += ",\"comment\":" + str(e.comment);
  // The stored text itself: parsing and writing it again could change a number's digits
  // (9.200000000000001E0) and with them the bytes the hash covers.
  line += ",\"data\":" + e.data;
  line += ",\"prev_hash\":\"" + to_hex(e.prev_hash) + "\"";
  line += ",\"hash\":\"" + to_hex(e.hash) + "\"";
  line += ",\"record_format\":" + std::to_string(storage::kEventFormat) + "}";
  return line;
}

}  // namespace

int run_export(const std::filesystem::path& data_dir) {
  auto engine = open_engine(data_dir, /*read_only=*/true);
  if (!engine) return 1;
  auto txn = engine->begin_read();
  if (!txn.ok()) return fail(txn.status());
  std::uint64_t after = 0;
  for (;;) {
    auto events = engine->log().read_all(*txn, after, 10000);
    if (!events.ok()) return fail(events.status());
    if (events->empty()) break;
    for (const auto& e : *events) {
      std::string line = export_line(e);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
      after = e.position;
    }
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_rebuild(const std::filesystem::path& data_dir) {
  if (!lock_data_dir(data_dir)) {
    std::cerr << "brandledger: a server is running on " << data_dir.string() << "; stop it first\n";
    return 1;
  }
  if (Status s = prepare_data_dir(data_dir, /*rebuild=*/true); !s.ok()) return fail(s);
  std::printf("views rebuilt from the log\n");
  return 0;
}

Status prepare_data_dir(const std::filesystem::path& data_dir, bool rebuild) {
  {
    engine::EngineOptions options;
    options.data_dir = data_dir;
    options.take_commands = false;
    BL_ASSIGN_OR_RETURN(auto engine, engine::Engine::open(options, views::make_full_domain()));
    if (!engine->rebuilt_at_open()) {
      if (!rebuild) return Status::Ok();
      BL_RETURN_IF_ERROR(engine->rebuild());
    }
  }
  // The views are whole by now: a compaction that cannot be done (another process has the
  // dir open, no room for the copy) costs write speed, not data, so it never stops a start.
  const auto started = std::chrono::steady_clock::now();
  if (Status compacted = storage::compact_data_dir(data_dir); !compacted.ok()) {
    spdlog::warn("the data file keeps the old views' pages (writes are slower until it is "
                 "compacted: run brandledger rebuild alone on it): {}",
                 compacted.to_string());
    return Status::Ok();
  }
  spdlog::info("the data file compacted after the rebuild in {:.1f} s",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return Status::Ok();
}

}  // namespace brandledger::app
