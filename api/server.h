// HttpServer: Boost.Beast over TCP for the Api. One session per connection on its own
// strand: it reads one request at a time with a fresh parser (1 MiB body, 16 KiB header
// limits, a read timeout), hands it to the Api, writes the answer, keeps alive. A cap on
// open connections; Server-Sent Events for /v1/events/stream; stop() finishes in-flight
// requests and closes idle connections before returning.
//
// Thread safety: start/stop/wait from one controlling thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "api/api.h"
#include "core/status.h"

namespace brandledger::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port (see port())
  int threads = 2;
  std::size_t max_connections = 1024;
  std::size_t body_limit = std::size_t{1} << 20;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30};
  std::chrono::milliseconds sse_poll{100};
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, engine::Engine& engine, ApiOptions api_options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on the worker threads.
  Status start();
  unsigned short port() const;
  // Blocks until SIGTERM or SIGINT, then stops gracefully.
  void wait_for_signal();
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes the rest.
  void stop(std::chrono::seconds grace = std::chrono::seconds(10));

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace brandledger::api
