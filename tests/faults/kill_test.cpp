// SIGKILL under load (Jepsen's way): several client processes send commands over HTTP with
// Idempotency-Keys while the server is killed at random moments. A client whose answer was
// lost (the server died mid-request) sends the same key again to the restarted server, so a
// command whose fate was unknown must end up in the log once, never twice. After each kill,
// fresh processes verify the chain and the views and find every command acknowledged so far
// exactly once.
//
//   BL_KILL_SEED=<n>  replay one run's kill moments (every run prints its seed)
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "tests/api/world.h"
#include "tests/faults/filed_brands.h"
#include "tests/faults/log_check.h"

using namespace brandledger::testing;

namespace {

// Where the client processes find the server that is up now (its port changes at restart).
void publish_port(const std::filesystem::path& file, unsigned short port) {
  const auto tmp = file.string() + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::filesystem::rename(tmp, file);
}

unsigned short read_port(const std::filesystem::path& file) {
  std::ifstream in(file);
  unsigned port = 0;
  in >> port;
  return static_cast<unsigned short>(port);
}

// One client process: progress reports on its brand, one Idempotency-Key after another. A
// key is sent until it is answered: a lost answer (connection refused or cut) or a 503 is
// retried with the same key. Each answer is appended to `out` as "ack KEY ." or
// "refused KEY STATUS ." (the dot marks a whole line), and each key that needed a retry
// after a lost answer as "retried KEY .". Runs until `stop` exists, then exits.
[[noreturn]] void client_process(const std::filesystem::path& port_file,
                                 const std::filesystem::path& stop, const std::string& token,
                                 const std::string& brand, const std::filesystem::path& out) {
  FILE* f = std::fopen(out.c_str(), "w");
  if (f == nullptr) _exit(2);
  for (int n = 0; !std::filesystem::exists(stop); ++n) {
    const std::string key = "kill-" + std::to_string(getpid()) + "-" + std::to_string(n);
    bool lost = false;
    for (;;) {
      const unsigned short port = read_port(port_file);
      if (port == 0) {  // between a kill and the next server
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      try {
        Client c(port, token);
        auto r = c.post("/v1/brands/" + brand + "/progress",
                        {{"year", 2026}, {"summary", "进展 " + key}}, {{"Idempotency-Key", key}});
        if (r.status == 503) throw std::runtime_error("unavailable");
        if (lost) std::fprintf(f, "retried %s .\n", key.c_str());
        if (r.status < 300)
          std::fprintf(f, "ack %s .\n", key.c_str());
        else
          std::fprintf(f, "refused %s %u .\n", key.c_str(), r.status);
        std::fflush(f);
        break;
      } catch (const std::exception&) {
        lost = true;  // the server is down or went down mid-request: the same key again
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  std::fclose(f);
  _exit(0);
}

struct ClientLines {
  std::vector<std::string> acknowledged;  // keys
  std::vector<std::string> refused;       // whole lines
  std::size_t retried = 0;
};

// Whole lines only: a client may be writing its last one.
ClientLines read_client(const std::filesystem::path& file) {
  ClientLines out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (w.size() < 3 || w.back() != ".") continue;
    if (w[0] == "ack") out.acknowledged.push_back(w[1]);
    if (w[0] == "refused") out.refused.push_back(line);
    if (w[0] == "retried") ++out.retried;
  }
  return out;
}

// Kills and reaps the client processes however the test ends.
struct Clients {
  std::vector<pid_t> pids;
  ~Clients() {
    for (pid_t p : pids) {
      ::kill(p, SIGKILL);
      waitpid(p, nullptr, 0);
    }
  }
};

}  // namespace

TEST_CASE(
    "SIGKILL at random moments under load from client processes loses no acknowledged "
    "command and repeats none") {
  World w;
  const auto writers = filed_brands(w, 6);  // branch, brand id
  REQUIRE(w.server->stop() == 0);
  const auto data = w.dir / "data";
  TempDir scratch;
  const auto port_file = scratch / "port", stop = scratch / "stop";

  auto server = std::make_unique<ServerProcess>(data);
  publish_port(port_file, server->port());
  Clients clients;
  for (std::size_t i = 0; i < writers.size(); ++i) {
    const std::string token = w.as(writers[i].first).token();
    const auto out = scratch / ("client-" + std::to_string(i));
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) client_process(port_file, stop, token, writers[i].second, out);
    clients.pids.push_back(pid);
  }

  // Every acknowledgement so far, checked against a stopped data dir.
  auto check = [&](const std::string& when) -> std::size_t {
    const LogContents log = read_log(data);
    INFO(when);
    REQUIRE(log.problem == "");
    std::size_t acknowledged = 0;
    for (std::size_t i = 0; i < writers.size(); ++i) {
      const ClientLines lines = read_client(scratch / ("client-" + std::to_string(i)));
      INFO("client " << i);
      CHECK(lines.refused.empty());
      for (const std::string& key : lines.acknowledged)
        REQUIRE(once(log, command_id(writers[i].first, key)) == "");
      acknowledged += lines.acknowledged.size();
    }
    return acknowledged;
  };

  std::uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("BL_KILL_SEED"); s != nullptr && *s != '\0')
    seed = std::stoull(s);
  std::mt19937_64 random(seed);
  constexpr int kKills = 20;
  std::size_t acknowledged = 0;
  for (int k = 1; k <= kKills; ++k) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 600)(random)));
    // No port while no server runs: a server of another test could be given the old one.
    publish_port(port_file, 0);
    server->kill();
    const std::size_t now = check("after kill " + std::to_string(k));
    acknowledged = now;
    server = std::make_unique<ServerProcess>(data);
    publish_port(port_file, server->port());
  }
  // Let every client finish the key it holds, against the last server, then stop cleanly.
  { std::ofstream(stop) << "stop\n"; }
  for (pid_t& p : clients.pids) {
    int status = 0;
    REQUIRE(waitpid(p, &status, 0) == p);
    p = -1;
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  clients.pids.clear();
  REQUIRE(server->stop() == 0);
  const std::size_t total = check("after the last, clean stop");
  std::size_t retried = 0;
  for (std::size_t i = 0; i < writers.size(); ++i)
    retried += read_client(scratch / ("client-" + std::to_string(i))).retried;
  std::printf(
      "kills: seed %llu (BL_KILL_SEED to replay), %d SIGKILLs under load from %zu client "
      "processes; %zu commands acknowledged, each found exactly once; %zu commands whose "
      "answer a kill cut off were sent again with their key and are in the log once\n",
      static_cast<unsigned long long>(seed), kKills, writers.size(), total, retried);
  CHECK(total > acknowledged);  // the last server took commands too
  CHECK(total >= 100);          // the run was under load
}
