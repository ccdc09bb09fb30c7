// Tests that need a second process: crashes, hot backups, stale readers.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>

#include "tests/storage/log_fixture.h"

using namespace brandledger;
using namespace brandledger::storage;
using testing::open_env;
using testing::TempDir;

namespace {

struct Ack {
  std::uint64_t position;
  std::uint64_t seq;
};

// Runs in the child: appends forever, one command at a time, writing (position, seq) to
// `ack_fd` only after the command's transaction committed.
[[noreturn]] void append_forever(const std::filesystem::path& dir, int ack_fd,
                                 std::uint64_t first_seq, std::size_t preallocate = 0) {
  EnvironmentOptions options;
  options.preallocate_ahead = preallocate;
  auto env = Environment::open(dir, options);
  if (!env.ok()) _exit(3);
  EventLog log(**env);
  const std::string pad(200, 'p');
  for (std::uint64_t seq = first_seq;; ++seq) {
    AppendRequest req = testing::request(
        {{"brand-" + std::to_string(seq % 13), "Step",
          R"({"seq":)" + std::to_string(seq) + R"(,"pad":")" + pad + "\"}"},
         {"round-" + std::to_string(seq % 3), "Step", R"({"seq":)" + std::to_string(seq) + "}"}},
        "cmd-" + std::to_string(seq));
    AppendResult result;
    Status s = (*env)->write([&](WriteTxn& txn) { return log.append(txn, req, &result); });
    if (!s.ok()) _exit(4);
    Ack ack{result.first_position, seq};
    if (write(ack_fd, &ack, sizeof ack) != sizeof ack) _exit(5);
  }
}

struct Child {
  pid_t pid;
  int ack_fd;
};

Child spawn_appender(const std::filesystem::path& dir, std::uint64_t first_seq,
                     std::size_t preallocate = 0) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    append_forever(dir, fds[1], first_seq, preallocate);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

// Reads acks until `until` passes (or, with no deadline, until the pipe closes).
void read_acks(int fd, std::vector<Ack>* acks, std::chrono::steady_clock::time_point until,
               std::size_t stop_after = SIZE_MAX) {
  static_assert(sizeof(Ack) == 16);
  std::string pending;
  char buf[4096];
  for (;;) {
    int timeout_ms = -1;
    if (until != std::chrono::steady_clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || acks->size() >= stop_after) return;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, timeout_ms);
    if (ready == 0) continue;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return;  // the child is gone and the pipe drained
    pending.append(buf, static_cast<std::size_t>(n));
    while (pending.size() >= sizeof(Ack)) {
      Ack a;
      std::memcpy(&a, pending.data(), sizeof a);
      acks->push_back(a);
      pending.erase(0, sizeof a);
    }
  }
}

void kill_and_reap(const Child& child) {
  kill(child.pid, SIGKILL);
  int status = 0;
  waitpid(child.pid, &status, 0);
  CHECK(WIFSIGNALED(status));
}

}  // namespace

TEST_CASE("SIGKILL at random moments loses no acknowledged append and keeps the chain whole") {
  // Also with zeros written ahead in small steps, so that kills land inside fills too.
  const std::size_t preallocate = GENERATE(std::size_t{0}, std::size_t{256} << 10);
  INFO("preallocate " << preallocate);
  TempDir dir;
  std::mt19937 rng(20261122);
  std::uniform_int_distribution<int> delay_ms(1, 80);
  std::uint64_t next_seq = 1;
  std::uint64_t total_acked = 0;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    Child child = spawn_appender(dir.path(), next_seq, preallocate);
    std::vector<Ack> acks;
    read_acks(child.ack_fd, &acks,
              std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms(rng)));
    kill_and_reap(child);
    read_acks(child.ack_fd, &acks, std::chrono::steady_clock::time_point::max());
    close(child.ack_fd);
    total_acked += acks.size();

    auto env = open_env(dir.path());
    auto txn = env->begin_read();
    REQUIRE(txn.ok());
    EventLog log(*env);
    auto report = log.verify(*txn);
    REQUIRE(report.ok());
    INFO(report->problem);
    REQUIRE(report->ok);
    if (!acks.empty()) {
      // Two events per command: the head may be past the last ack (committed, not yet
      // acknowledged when killed), never before it.
      CHECK(report->head.position >= acks.back().position + 1);
      for (const Ack& ack : acks) {
        auto e = log.get(*txn, ack.position);
        REQUIRE(e.ok());
        REQUIRE(e->has_value());
        CHECK((*e)->data.find(R"("seq":)" + std::to_string(ack.seq) + ",") != std::string::npos);
        CHECK((*e)->command_id == "cmd-" + std::to_string(ack.seq));
      }
    }
    // Resume after what the log holds, so a committed but unacknowledged command is not redone.
    next_seq = report->head.position / 2 + 1;
  }
  CHECK(total_acked > 0);
}

TEST_CASE("a backup taken while another process appends opens and verifies") {
  TempDir dir;
  { open_env(dir.path()); }
  Child child = spawn_appender(dir.path(), 1);
  std::vector<Ack> acks;
  read_acks(child.ack_fd, &acks, std::chrono::steady_clock::now() + std::chrono::seconds(20), 200);
  REQUIRE(acks.size() >= 200);
  {
    auto env = open_env(dir.path());
    REQUIRE(env->backup(dir / "backup").ok());
    // A second backup into the same place is refused rather than overwriting it.
    CHECK(env->backup(dir / "backup").code() == Status::Code::kInvalidArgument);
  }
  read_acks(child.ack_fd, &acks, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  kill_and_reap(child);
  close(child.ack_fd);

  auto copy = open_env(dir / "backup");
  auto txn = copy->begin_read();
  auto report = EventLog(*copy).verify(*txn);
  REQUIRE(report.ok());
  INFO(report->problem);
  CHECK(report->ok);
  CHECK(report->events >= 2 * 200);
}

TEST_CASE("reader slots left by a crashed process are cleared at open") {
  TempDir dir;
  { open_env(dir.path()); }
  // LMDB resets the reader table when the first process opens the environment, so a
  // holder process keeps it open while another dies inside a read transaction.
  int holder_pipe[2], ready_pipe[2];
  REQUIRE(pipe(holder_pipe) == 0);
  REQUIRE(pipe(ready_pipe) == 0);
  pid_t holder = fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    close(holder_pipe[1]);
    close(ready_pipe[0]);
    auto env = Environment::open(dir.path());
    (void)!write(ready_pipe[1], "r", 1);  // the environment is open: the crasher may go
    char c;
    (void)!read(holder_pipe[0], &c, 1);  // returns when the parent closes its end
    _exit(env.ok() ? 0 : 3);
  }
  close(holder_pipe[0]);
  close(ready_pipe[1]);
  char ready;
  REQUIRE(read(ready_pipe[0], &ready, 1) == 1);
  close(ready_pipe[0]);

  pid_t crasher = fork();
  REQUIRE(crasher >= 0);
  if (crasher == 0) {
    auto env = Environment::open(dir.path());
    if (!env.ok()) _exit(3);
    auto txn = (*env)->begin_read();
    if (!txn.ok()) _exit(4);
    _exit(0);  // dies holding the read transaction's slot
  }
  int status = 0;
  waitpid(crasher, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  {
    auto env = open_env(dir.path());
    CHECK(env->stale_readers_cleared() >= 1);
  }
  close(holder_pipe[1]);
  waitpid(holder, &status, 0);
  CHECK(WIFEXITED(status));
}
