// Power loss: the real server, driven over HTTP by several clients, with every write and
// barrier to its data file recorded (write_recorder.cpp); then hundreds of the files a power
// cut could have left (crash_states.h), each opened by fresh `brandledger` processes that
// must find every command acknowledged before the cut, once, in a whole chain with views
// that equal a rebuild. The same run against `--unsafe-no-sync` must fail: the proof that
// this test can see a missing flush.
//
//   BL_CRASH_SEED=<n>    replay one random walk (every run prints its seed)
//   BL_CRASH_STATES=<n>  how many states to check (default BRANDLEDGER_CRASH_STATES)
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "tests/api/world.h"
#include "tests/faults/crash_states.h"
#include "tests/faults/filed_brands.h"
#include "tests/faults/log_check.h"
#include "tests/replication/nats_cluster.h"

using namespace brandledger::testing;
using namespace brandledger::powerloss;

namespace {

struct Acknowledged {
  std::string command_id;   // the log's command_id: actor, unit separator, Idempotency-Key
  std::uint64_t after = 0;  // the recording's record count read after the answer arrived
};

// The 8-byte record counter the recorder publishes, mapped here too.
class Counter {
 public:
  explicit Counter(const std::filesystem::path& path) {
    { std::ofstream(path, std::ios::binary).write("\0\0\0\0\0\0\0\0", 8); }
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    void* p = ::mmap(nullptr, 8, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    REQUIRE(p != MAP_FAILED);
    value_ = static_cast<const std::atomic<std::uint64_t>*>(p);
  }
  ~Counter() { ::munmap(const_cast<std::atomic<std::uint64_t>*>(value_), 8); }
  std::uint64_t read() const { return value_->load(std::memory_order_acquire); }

 private:
  const std::atomic<std::uint64_t>* value_ = nullptr;
};

std::string read_whole(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Recorded {
  Recording recording;
  std::map<std::string, Image> base;
  std::vector<Acknowledged> acknowledged;
  std::size_t sent = 0;
  std::map<std::string, Image> end;  // each data file after the server stopped
};

// Builds an org tree with six filed brands, stops the server cleanly (that data dir is the
// durable starting point), then serves it again under the recorder while six clients each
// send `per_client` progress reports with Idempotency-Keys, concurrently (so that group
// commit batches them), noting the record count after each acknowledgement.
Recorded record_workload(const TempDir& scratch, std::vector<std::string> server_args,
                         int per_client) {
  World w;
  const auto brands = filed_brands(w, 6);  // branch, brand id
  REQUIRE(w.server->stop() == 0);
  const auto data = w.dir / "data";
  Recorded out;
  out.base["data.mdb"] = read_whole(data / "data.mdb");

  const auto recording = scratch / "recording";
  Counter counter(scratch / "counter");
  std::string asan = "verify_asan_link_order=0";
  if (const char* a = std::getenv("ASAN_OPTIONS"); a != nullptr && *a != '\0')
    asan = std::string(a) + ":" + asan;
  ServerProcess server(data, server_args,
                       {{"LD_PRELOAD", BL_WRITE_RECORDER},
                        {"BL_RECORD_DIR", data.string()},
                        {"BL_RECORD_OUT", recording.string()},
                        {"BL_RECORD_COUNTER", (scratch / "counter").string()},
                        {"ASAN_OPTIONS", asan}});
  std::mutex mutex;
  std::vector<std::thread> clients;
  std::atomic<std::size_t> sent{0};
  for (const auto& [branch, id] : brands) {
    clients.emplace_back([&, branch = branch, id = id] {
      Client c(server.port(), w.as(branch).token());
      for (int n = 0; n < per_client; ++n) {
        const std::string key = "powerloss-" + branch + "-" + std::to_string(n);
        ++sent;
        auto r =
            c.post("/v1/brands/" + id + "/progress",
                   {{"year", 2026}, {"summary", "第" + std::to_string(n) + "次工作进展：" + key}},
                   {{"Idempotency-Key", key}});
        if (r.status >= 300) continue;  // not acknowledged: nothing is owed
        const std::uint64_t after = counter.read();
        std::lock_guard lock(mutex);
        out.acknowledged.push_back({command_id(branch, key), after});
      }
    });
  }
  for (auto& t : clients) t.join();
  out.sent = sent;
  REQUIRE(server.stop() == 0);
  out.end["data.mdb"] = read_whole(data / "data.mdb");
  out.recording = read_recording(recording);
  return out;
}

// What a fresh process finds in one crash state; "" when everything owed is there.
std::string check_state(const CrashState& state, const std::vector<Acknowledged>& acknowledged,
                        const std::filesystem::path& dir, bool start_server,
                        std::size_t* owed_out) {
  write_state(state, dir);
  const LogContents log = read_log(dir);
  if (!log.problem.empty()) return log.problem;
  std::size_t owed = 0;
  for (const Acknowledged& a : acknowledged) {
    if (a.after > state.crash_point) continue;
    ++owed;
    if (std::string problem = once(log, a.command_id); !problem.empty())
      return problem + " (acknowledged after record " + std::to_string(a.after) + ")";
  }
  *owed_out = owed;
  if (start_server) {
    ServerProcess server(dir);
    auto health = http(server.port(), "GET", "/healthz");
    if (health.status != 200) return "the server started but healthz said " + health.body;
    if (server.stop() != 0) return "the server did not stop cleanly: " + server.output();
  }
  std::filesystem::remove_all(dir);
  return "";
}

std::uint64_t seed_to_use() {
  if (const char* s = std::getenv("BL_CRASH_SEED"); s != nullptr && *s != '\0')
    return std::stoull(s);
  return std::random_device{}();
}

std::size_t states_to_check() {
  if (const char* s = std::getenv("BL_CRASH_STATES"); s != nullptr && *s != '\0')
    return std::stoul(s);
  return BRANDLEDGER_CRASH_STATES;
}

// Checks the recording's crash states: the two extremes at its end, then `count` chosen by
// a seeded random walk; every acknowledged command must be in each, once, where owed.
void check_power_cuts(const TempDir& scratch, const Recorded& r, std::size_t count,
                      const char* what) {
  const Recording& rec = r.recording;
  INFO("unsupported: " << (rec.unsupported.empty() ? "" : rec.unsupported.front()));
  REQUIRE(rec.unsupported.empty());
  REQUIRE(rec.files == std::vector<std::string>{"data.mdb"});
  REQUIRE(rec.barriers > 0);
  // The recording holds every write: replayed whole onto the starting files it gives the
  // files the server left, byte for byte.
  CrashStateGenerator whole(rec, r.base, 0);
  REQUIRE(whole.at(rec.operations.size(), true).files == r.end);

  const std::uint64_t seed = seed_to_use();
  std::printf(
      "power loss (%s): seed %llu (BL_CRASH_SEED to replay); %zu records, %zu writes, "
      "%zu barriers, %zu commands acknowledged\n",
      what, static_cast<unsigned long long>(seed), rec.operations.size(), rec.writes, rec.barriers,
      r.acknowledged.size());
  CrashStateGenerator generator(rec, r.base, seed);
  std::size_t checked = 0, owed_total = 0, torn = 0, servers = 0, torn_states = 0;
  for (std::size_t i = 0; i < count + 2; ++i) {
    // The two extremes at the end of the recording first, then the random walk.
    CrashState state = i == 0   ? generator.at(rec.operations.size(), false)
                       : i == 1 ? generator.at(rec.operations.size(), true)
                                : generator.next();
    std::size_t owed = 0;
    const bool start_server = i % 25 == 0;
    const std::string problem = check_state(
        state, r.acknowledged, scratch / ("state-" + std::to_string(i)), start_server, &owed);
    INFO("seed " << seed << ", state " << i << ": " << state.describe());
    REQUIRE(problem == "");
    ++checked;
    owed_total += owed;
    torn += state.torn;
    torn_states += state.torn > 0 ? 1 : 0;
    servers += start_server ? 1 : 0;
    if (i == 0) REQUIRE(owed == r.acknowledged.size());  // the extremes owe everything
  }
  std::printf(
      "power loss (%s): %zu crash states checked (%zu with %zu torn writes, %zu also "
      "served), %zu acknowledged commands found where owed, 0 lost\n",
      what, checked, torn_states, torn, servers, owed_total);
  // The walk reached states where commands were owed, not only the empty start.
  CHECK(owed_total > r.acknowledged.size() * 2);
}

}  // namespace

TEST_CASE("a power cut at any moment loses no acknowledged command") {
  TempDir scratch;
  Recorded r = record_workload(scratch, {}, 40);
  REQUIRE(r.acknowledged.size() == r.sent);  // the workload itself is sound
  check_power_cuts(scratch, r, states_to_check(), "single node");
}

// A replicated writer acknowledges only after its LMDB commit (docs/SCALE-OUT.md): the same
// guarantee, with each batch's ship and its batch number recorded in the transaction.
TEST_CASE("a power cut at any moment loses no command a replicated writer acknowledged") {
  TempDir scratch;
  NatsCluster nats(scratch / "nats");
  Recorded r = record_workload(scratch, {"--nats", nats.url_list()}, 20);
  REQUIRE(r.acknowledged.size() * 2 > r.sent);  // a leader election may refuse a few
  check_power_cuts(scratch, r, states_to_check() / 3, "replicated writer");
}

TEST_CASE("without the flush (MDB_NOSYNC) the power-loss checker finds lost commands") {
  TempDir scratch;
  Recorded r = record_workload(scratch, {"--unsafe-no-sync"}, 10);
  REQUIRE(r.recording.unsupported.empty());
  REQUIRE(!r.acknowledged.empty());
  const std::uint64_t seed = seed_to_use();
  CrashStateGenerator generator(r.recording, r.base, seed);
  std::size_t failed = 0, checked = 0;
  std::string first;
  for (std::size_t i = 0; i < 20; ++i) {
    CrashState state =
        i == 0 ? generator.at(r.recording.operations.size(), false) : generator.next();
    std::size_t owed = 0;
    const std::string problem =
        check_state(state, r.acknowledged, scratch / ("state-" + std::to_string(i)), false, &owed);
    ++checked;
    if (!problem.empty()) {
      ++failed;
      if (first.empty()) first = state.describe() + ": " + problem;
      std::filesystem::remove_all(scratch / ("state-" + std::to_string(i)));
    }
  }
  std::printf(
      "power loss without flush: seed %llu, %zu of %zu crash states lose acknowledged "
      "commands or break; the first: %s\n",
      static_cast<unsigned long long>(seed), failed, checked, first.c_str());
  // Cut right after the last answer with nothing unflushed surviving: every command is owed
  // and none is there.
  CHECK(first.find("acknowledged command") != std::string::npos);
  CHECK(failed >= 1);
}
