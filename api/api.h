// Api: API.md's endpoints as handle(request) -> response, on top of the engine. Knows
// nothing of sockets: api/server.cpp carries requests in and responses out.
//
// Thread safety: handle() and sse_events() may be called from any thread at once.
// `reply` is called exactly once per request, on a thread of the `post` executor.
// Destruction waits for the work the Api runs on a thread of its own (advancing the manual
// clock); commands still in the engine hold references to the Api, so the engine must have
// answered them (stopped, say) before the Api is destroyed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/http.h"
#include "core/status.h"
#include "engine/engine.h"

namespace brandledger::api {

struct ApiOptions {
  // Serve the browser console's files from here for paths outside /v1.
  std::optional<std::filesystem::path> web_root;
  // Session cookies carry `Secure` (served over TLS).
  bool secure_cookies = false;
  // The origin browsers see the console at when it differs from http://<Host> (behind a
  // proxy that terminates TLS: "https://brand.example.org"). A cookie request's Origin must
  // equal it, and an https one makes session cookies `Secure`.
  std::string public_origin;
  // Peers (reverse proxies) whose X-Forwarded-For names the client: its last address is the
  // one throttles count and the login log records. Others' X-Forwarded-For is ignored.
  std::vector<std::string> trusted_proxies;
  // A node of a replicated log (docs/SCALE-OUT.md); unset on a single node. promote turns a
  // replica into the writer (POST /v1/admin/promote); behind says how far it trails (events,
  // seconds) for /healthz; metrics adds the replication's gauges to /metrics.
  struct Replication {
    std::function<Status()> promote;
    std::function<std::pair<std::uint64_t, double>()> behind;
    std::function<std::string()> metrics;
  };
  std::optional<Replication> replication;
};

class Api {
 public:
  // `post` runs work on the server's threads: responses to commands are built there, not
  // on the engine's writer thread.
  using Post = std::function<void(std::function<void()>)>;

  Api(engine::Engine& engine, Post post, ApiOptions options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  void handle(Request request, Reply reply);

  // For a Server-Sent Events response: the events after *after, at most `limit`, as SSE
  // text ("id: N\ndata: {...}\n\n" each); *after moves to the last one sent. Fails
  // (Unsupported) once `credential` no longer authenticates `reader` as it did: the
  // session ended, the token was revoked, the user was disabled or changed.
  Result<std::string> sse_events(const storage::Actor& reader, const std::string& credential,
                                 std::uint64_t* after, std::size_t limit);

  // Every route, as "METHOD /v1/brands/{}/submit" ("{}" captures a segment), in the order
  // they are matched.
  std::vector<std::string> route_table() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Creates the `admin` user with this token when no administrator exists yet.
Status bootstrap_admin(engine::Engine& engine, const std::string& token);

// A new random 256-bit token, as 64 hex digits.
std::string new_token();
// A new short public id for a token ("tk-" and 8 random hex digits), unrelated to its text.
std::string new_token_id();

}  // namespace brandledger::api
