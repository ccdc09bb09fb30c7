// brandledger: the command line. `brandledger help` lists the subcommands.
#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "app/data_commands.h"
#include "app/serve.h"
#include "app/user_commands.h"
#include "engine/logging.h"
#include "workflows/lifecycle_diagram.h"

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = R"(usage: brandledger <command> [options]

  serve   --data DIR [--listen 127.0.0.1:8080] [--threads N] [--manual-clock] [--demo]
          [--web DIR] [--log-format text|json]
          [--max-connections 1024] [--max-connections-per-address 256]
          [--public-origin https://HOST] [--trusted-proxy ADDR]...
          [--tls-cert FILE --tls-key FILE]   HTTPS (PEM): TLS 1.2 and 1.3 only
          [--idle-timeout 30] [--header-timeout 10] [--body-timeout 30]   (seconds)
          the HTTP API; BRANDLEDGER_BOOTSTRAP_TOKEN (environment) makes the first admin

commands on a data dir (safe while a server runs on it):
  stats   --data DIR             what the data dir holds: events, streams, map use, tables
  verify  --data DIR             the hash chain (names the first bad position), then every
                                 view against a rebuild from the log
  backup  --data DIR --out DIR   a consistent, compacted copy taken while writers go on
  export  --data DIR             every event as NDJSON on stdout, with all its hash covers
                                 (docs/FORMAT.md; tools/verify_export.py checks it)

account recovery on the server's machine (safe while a server runs on it):
  users set-password --data DIR USER
                                 sets USER's password to what standard input says (asked
                                 for twice without echo on a terminal); ends its sessions

with the server stopped:
  rebuild --data DIR             recompute every view from the log

documentation:
  lifecycle [--format mermaid|dot]   the brand lifecycle, drawn from the state machine's table
)";

int run(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help") {
    std::cout << kUsage;
    return argc < 2 ? 64 : 0;
  }
  std::string command = argv[1];
  int first_option = 2;
  if (command == "users") {
    if (argc < 3 || std::string(argv[2]) != "set-password") {
      std::cerr << "brandledger: users takes set-password\n" << kUsage;
      return 64;
    }
    command = "users set-password";
    first_option = 3;
  }
  po::options_description options("options");
  options.add_options()("data", po::value<std::string>(), "data dir")(
      "out", po::value<std::string>(), "output dir (backup)")(
      "format", po::value<std::string>()->default_value("mermaid"), "mermaid or dot (lifecycle)")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:8080"), "HOST:PORT (serve)")(
      "threads", po::value<int>()->default_value(2), "worker threads (serve)")(
      "manual-clock", po::bool_switch(), "the clock moves only by POST /v1/admin/clock (serve)")(
      "demo", po::bool_switch(), "load the demo data into an empty data dir (serve)")(
      "web", po::value<std::string>(), "serve the browser console from DIR (serve)")(
      "log-format", po::value<std::string>()->default_value("text"), "text or json (serve)")(
      "max-connections", po::value<std::size_t>()->default_value(1024),
      "connections open at once (serve)")(
      "max-connections-per-address", po::value<std::size_t>()->default_value(256),
      "connections open at once from one client address (serve)")(
      "idle-timeout", po::value<int>()->default_value(30),
      "seconds a kept-alive connection waits for its next request (serve)")(
      "header-timeout", po::value<int>()->default_value(10),
      "seconds for a whole request header, from its first byte (serve)")(
      "body-timeout", po::value<int>()->default_value(30),
      "seconds for a whole request body (serve)")("user", po::value<std::string>(),
                                                  "the user id (users set-password)")(
      "public-origin", po::value<std::string>(),
      "the origin browsers use behind a proxy, e.g. https://brand.example.org (serve)")(
      "tls-cert", po::value<std::string>(), "PEM certificate chain: serve HTTPS (serve)")(
      "tls-key", po::value<std::string>(), "PEM private key of --tls-cert (serve)")(
      "unsafe-no-sync", po::bool_switch(),
      "TEST ONLY: answer commands before they reach the disk (serve)")(
      "nats", po::value<std::string>(),
      "replicate the log through NATS JetStream at URL[,URL...] (serve; docs/SCALE-OUT.md)")(
      "nats-stream", po::value<std::string>()->default_value("BRANDLEDGER"),
      "the JetStream stream of the log (serve --nats)")(
      "nats-replicas", po::value<int>()->default_value(3),
      "copies the stream keeps, at most the cluster's size (serve --nats)")(
      "replica", po::bool_switch(), "start as a read replica of the stream (serve --nats)")(
      "trusted-proxy", po::value<std::vector<std::string>>()->composing(),
      "a reverse proxy's address whose X-Forwarded-For names the client (serve; repeatable)");
  po::positional_options_description positional;
  if (command == "users set-password") positional.add("user", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(std::vector<std::string>(argv + first_option, argv + argc))
                .options(options)
                .positional(positional)
                .run(),
            vm);
  po::notify(vm);

  auto required = [&](const char* name) -> std::string {
    if (!vm.count(name)) throw po::error(std::string("--") + name + " is required for " + command);
    return vm[name].as<std::string>();
  };
  if (command == "serve") {
    brandledger::app::ServeOptions o;
    o.data_dir = required("data");
    o.listen = vm["listen"].as<std::string>();
    o.threads = vm["threads"].as<int>();
    o.manual_clock = vm["manual-clock"].as<bool>();
    o.demo = vm["demo"].as<bool>();
    if (vm.count("web")) o.web_root = vm["web"].as<std::string>();
    if (vm.count("public-origin")) {
      o.public_origin = vm["public-origin"].as<std::string>();
      while (o.public_origin.ends_with('/')) o.public_origin.pop_back();
      if (!o.public_origin.starts_with("https://") && !o.public_origin.starts_with("http://"))
        throw po::error("--public-origin is http://HOST[:PORT] or https://HOST[:PORT]");
    }
    if (vm.count("tls-cert") != vm.count("tls-key"))
      throw po::error("--tls-cert and --tls-key go together");
    if (vm.count("tls-cert")) {
      o.tls_cert = vm["tls-cert"].as<std::string>();
      o.tls_key = vm["tls-key"].as<std::string>();
    }
    if (vm.count("trusted-proxy"))
      o.trusted_proxies = vm["trusted-proxy"].as<std::vector<std::string>>();
    o.log_format = vm["log-format"].as<std::string>();
    o.unsafe_no_sync = vm["unsafe-no-sync"].as<bool>();
    if (vm.count("nats")) o.nats = vm["nats"].as<std::string>();
    o.nats_stream = vm["nats-stream"].as<std::string>();
    o.nats_replicas = vm["nats-replicas"].as<int>();
    o.replica = vm["replica"].as<bool>();
    if (o.replica && o.nats.empty()) throw po::error("--replica needs --nats");
    if (o.nats_replicas < 1 || o.nats_replicas > 5)
      throw po::error("--nats-replicas is 1 to 5 (JetStream's limit)");
    if (o.nats_stream.empty() || o.nats_stream.find_first_of(" \t.*>/\\") != std::string::npos)
      throw po::error("--nats-stream: a JetStream stream name (no spaces, '.', '*', '>', '/')");
    o.max_connections = vm["max-connections"].as<std::size_t>();
    o.max_connections_per_address = vm["max-connections-per-address"].as<std::size_t>();
    o.idle_timeout = vm["idle-timeout"].as<int>();
    o.header_timeout = vm["header-timeout"].as<int>();
    o.body_timeout = vm["body-timeout"].as<int>();
    if (o.max_connections == 0 || o.max_connections_per_address == 0)
      throw po::error("--max-connections and --max-connections-per-address are at least 1");
    if (o.idle_timeout < 1 || o.header_timeout < 1 || o.body_timeout < 1)
      throw po::error("--idle-timeout, --header-timeout and --body-timeout are at least 1 second");
    return brandledger::app::run_serve(o);
  }
  // The other commands print their results on stdout (export's events, lifecycle's
  // diagram): what the layers below log goes to stderr, never into that output.
  brandledger::engine::configure_command_line_logging();
  if (command == "stats") return brandledger::app::run_stats(required("data"));
  if (command == "verify") return brandledger::app::run_verify(required("data"));
  if (command == "backup") return brandledger::app::run_backup(required("data"), required("out"));
  if (command == "export") return brandledger::app::run_export(required("data"));
  if (command == "rebuild") return brandledger::app::run_rebuild(required("data"));
  if (command == "users set-password")
    return brandledger::app::run_set_password(required("data"), required("user"), std::cin);
  if (command == "lifecycle") {
    const std::string format = vm["format"].as<std::string>();
    if (format == "mermaid")
      std::cout << brandledger::workflows::lifecycle_mermaid();
    else if (format == "dot")
      std::cout << brandledger::workflows::lifecycle_dot();
    else
      throw po::error("--format is mermaid or dot");
    return 0;
  }
  std::cerr << "brandledger: unknown command '" << command << "'\n" << kUsage;
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const po::error& e) {
    std::cerr << "brandledger: " << e.what() << "\n" << kUsage;
    return 64;
  }
}
