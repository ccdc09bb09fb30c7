// A JetStream cluster of real `nats-server` processes (Debian's, /usr/sbin/nats-server) on
// loopback ports, each with its own store under a temp dir: started, killed and started
// again by the tests, as machines fail and come back.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace brandledger::testing {

class NatsCluster {
 public:
  // Starts `size` servers clustered with each other, storing under `dir`; `max_payload`
  // bytes the most a client may publish in one message (0: the servers' default, 1 MiB).
  NatsCluster(std::filesystem::path dir, int size = 3, std::size_t max_payload = 0);
  ~NatsCluster();
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  int size() const { return static_cast<int>(nodes_.size()); }
  // nats://127.0.0.1:port of every member, or of one.
  std::vector<std::string> urls() const;
  std::string url(int node) const;
  // The urls as `serve --nats` takes them: comma-separated.
  std::string url_list() const;
  // SIGKILL: the machine is gone (its store stays, as a disk would).
  void kill(int node);
  // Starts a killed member again on the same ports and store.
  void start(int node);
  bool running(int node) const { return nodes_[node].pid > 0; }
  // The member's log so far (for a failing test's message).
  std::string log(int node) const;

 private:
  struct Node {
    int client_port = 0, route_port = 0;
    int client_lock = -1, route_lock = -1;  // held while the cluster lives: see reserve_port
    std::filesystem::path config, log;
    pid_t pid = -1;
  };
  std::filesystem::path dir_;
  std::vector<Node> nodes_;
};

}  // namespace brandledger::testing
