// Shared set-up for the engine tests.
#pragma once

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "engine/engine.h"
#include "support/temp_dir.h"
#include "support/writer_gate.h"
#include "tests/engine/counter_domain.h"

namespace brandledger::testing {

inline engine::EngineOptions test_options(const std::filesystem::path& dir,
                                          bool manual_clock = true) {
  engine::EngineOptions options;
  options.data_dir = dir;
  options.manual_clock = manual_clock;
  return options;
}

inline std::unique_ptr<engine::Engine> open_engine(engine::EngineOptions options, int schema = 1) {
  auto e = engine::Engine::open(std::move(options), counter_domain(schema));
  INFO(e.status().to_string());
  REQUIRE(e.ok());
  return std::move(e).value();
}

inline std::unique_ptr<engine::Engine> open_engine(const std::filesystem::path& dir, int schema = 1,
                                                   bool manual_clock = true) {
  return open_engine(test_options(dir, manual_clock), schema);
}

inline engine::Command command(std::string type, std::string stream, boost::json::object args = {},
                               std::string actor = "u-1") {
  engine::Command c;
  c.type = std::move(type);
  c.stream = std::move(stream);
  c.args = std::move(args);
  c.actor = {actor, "张三", "committee", "wc"};
  return c;
}

inline engine::CommandOutcome accepted(engine::Engine& e, engine::Command c) {
  auto o = e.execute(std::move(c));
  INFO((o.rejection ? o.rejection->code : o.error.to_string()));
  REQUIRE(o.accepted());
  return o;
}

inline std::uint64_t log_events(engine::Engine& e) {
  auto txn = e.begin_read();
  REQUIRE(txn.ok());
  return e.log().head(*txn)->position;
}

inline std::optional<std::string> view(engine::Engine& e, std::string_view table,
                                       std::string_view key) {
  auto txn = e.begin_read();
  REQUIRE(txn.ok());
  auto v = engine::ViewReader(e.environment(), *txn).get(table, key);
  REQUIRE(v.ok());
  return *v;
}

}  // namespace brandledger::testing
