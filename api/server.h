// HttpServer: Boost.Beast over TCP for the Api. One session per connection on its own
// strand: it reads one request at a time with a fresh parser (1 MiB body, 16 KiB header
// limits), hands it to the Api, writes the answer, keeps alive. Reading has three
// deadlines: idle (a kept-alive connection waiting for a request's first byte is closed
// without a word), the whole header from its first byte, and the whole body; a request
// that misses the header's or the body's is answered 408. Connections are capped in all
// and per client address; a connection over either cap is answered 503 with Retry-After
// and closed after a short drain, so the client reads the answer instead of a reset.
// Every answer, refusals included, is a Response (errors from api/problem.h). Server-Sent
// Events for /v1/events/stream; stop() finishes in-flight requests and closes idle
// connections before returning.
//
// Thread safety: start/stop/wait from one controlling thread.
//
// Lifetime: the engine outlives the server. A stop whose grace runs out leaves the
// sessions still waiting on the engine behind; their answers are posted to the stopped
// server when the engine answers them, so stop the engine (which answers every queued
// command) before destroying the server, as `serve` does.
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
  // Connections open at once, in all and from one client address. The second keeps one
  // address from taking the first for itself; it is high enough for a reverse proxy or a
  // load test from one address.
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 256;
  std::size_t body_limit = std::size_t{1} << 20;
  std::size_t header_limit = 16 * 1024;
  // A kept-alive connection waits this long for the first byte of its next request.
  std::chrono::seconds idle_timeout{30};
  // The whole header, from its first byte: a client that trickles it (slowloris) holds
  // its connection no longer than this.
  std::chrono::seconds header_timeout{10};
  // The whole body, from the header's end.
  std::chrono::seconds body_timeout{30};
  // Writing an answer to a client that does not read it.
  std::chrono::seconds write_timeout{30};
  std::chrono::milliseconds sse_poll{100};
  // HTTPS: PEM files of the certificate chain and its private key. Set, every connection
  // speaks TLS 1.2 or 1.3 and every answer carries Strict-Transport-Security.
  std::string tls_cert;
  std::string tls_key;
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
  // Catches SIGTERM and SIGINT from now on (until then they end the process at once).
  void catch_stop_signals();
  // Blocks until SIGTERM or SIGINT (caught from catch_stop_signals(), or from here),
  // then stops gracefully.
  void wait_for_signal();
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes the rest.
  void stop(std::chrono::seconds grace = std::chrono::seconds(10));

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace brandledger::api
