// Stopping and destroying a server, in-process, with requests and event streams in flight:
// whatever the order in which threads finish, nothing touches the server or the Api after
// they are gone. Built and run under AddressSanitizer too (scripts/test.sh, build-asan/),
// which turns a use after free here into a failure.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "api/api.h"
#include "api/server.h"
#include "support/temp_dir.h"
#include "support/writer_gate.h"
#include "tests/api/raw_connection.h"
#include "views/projections.h"
#include "workflows/model.h"

using namespace brandledger;
using namespace brandledger::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "in-process-admin-token-0123456789";

std::unique_ptr<engine::Engine> open_engine(const TempDir& dir) {
  engine::EngineOptions options;
  options.data_dir = dir / "data";
  options.manual_clock = true;
  auto e = engine::Engine::open(options, views::make_full_domain());
  INFO(e.status().to_string());
  REQUIRE(e.ok());
  REQUIRE(api::bootstrap_admin(**e, kToken).ok());
  return std::move(e).value();
}

// A command the writer can be held in (any answer will do).
engine::Command gate_command() {
  engine::Command c;
  c.type = "org.create";
  c.stream = workflows::org_stream("gate");
  c.actor = {"admin", "admin", "admin", ""};
  c.args = {{"id", "gate"}, {"name", "gate"}, {"kind", "committee"}};
  return c;
}

std::string create_org(const std::string& id) {
  const std::string body = R"({"id":")" + id + R"(","name":")" + id + R"(","kind":"committee"})";
  return "POST /v1/orgs HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + std::string(kToken) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// An event stream that has had its head.
RawConnection open_stream(unsigned short port) {
  RawConnection c(port);
  c.send("GET /v1/events/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
         std::string(kToken) + "\r\n\r\n");
  REQUIRE(c.readable(5000ms));
  return c;
}

struct Server {
  api::ServerOptions options;
  std::unique_ptr<api::HttpServer> http;

  explicit Server(engine::Engine& engine) {
    options.port = 0;
    http = std::make_unique<api::HttpServer>(options, engine);
    REQUIRE(http->start().ok());
  }
};

// Waits until the server has read `n` requests and handed them to the engine, where they
// queue behind the held writer: in flight, not unread, when the stop begins.
void wait_until_queued(const engine::Engine& engine, std::size_t n) {
  const auto deadline = Clock::now() + 30s;
  while (engine.queued_commands() < n && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE(engine.queued_commands() == n);
}

}  // namespace

TEST_CASE(
    "stop answers every request in flight and ends the event streams, well within its grace") {
  TempDir dir;
  auto engine = open_engine(dir);
  Server server(*engine);
  const unsigned short port = server.http->port();

  std::vector<RawConnection> streams;
  for (int i = 0; i < 3; ++i) streams.push_back(open_stream(port));
  auto gate = std::make_unique<WriterGate>(*engine, gate_command());
  std::vector<RawConnection> requests;
  for (int i = 0; i < 4; ++i) {
    requests.emplace_back(port);
    REQUIRE(requests.back().send(create_org("o" + std::to_string(i))));
  }
  wait_until_queued(*engine, 4);

  const auto start = Clock::now();
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.http->stop(std::chrono::seconds(10));
    stopped = true;
  });
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(stopped);  // it waits for the answers
  gate->release();

  for (RawConnection& r : requests) {
    auto got = r.read_to_end(5000ms);
    INFO(got.bytes);
    CHECK(got.end == RawConnection::End::kClosed);
    auto answer = parse_answer(got.bytes);
    REQUIRE(answer);
    CHECK(answer->status == 201);
    CHECK(answer->header("connection") == "close");
  }
  requests.clear();  // the client closes after the answer, as the server asked
  for (RawConnection& s : streams) {
    auto got = s.read_to_end(5000ms);
    CHECK(got.end == RawConnection::End::kClosed);
    CHECK(got.bytes.find(": connected") != std::string::npos);
  }
  stopper.join();
  const auto took = Clock::now() - start;
  // The writer was held for 0.3 s; the grace is 10 s. A stop that missed the last
  // session's notification would wait the whole grace.
  CHECK(took < 3s);

  engine->stop();
  server.http.reset();
  engine.reset();
}

TEST_CASE(
    "a stop whose grace runs out leaves its requests to the engine's stop, and the server is "
    "freed after") {
  TempDir dir;
  auto engine = open_engine(dir);
  Server server(*engine);
  const unsigned short port = server.http->port();

  auto stream = open_stream(port);
  auto gate = std::make_unique<WriterGate>(*engine, gate_command());
  std::vector<RawConnection> requests;
  for (int i = 0; i < 3; ++i) {
    requests.emplace_back(port);
    REQUIRE(requests.back().send(create_org("p" + std::to_string(i))));
  }
  wait_until_queued(*engine, 3);

  const auto start = Clock::now();
  server.http->stop(std::chrono::seconds(1));
  const auto took = Clock::now() - start;
  CHECK(took >= 900ms);
  CHECK(took < 3s);

  // As `serve` does: the engine stops before the server is destroyed. It answers the
  // commands, and their answers are posted to the stopped server, where they wait, holding
  // their sessions, until the server is destroyed.
  gate->release();
  engine->stop();
  server.http.reset();

  for (RawConnection& r : requests) {
    auto got = r.read_to_end(5000ms);
    CHECK(got.end != RawConnection::End::kTimedOut);  // closed or reset, never left hanging
  }
  CHECK(stream.read_to_end(5000ms).end != RawConnection::End::kTimedOut);
  engine.reset();
}

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
