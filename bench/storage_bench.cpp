// Durable append throughput of the event log against raw LMDB on the same disk, same run.
//
//   build/bench/storage_bench [--seconds S] [--dir DIR] [--batch N] [--only raw|log]
//
// For 1, 10, 100 and 1000 events per commit it measures, each for S seconds (default 2):
//   raw  mdb_put with MDB_APPEND into one MDB_INTEGERKEY table, ~300-byte values;
//   log  EventLog::Writer::append, one single-event command per event (the engine's
//        group-commit shape: one Writer per transaction), over 1,000 streams, each with a command
//        id: hash chain, stream chain and heads, and the idempotency table all paid for.
//   raw, record size: the same raw loop with values as large as the log's stored records,
//        so that the second ratio shows what the bookkeeping alone costs.
// All commit with LMDB's default durability (fsync at every commit). Next to each rate it
// prints the bytes that reached the disk per event (other writers on the device count too:
// run it on a quiet machine) and the CPU time per event.
#include <lmdb.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/codec.h"
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

// What one side of a row did: throughput and its cost per event.
struct Run {
  double events_per_second = 0;
  double bytes_written_per_event = 0;  // what reached the disk (the whole device's count)
  double cpu_us_per_event = 0;         // user + system time of this process
};

// Bytes written so far to the block device that holds `dir` (Linux: the device's sectors
// written, /sys/dev/block/MAJ:MIN/stat), 0 when there is no such device (tmpfs). The device
// counts what reached the disk; the per-process /proc/self/io counts pages as they are
// dirtied and overstated the log's writes by half again.
std::uint64_t device_bytes_written(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return 0;
  std::ifstream in("/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                   std::to_string(minor(st.st_dev)) + "/stat");
  std::uint64_t field = 0, sectors_written = 0;
  for (int i = 1; i <= 7 && in >> field; ++i)
    if (i == 7) sectors_written = field;
  return sectors_written * 512;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Measures `body`, which runs until its deadline and returns how many events it appended.
template <class Body>
Run measure(const fs::path& dir, Body&& body) {
  const std::uint64_t bytes_before = device_bytes_written(dir);
  const double cpu_before = cpu_seconds();
  const auto start = Clock::now();
  const auto events = static_cast<double>(body());
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  // The written bytes are counted when the data is flushed, which a durable commit has done.
  Run run;
  run.events_per_second = events / elapsed;
  run.bytes_written_per_event =
      static_cast<double>(device_bytes_written(dir) - bytes_before) / events;
  run.cpu_us_per_event = (cpu_seconds() - cpu_before) * 1e6 / events;
  return run;
}

void die(const char* what, int rc) {
  std::fprintf(stderr, "%s: %s\n", what, mdb_strerror(rc));
  std::exit(1);
}

Run raw_lmdb(const fs::path& dir, int batch, double seconds, const std::string& value) {
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

  const Run run = measure(dir, [&] {
    std::size_t key = 0;
    std::uint64_t events = 0;
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
      if (int rc = mdb_txn_begin(env, nullptr, 0, &txn)) die("begin", rc);
      for (int i = 0; i < batch; ++i) {
        ++key;
        MDB_val k{sizeof key, &key}, v{value.size(), const_cast<char*>(value.data())};
        if (int rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND)) die("put", rc);
      }
      if (int rc = mdb_txn_commit(txn)) die("commit", rc);
      events += static_cast<std::uint64_t>(batch);
    }
    return events;
  });
  mdb_env_close(env);
  return run;
}

// The one-event command the log side appends, before its stream and command id are set.
AppendRequest bench_request() {
  AppendRequest req;
  req.actor = {"u-bench", "基准测试", "committee", "wc"};
  req.events.resize(1);
  req.events[0].type = "ProgressReported";
  req.events[0].data = kPayload;
  req.occurred_at = req.recorded_at = system_now();
  return req;
}

// How many bytes the log stores per event of the benchmark (record and both digests).
std::size_t log_record_size() {
  AppendRequest req = bench_request();
  EventView e;
  e.stream = "brand-500";
  e.type = req.events[0].type;
  e.actor = {req.actor.id, req.actor.name, req.actor.role, req.actor.org};
  e.command_id = "bench-1000000";
  e.data = req.events[0].data;
  return event_value_size(e);
}

Run event_log(const fs::path& dir, int batch, double seconds) {
  EnvironmentOptions options;
  auto env = Environment::open(dir, options);
  if (!env.ok()) {
    std::fprintf(stderr, "%s\n", env.status().to_string().c_str());
    std::exit(1);
  }
  EventLog log(**env);
  AppendRequest req = bench_request();

  return measure(dir, [&] {
    std::uint64_t seq = 0;
    std::uint64_t events = 0;
    AppendResult result;
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
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
    return events;
  });
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  int only_batch = 0;
  std::string only;  // "raw" or "log": run one side (for profiling); both by default
  fs::path root = fs::temp_directory_path() / "brandledger-storage-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (flag == "--dir")
      root = argv[i + 1];
    else if (flag == "--batch")
      only_batch = std::atoi(argv[i + 1]);
    else if (flag == "--only")
      only = argv[i + 1];
  }
  // The second baseline writes values as large as the log's records, so that its ratio
  // isolates what the bookkeeping (hash chain, stream heads, idempotency) costs.
  const std::string record_sized(log_record_size(), 'x');
  std::printf(
      "durable appends, %zu-byte payloads (%zu-byte log records), %.1f s per row, data in "
      "%s\n",
      kPayload.size(), record_sized.size(), seconds, root.c_str());
  std::printf("%6s | %13s %8s %8s | %14s | %14s %8s %8s | %6s %9s\n", "batch", "raw LMDB ev/s",
              "B/ev", "cpu us", "raw, rec. size", "event log ev/s", "B/ev", "cpu us", "ratio",
              "vs record");
  for (int batch : {1, 10, 100, 1000}) {
    if (only_batch != 0 && batch != only_batch) continue;
    // Each side starts on an empty disk directory: the other side's gigabyte, left in place,
    // slowed whichever ran second by a third.
    fs::remove_all(root);
    const Run raw = only == "log" ? Run{} : raw_lmdb(root / "raw", batch, seconds, kPayload);
    fs::remove_all(root);
    const Run raw_record =
        only == "log" ? Run{} : raw_lmdb(root / "raw", batch, seconds, record_sized);
    fs::remove_all(root);
    const Run ours = only == "raw" ? Run{} : event_log(root / "log", batch, seconds);
    auto ratio = [&](const Run& base) {
      return base.events_per_second > 0 ? ours.events_per_second / base.events_per_second : 0.0;
    };
    std::printf("%6d | %13.0f %8.0f %8.2f | %14.0f | %14.0f %8.0f %8.2f | %6.2f %9.2f\n", batch,
                raw.events_per_second, raw.bytes_written_per_event, raw.cpu_us_per_event,
                raw_record.events_per_second, ours.events_per_second, ours.bytes_written_per_event,
                ours.cpu_us_per_event, ratio(raw), ratio(raw_record));
    std::fflush(stdout);
  }
  fs::remove_all(root);
  return 0;
}
