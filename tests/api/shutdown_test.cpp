// Stopping and destroying the Api in-process with work in flight: nothing touches the
// Api after it is gone.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>

#include "api/api.h"
#include "support/temp_dir.h"
#include "views/projections.h"

using namespace brandledger;
using namespace brandledger::testing;

namespace {

constexpr const char* kToken = "in-process-admin-token-0123456789";

std::unique_ptr<engine::Engine> open_engine(const TempDir& dir) {
  engine::EngineOptions options;
  options.data_dir = dir / "data";
  options.manual_clock = true;
  options.initial_map_size = std::size_t{64} << 20;
  auto e = engine::Engine::open(options, views::make_full_domain());
  INFO(e.status().to_string());
  REQUIRE(e.ok());
  REQUIRE(api::bootstrap_admin(**e, kToken).ok());
  return std::move(e).value();
}

}  // namespace

TEST_CASE("the clock's answer is given before the Api is destroyed") {
  TempDir dir;
  auto engine = open_engine(dir);
  // Work posted by the Api runs at once, on whichever thread posts it.
  auto api = std::make_unique<api::Api>(*engine, [](std::function<void()> work) { work(); });
  std::atomic<unsigned> status{0};
  api::Request req;
  req.method = "POST";
  req.path = "/v1/admin/clock";
  req.headers = {{"authorization", std::string("Bearer ") + kToken}};
  req.body = R"({"now":"2031-01-01T08:00:00Z"})";
  std::string body;
  api->handle(std::move(req), [&](api::Response r) {
    body = r.body;
    status = r.status;
  });
  // Advancing the clock commits to disk off the caller's thread; the Api must wait for it
  // rather than leave a thread behind that reaches into it once it is gone.
  api.reset();
  INFO(body);
  CHECK(status == 200);
  engine.reset();
}
