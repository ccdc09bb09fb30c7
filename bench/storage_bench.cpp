// Durable append throughput of the event log against raw LMDB on the same disk, same run.
//
//   build/bench/storage_bench [--seconds S] [--dir DIR] [--batch N]
//
// For 1, 10, 100 and 1000 events per commit it measures, each for S seconds (default 2):
//   raw  mdb_put with MDB_APPEND into one MDB_INTEGERKEY table, ~300-byte values;
//   log  EventLog::Writer::append, one single-event command per event (the engine's
//        group-commit shape: one Writer per transaction), over 1,000 streams, each with a command
//        id: hash chain, stream chain and heads, and the idempotency table all paid for.
// Both commit with LMDB's default durability (fsync at every commit).
#include <lmdb.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/environment.h"
#include "storage/event_log.h"

namespace fs = std::filesystem;
using namespace brandledger;
using namespace brandledger::storage;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kPayload = [] {
  // A ~300-byte JSON document, like a brand event's data.
  std::string s =
      R"({"name":"红蓝融 税先锋","branch":"b-tax","slogan":"税收为民 党旗领航","theme":"党建引领税收服务",)"
      R"("connotation":"以红色铸魂、以蓝色立业","comment":")";
  while (s.size() < 290) s += 'x';
  return s + "\"}";
}();

void die(const char* what, int rc) {
  std::fprintf(stderr, "%s: %s\n", what, mdb_strerror(rc));
  std::exit(1);
}

double raw_lmdb(const fs::path& dir, int batch, double seconds) {
  fs::create_directories(dir);
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, std::size_t{8} << 30);
  mdb_env_set_maxdbs(env, 4);
  if (int rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0644)) die("open", rc);
  MDB_txn* txn = nullptr;
  MDB_dbi dbi;
  mdb_txn_begin(env, nullptr, 0, &txn);
  mdb_dbi_open(txn, "events", MDB_INTEGERKEY | MDB_CREATE, &dbi);
  mdb_txn_commit(txn);

  std::size_t key = 0;
  std::uint64_t events = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (int rc = mdb_txn_begin(env, nullptr, 0, &txn)) die("begin", rc);
    for (int i = 0; i < batch; ++i) {
      ++key;
      MDB_val k{sizeof key, &key}, v{kPayload.size(), const_cast<char*>(kPayload.data())};
      if (int rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND)) die("put", rc);
    }
    if (int rc = mdb_txn_commit(txn)) die("commit", rc);
    events += static_cast<std::uint64_t>(batch);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  mdb_env_close(env);
  return static_cast<double>(events) / elapsed;
}

double event_log(const fs::path& dir, int batch, double seconds) {
  EnvironmentOptions options;
  options.initial_map_size = std::size_t{8} << 30;
  auto env = Environment::open(dir, options);
  if (!env.ok()) {
    std::fprintf(stderr, "%s\n", env.status().to_string().c_str());
    std::exit(1);
  }
  EventLog log(**env);
  AppendRequest req;
  req.actor = {"u-bench", "基准测试", "committee", "wc"};
  req.events.resize(1);
  req.events[0].type = "ProgressReported";
  req.events[0].data = kPayload;
  req.occurred_at = req.recorded_at = system_now();

  std::uint64_t seq = 0;
  std::uint64_t events = 0;
  AppendResult result;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    Status s = (*env)->write([&](WriteTxn& txn) {
      EventLog::Writer writer = log.writer(txn);
      for (int i = 0; i < batch; ++i) {
        ++seq;
        req.events[0].stream = "brand-" + std::to_string(seq % 1000);
        req.command_id = "bench-" + std::to_string(seq);
        BL_RETURN_IF_ERROR(writer.append(req, &result));
      }
      return Status::Ok();
    });
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.to_string().c_str());
      std::exit(1);
    }
    events += static_cast<std::uint64_t>(batch);
  }
  return static_cast<double>(events) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  int only_batch = 0;
  fs::path root = fs::temp_directory_path() / "brandledger-storage-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (flag == "--dir")
      root = argv[i + 1];
    else if (flag == "--batch")
      only_batch = std::atoi(argv[i + 1]);
  }
  std::printf("durable appends, %zu-byte payloads, %.1f s per row, data in %s\n", kPayload.size(),
              seconds, root.c_str());
  std::printf("%8s %16s %16s %8s\n", "batch", "raw LMDB ev/s", "event log ev/s", "ratio");
  for (int batch : {1, 10, 100, 1000}) {
    if (only_batch != 0 && batch != only_batch) continue;
    fs::remove_all(root);
    const double raw = raw_lmdb(root / "raw", batch, seconds);
    const double ours = event_log(root / "log", batch, seconds);
    std::printf("%8d %16.0f %16.0f %8.2f\n", batch, raw, ours, ours / raw);
    std::fflush(stdout);
  }
  fs::remove_all(root);
  return 0;
}
