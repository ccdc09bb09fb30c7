#include "tests/replication/nats_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace brandledger::testing {
namespace {

constexpr const char* kNatsServer = "/usr/sbin/nats-server";

// Ports the kernel does not hand out for port 0 or for outgoing connections: the wider
// of the stretches below and above its ephemeral range, at most 12,000 ports.
std::pair<int, int> outside_ephemeral_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768, high = 60999;
  in >> low >> high;
  if (low - 1024 >= 65535 - high) return {std::max(1024, low - 12000), low - 1};
  return {high + 1, std::min(65535, high + 12000)};
}

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Whether a socket can bind the port now (nobody listens on it or holds it).
bool can_bind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const sockaddr_in addr = loopback(port);
  const bool ok = bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// A loopback port for a member to listen on, held for the cluster's life. Not the kernel's
// choice for port 0: that is an ephemeral port, which the kernel may give an outgoing
// connection (a route between the members, another test's client) before the member
// starts, and then the member cannot listen. So a port outside the ephemeral range, reserved
// against other test processes by a lock on a file named after it (the lock goes when the
// holder does, however it dies). Returns the port and the lock's descriptor.
std::pair<int, int> reserve_port() {
  const auto [low, high] = outside_ephemeral_range();
  if (high - low < 100) throw std::runtime_error("the ephemeral range leaves no ports to reserve");
  const auto locks = std::filesystem::temp_directory_path() / "brandledger-test-ports";
  std::filesystem::create_directories(locks);
  std::mt19937 pick(std::random_device{}());
  std::uniform_int_distribution<int> in_range(low, high);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = in_range(pick);
    const auto lock = locks / std::to_string(port);
    const int fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 && can_bind(port)) return {port, fd};
    close(fd);
  }
  throw std::runtime_error("no free port in " + std::to_string(low) + "-" + std::to_string(high));
}

bool accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const sockaddr_in addr = loopback(port);
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

NatsCluster::NatsCluster(std::filesystem::path dir, int size, std::size_t max_payload)
    : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  nodes_.resize(size);
  for (Node& n : nodes_) {
    std::tie(n.client_port, n.client_lock) = reserve_port();
    std::tie(n.route_port, n.route_lock) = reserve_port();
  }
  // A name of this cluster's own: a member left running by a test process that died keeps
  // dialling its old route ports, which a later cluster may reserve; it must not join it.
  const std::string cluster_name = "brandledger-test-" + std::to_string(getpid()) + "-" +
                                   std::to_string(nodes_.front().client_port);
  for (int i = 0; i < size; ++i) {
    Node& n = nodes_[i];
    const std::string name = "n" + std::to_string(i + 1);
    n.config = dir_ / (name + ".conf");
    n.log = dir_ / (name + ".log");
    std::ostringstream routes;
    for (int j = 0; j < size; ++j)
      if (j != i) routes << "    nats-route://127.0.0.1:" << nodes_[j].route_port << "\n";
    std::ofstream(n.config) << "server_name: " << name << "\n"
                            << (max_payload > 0
                                    ? "max_payload: " + std::to_string(max_payload) + "\n"
                                    : std::string())
                            << "listen: 127.0.0.1:" << n.client_port << "\n"
                            << "jetstream {\n  store_dir: \"" << (dir_ / name).string() << "\"\n}\n"
                            << "cluster {\n  name: " << cluster_name
                            << "\n  listen: 127.0.0.1:" << n.route_port << "\n  routes: [\n"
                            << routes.str() << "  ]\n}\n";
  }
  for (int i = 0; i < size; ++i) start(i);
}

NatsCluster::~NatsCluster() {
  for (int i = 0; i < size(); ++i)
    if (running(i)) kill(i);
  for (const Node& n : nodes_)
    for (const int lock : {n.client_lock, n.route_lock})
      if (lock >= 0) close(lock);
}

std::vector<std::string> NatsCluster::urls() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) out.push_back(url(i));
  return out;
}

std::string NatsCluster::url_list() const {
  std::string out;
  for (const auto& u : urls()) out += (out.empty() ? "" : ",") + u;
  return out;
}

std::string NatsCluster::url(int node) const {
  return "nats://127.0.0.1:" + std::to_string(nodes_[node].client_port);
}

void NatsCluster::start(int node) {
  Node& n = nodes_[node];
  if (n.pid > 0) return;
  n.pid = fork();
  if (n.pid < 0) throw std::runtime_error("fork failed");
  if (n.pid == 0) {
    const int fd = open(n.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    const std::string config = n.config.string();
    execl(kNatsServer, kNatsServer, "-c", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!accepts(n.client_port)) {
    int status = 0;
    if (waitpid(n.pid, &status, WNOHANG) == n.pid) {
      n.pid = -1;
      throw std::runtime_error("nats-server exited at start: " + log(node));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("nats-server did not listen within 20 s: " + log(node));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void NatsCluster::kill(int node) {
  Node& n = nodes_[node];
  if (n.pid <= 0) return;
  ::kill(n.pid, SIGKILL);
  int status = 0;
  waitpid(n.pid, &status, 0);
  n.pid = -1;
}

std::string NatsCluster::log(int node) const {
  std::ifstream in(nodes_[node].log);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace brandledger::testing
