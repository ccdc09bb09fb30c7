// Shared set-up for the storage tests: an environment in a temp dir and request builders.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "storage/environment.h"
#include "storage/event_log.h"
#include "support/temp_dir.h"

namespace brandledger::testing {

inline std::unique_ptr<storage::Environment> open_env(const std::filesystem::path& dir,
                                                      storage::EnvironmentOptions options = {}) {
  auto env = storage::Environment::open(dir, std::move(options));
  INFO(env.status().to_string());
  REQUIRE(env.ok());
  return std::move(env).value();
}

// An environment with one view table named "v".
inline std::unique_ptr<storage::Environment> open_env_with_view(const std::filesystem::path& dir) {
  storage::EnvironmentOptions options;
  options.view_tables = {"v"};
  return open_env(dir, std::move(options));
}

inline storage::AppendRequest request(std::vector<storage::NewEvent> events,
                                      std::string command_id = "") {
  storage::AppendRequest req;
  req.events = std::move(events);
  req.actor = {"u-committee", "市直机关工委 张三", "committee", "wc"};
  req.command_id = std::move(command_id);
  req.correlation_id = "corr-1";
  req.comment = "测试";
  req.occurred_at = *parse_rfc3339("2026-03-01T09:00:00Z");
  req.recorded_at = *parse_rfc3339("2026-03-01T09:00:01Z");
  return req;
}

inline storage::NewEvent event(std::string stream, std::string type = "BrandCreated",
                               std::string data = "{}") {
  return {std::move(stream), std::move(type), std::move(data)};
}

// Appends in its own transaction; REQUIREs success.
inline storage::AppendResult append_ok(storage::Environment& env,
                                       const storage::AppendRequest& req) {
  storage::EventLog log(env);
  storage::AppendResult result;
  Status s = env.write([&](storage::WriteTxn& txn) { return log.append(txn, req, &result); });
  INFO(s.to_string());
  REQUIRE(s.ok());
  return result;
}

inline std::uint64_t event_count(storage::Environment& env) {
  auto txn = env.begin_read();
  REQUIRE(txn.ok());
  auto n = env.log_tables().events.count(*txn);
  REQUIRE(n.ok());
  return *n;
}

}  // namespace brandledger::testing
