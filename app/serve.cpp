#include "app/serve.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "api/server.h"
#include "app/data_commands.h"
#include "app/demo.h"
#include "core/passwords.h"
#include "engine/logging.h"
#include "replication/replicator.h"
#include "views/projections.h"

namespace brandledger::app {
namespace {

// Every connection holds a descriptor. Under a soft limit of 1024 (the usual default)
// accept() runs out before the connection cap of 1024 is reached, and clients then wait in
// the backlog instead of getting the cap's 503. The hard limit is the operator's to set;
// up to it, take what the caps need.
void raise_open_files_limit(std::size_t connections) {
  // Beyond the connections: up to 256 refusals lingering, LMDB, the logs.
  const rlim_t wanted = static_cast<rlim_t>(connections) + 320;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < wanted && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < wanted)
    spdlog::warn(
        "open files limited to {}: fewer than --max-connections {} needs; raise the "
        "hard limit (LimitNOFILE=)",
        limit.rlim_cur, connections);
}

}  // namespace

int run_serve(const ServeOptions& o) {
  engine::LogFormat format;
  if (!engine::parse_log_format(o.log_format, &format)) {
    std::cerr << "brandledger: --log-format is text or json\n";
    return 64;
  }
  engine::configure_logging(format);

  const auto colon = o.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "brandledger: --listen is HOST:PORT\n";
    return 64;
  }
  api::ServerOptions server;
  server.address = o.listen.substr(0, colon);
  server.port = static_cast<unsigned short>(std::atoi(o.listen.c_str() + colon + 1));
  server.threads = o.threads;
  server.max_connections = o.max_connections;
  server.max_connections_per_address = o.max_connections_per_address;
  server.idle_timeout = std::chrono::seconds(o.idle_timeout);
  server.header_timeout = std::chrono::seconds(o.header_timeout);
  server.body_timeout = std::chrono::seconds(o.body_timeout);
  server.tls_cert = o.tls_cert;
  server.tls_key = o.tls_key;

  raise_open_files_limit(server.max_connections);

  if (!lock_data_dir(o.data_dir)) {
    std::cerr << "brandledger: another server is running on " << o.data_dir.string() << "\n";
    return 1;
  }
  engine::EngineOptions engine_options;
  engine_options.data_dir = o.data_dir;
  engine_options.manual_clock = o.manual_clock;
  engine_options.preallocate_ahead = std::size_t{64} << 20;
  engine_options.unsafe_no_sync = o.unsafe_no_sync;
  if (o.unsafe_no_sync)
    spdlog::warn(
        "--unsafe-no-sync: commands are answered before they reach the disk; a power "
        "cut loses answered commands. For the power-loss test only, never in service.");
  // The whole chain walked at start and then daily, in the background (API.md Operations).
  engine_options.chain_check_interval = std::chrono::hours(24);
  std::string bootstrap_token;
  if (const char* t = std::getenv("BRANDLEDGER_BOOTSTRAP_TOKEN"); t != nullptr && *t != '\0')
    bootstrap_token = t;
  // A short bootstrap token is an administrator's password anyone can guess offline or
  // online: refuse it before anything is opened or created.
  constexpr std::size_t kMinBootstrapToken = 24;
  if (!bootstrap_token.empty() && bootstrap_token.size() < kMinBootstrapToken) {
    std::cerr << "brandledger: BRANDLEDGER_BOOTSTRAP_TOKEN is " << bootstrap_token.size()
              << " characters long; it must be at least " << kMinBootstrapToken
              << " (e.g. openssl rand -hex 24)\n";
    return 2;
  }
  if (const char* p = std::getenv("BRANDLEDGER_DEMO_PASSWORD");
      o.demo && p != nullptr && std::string_view(p).size() < kMinPasswordChars) {
    std::cerr << "brandledger: BRANDLEDGER_DEMO_PASSWORD must be at least " << kMinPasswordChars
              << " characters\n";
    return 2;
  }
  // The replicated log: the stream made or checked before the engine opens, so that a
  // writer never takes a command it could not ship.
  std::shared_ptr<replication::JetStreamShipper> shipper;
  if (!o.nats.empty()) {
    replication::JetStreamOptions js;
    js.servers = replication::split_servers(o.nats);
    js.stream = o.nats_stream;
    js.replicas = o.nats_replicas;
    auto log = replication::JetStreamLog::connect(js);
    if (!log.ok()) {
      std::cerr << "brandledger: --nats: " << log.status().to_string() << "\n";
      return 1;
    }
    std::shared_ptr<replication::JetStreamLog> stream = std::move(*log);
    Status made = stream->ensure_stream();
    // A cluster just started elects its leaders first: give it half a minute.
    if (made.code() == Status::Code::kUnavailable)
      spdlog::info("waiting up to 30 s for the JetStream cluster ({})", made.message());
    for (int i = 0; i < 150 && made.code() == Status::Code::kUnavailable; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      made = stream->ensure_stream();
    }
    if (!made.ok()) {
      std::cerr << "brandledger: --nats: " << made.to_string() << "\n";
      return 1;
    }
    shipper = std::make_shared<replication::JetStreamShipper>(std::move(stream));
    engine_options.shipper = shipper;
    engine_options.replica = o.replica;
  }
  if (o.replica && o.demo) {
    std::cerr << "brandledger: --demo goes to the writer; a replica gets it from the stream\n";
    return 64;
  }
  // Upgrades, a views rebuild and the compaction after it, before the engine that serves.
  if (Status s = prepare_data_dir(o.data_dir); !s.ok()) {
    std::cerr << "brandledger: " << s.to_string() << "\n";
    return 1;
  }
  auto engine = engine::Engine::open(engine_options, views::make_full_domain());
  if (!engine.ok()) {
    std::cerr << "brandledger: " << engine.status().to_string() << "\n";
    return 1;
  }
  // The thread that keeps this node in step with the stream (a writer's backlog first).
  std::unique_ptr<replication::Replicator> replicator;
  if (shipper) {
    // The demo and the bootstrap administrator are commands: the writer ships its backlog
    // before it takes them.
    const replication::ReplicatorOptions replicator_options;
    if (Status s = (*engine)->ship_backlog(replicator_options.backlog_batch_bytes);
        !s.ok() && s.code() != Status::Code::kFenced)
      spdlog::warn("replication: the backlog is not shipped yet ({}): commands wait for it",
                   s.to_string());
    replicator = std::make_unique<replication::Replicator>(**engine, shipper, replicator_options);
    spdlog::info("replicating through NATS stream {} as {}", o.nats_stream,
                 engine::role_name((*engine)->replication_status().role));
  }

  // The demo's history is dated in the past, so it goes in before anything dated now.
  if (o.demo) {
    const char* demo_password = std::getenv("BRANDLEDGER_DEMO_PASSWORD");
    auto logins = load_demo(**engine, bootstrap_token, demo_password ? demo_password : "");
    if (!logins.ok()) {
      std::cerr << "brandledger: demo data: " << logins.status().to_string() << "\n";
      return 1;
    }
    std::cout << *logins << std::flush;
  }
  // A replica's users, the administrator included, come from the writer through the stream.
  if (!bootstrap_token.empty() && !o.replica) {
    if (Status s = api::bootstrap_admin(**engine, bootstrap_token); !s.ok()) {
      std::cerr << "brandledger: bootstrap admin: " << s.to_string() << "\n";
      return 1;
    }
  }

  api::ApiOptions api_options;
  api_options.web_root = o.web_root;
  // Without --web, the console this build made (scripts/build.sh builds web/dist).
  if (!api_options.web_root && std::filesystem::exists(BRANDLEDGER_WEB_DIST "/index.html"))
    api_options.web_root = BRANDLEDGER_WEB_DIST;
  if (api_options.web_root)
    spdlog::info("the console is served from {}", api_options.web_root->string());
  else
    spdlog::warn("no console at {} (scripts/build.sh builds it): / answers 404",
                 BRANDLEDGER_WEB_DIST);
  api_options.public_origin = o.public_origin;
  api_options.trusted_proxies = o.trusted_proxies;
  // Over TLS the session cookie is Secure and Origin is compared as https://Host.
  api_options.secure_cookies = !o.tls_cert.empty();
  if (replicator) {
    api::ApiOptions::Replication r;
    r.promote = [&replicator] { return replicator->promote(); };
    r.behind = [&replicator] {
      const auto lag = replicator->lag();
      return std::pair<std::uint64_t, double>{lag.events, lag.seconds};
    };
    r.metrics = [&replicator] { return replicator->render_metrics(); };
    api_options.replication = std::move(r);
  }
  {
    api::HttpServer http(server, **engine, api_options);
    if (Status s = http.start(); !s.ok()) {
      std::cerr << "brandledger: " << s.to_string() << "\n";
      return 1;
    }
    // From here SIGTERM stops the server gracefully: a script that sends it as soon as it
    // reads the line below must not kill it mid-start.
    http.catch_stop_signals();
    // Tests and scripts read the port from this line (with --listen 127.0.0.1:0 it is chosen
    // here).
    std::cout << "listening on " << server.address << ":" << http.port() << std::endl;
    spdlog::info("serving {} on {}://{}:{}", o.data_dir.string(),
                 server.tls_cert.empty() ? "http" : "https", server.address, http.port());
    http.wait_for_signal();
    (*engine)->stop();
    // The Api goes here, while logs are still written: its last summary of failed
    // authentications and the last-used times of credentials are written out as it goes.
  }
  // After the Api (whose answers read its lag) and before the engine closes (it applies
  // batches through it).
  replicator.reset();
  spdlog::info("stopped");
  engine::stop_logging();  // drains the asynchronous log
  return 0;
}

}  // namespace brandledger::app
