#include "tests/api/route_table.h"

#include <catch2/catch.hpp>

#include "api/api.h"
#include "engine/engine.h"
#include "support/temp_dir.h"
#include "views/projections.h"

namespace brandledger::testing {

std::set<std::string> api_routes() {
  TempDir dir;
  engine::EngineOptions options;
  options.data_dir = dir / "data";
  options.manual_clock = true;
  auto engine = engine::Engine::open(options, views::make_full_domain());
  REQUIRE(engine.ok());
  std::set<std::string> routes;
  {
    api::Api api(**engine, [](std::function<void()> work) { work(); });
    for (const std::string& r : api.route_table()) routes.insert(r);
  }
  (*engine)->stop();
  return routes;
}

}  // namespace brandledger::testing
