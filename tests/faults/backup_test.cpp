// A backup taken from a running server under write load, restored: a server on the
// backup verifies (chain and views) and serves exactly the history up to the backup's
// position — every event there byte for byte as the original serves it, nothing after it —
// and every command acknowledged before the backup started is in it.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/command_line.h"
#include "tests/api/world.h"
#include "tests/faults/filed_brands.h"
#include "tests/faults/log_check.h"

using namespace brandledger::testing;

namespace {

// Every event the server serves, in order, as the auditor reads them (GET /v1/events).
std::vector<std::string> all_events(unsigned short port, const std::string& token) {
  Client auditor(port, token);
  std::vector<std::string> out;
  std::string after = "0";
  for (;;) {
    auto page = World::obj(auditor.get("/v1/events?limit=500&after=" + after));
    for (const auto& e : page.at("items").as_array()) out.push_back(boost::json::serialize(e));
    if (page.at("items").as_array().empty() || page.at("next").is_null()) break;
    after = text(page.at("next"));
  }
  return out;
}

}  // namespace

TEST_CASE("a backup taken under write load restores into a server that verifies and serves "
          "exactly the history up to the backup's position") {
  World w;
  const auto brands = filed_brands(w, 4);
  // Writers keep sending commands while the backup is taken.
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> acknowledged_before_backup;  // command ids
  std::atomic<bool> backup_started{false};
  std::vector<std::thread> writers;
  for (const auto& [branch, id] : brands)
    writers.emplace_back([&, branch = branch, id = id] {
      Client c(w.port(), w.as(branch).token());
      for (int n = 0; !stop; ++n) {
        const std::string key = "backup-" + branch + "-" + std::to_string(n);
        auto r = c.post("/v1/brands/" + id + "/progress",
                        {{"year", 2026}, {"summary", "进展 " + key}}, {{"Idempotency-Key", key}});
        // Answered before the backup began (the flag is read after the answer).
        if (r.status < 300 && !backup_started) {
          std::lock_guard lock(mutex);
          acknowledged_before_backup.push_back(command_id(branch, key));
        }
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  TempDir backup;
  backup_started = true;
  Run made = run("backup --data " + (w.dir / "data").string() + " --out " + (backup / "data").string());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // writes go on after it
  stop = true;
  for (auto& t : writers) t.join();
  INFO(made.out);
  REQUIRE(made.code == 0);

  const std::string auditor = w.as("auditor").token();
  const std::vector<std::string> original = all_events(w.port(), auditor);

  // The backup, read by fresh processes: chain and views verify; everything acknowledged
  // before it began is in it.
  const LogContents log = read_log(backup / "data");
  REQUIRE(log.problem == "");
  for (const std::string& id : acknowledged_before_backup) REQUIRE(once(log, id) == "");
  REQUIRE(log.events < original.size());  // writes went on past the backup

  // A server on it serves exactly the original's first `log.events` events.
  ServerProcess restored(backup / "data");
  auto verified = World::obj(Client(restored.port(), auditor).get("/v1/admin/verify"));
  CHECK(verified.at("ok").as_bool());
  CHECK(verified.at("views_ok").as_bool());
  const std::vector<std::string> served = all_events(restored.port(), auditor);
  REQUIRE(served.size() == log.events);
  for (std::size_t i = 0; i < served.size(); ++i) {
    INFO("position " << i + 1);
    REQUIRE(served[i] == original[i]);
  }
  std::printf("backup under load: taken at position %llu of %zu while four writers ran; %zu "
              "commands acknowledged before it began are in it; the restored server serves "
              "events 1..%llu byte for byte\n",
              static_cast<unsigned long long>(log.events), original.size(),
              acknowledged_before_backup.size(), static_cast<unsigned long long>(log.events));
  CHECK(restored.stop() == 0);
}
