// A data store whose map is used up, in-process: commands are answered 507 with nothing
// written, and reads go on.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "api/api.h"
#include "api/server.h"
#include "support/temp_dir.h"
#include "tests/api/raw_connection.h"
#include "views/projections.h"

using namespace brandledger;
using namespace brandledger::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToken = "in-process-admin-token-0123456789";

std::unique_ptr<engine::Engine> open_engine(const TempDir& dir, std::size_t map_size) {
  engine::EngineOptions options;
  options.data_dir = dir / "data";
  options.manual_clock = true;
  options.map_size = map_size;
  auto e = engine::Engine::open(options, views::make_full_domain());
  INFO(e.status().to_string());
  REQUIRE(e.ok());
  return std::move(e).value();
}

std::string request(const std::string& method, const std::string& path,
                    const std::string& body = "") {
  return method + " " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
         std::string(kToken) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string create_org(const std::string& id) {
  return request("POST", "/v1/orgs",
                 R"({"id":")" + id + R"(","name":"单位)" + id + R"(","kind":"committee"})");
}

std::uint64_t log_events(const engine::Engine& e) {
  return e.environment().stats()->events;
}

}  // namespace

TEST_CASE("commands past the map's configured size are answered 507 with nothing written") {
  TempDir dir;
  std::uint64_t used = 0;
  {
    auto e = open_engine(dir, storage::kDefaultMapSize);
    REQUIRE(api::bootstrap_admin(*e, kToken).ok());
    used = e->environment().stats()->map_used;
  }
  // Room for some dozens of commands, no more.
  auto e = open_engine(dir, static_cast<std::size_t>(used) + (std::size_t{128} << 10));
  api::ServerOptions options;
  options.port = 0;
  api::HttpServer http(options, *e);
  REQUIRE(http.start().ok());
  RawConnection c(http.port());

  std::optional<RawAnswer> answer;
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(c.send(create_org("o" + std::to_string(i))));
    answer = c.read_answer(5000ms);
    REQUIRE(answer);
    if (answer->status != 201) break;
    ++accepted;
  }
  INFO(answer->body);
  CHECK(accepted > 0);
  CHECK(answer->status == 507);
  CHECK_THAT(answer->body, Catch::Contains("insufficient_storage"));
  const std::uint64_t events = log_events(*e);

  // Full stays full and writes nothing; reads still answer.
  REQUIRE(c.send(create_org("again")));
  answer = c.read_answer(5000ms);
  REQUIRE(answer);
  CHECK(answer->status == 507);
  CHECK(log_events(*e) == events);
  REQUIRE(c.send(request("GET", "/v1/orgs")));
  answer = c.read_answer(5000ms);
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK_THAT(answer->body, Catch::Contains("o0"));
  http.stop();
}
