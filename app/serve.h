// `brandledger serve`: the HTTP server on a data dir.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace brandledger::app {

struct ServeOptions {
  std::filesystem::path data_dir;
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  bool manual_clock = false;
  bool demo = false;
  std::optional<std::filesystem::path> web_root;
  // Behind a reverse proxy: the origin browsers use, and the proxies' addresses (api.h).
  std::string public_origin;
  std::vector<std::string> trusted_proxies;
  // HTTPS: PEM certificate chain and key (both or neither).
  std::string tls_cert, tls_key;
  std::string log_format = "text";
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 256;
  int idle_timeout = 30;    // seconds
  int header_timeout = 10;  // seconds
  int body_timeout = 30;    // seconds
  // TEST ONLY (--unsafe-no-sync): answers commands before they reach the disk.
  bool unsafe_no_sync = false;
  // The log replicated through NATS JetStream (docs/SCALE-OUT.md): the servers ("" for a
  // single node), the stream, its copies, and whether to start as a replica.
  std::string nats;
  std::string nats_stream = "BRANDLEDGER";
  int nats_replicas = 3;
  bool replica = false;
};

// Runs until SIGTERM or SIGINT; returns the process exit code.
int run_serve(const ServeOptions& options);

}  // namespace brandledger::app
