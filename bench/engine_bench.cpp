// Engine throughput: N writers submit single-event commands in a closed loop, durably.
//
//   build/bench/engine_bench [--seconds S] [--dir DIR] [--writers N,N,...] [--clients T]
//                            [--only async|threads] [--preallocate MiB (64; 0: off)]
//
// Each writer adds 1 to its own counter (the counter domain of the engine tests: one
// aggregate load, one event, two view updates per command) and waits for the answer
// before sending the next. Each writer count runs twice: the writers as logical closed
// loops over a pool of T client threads (default 2; 0 skips this row), as the HTTP server's
// I/O threads drive the engine (see ClientThreads), and then as one OS thread per writer. Prints
// commands/s, the p50/p99 latency each writer saw, the average batch, the median durable commit
// (mdb_txn_commit alone) and the median batch (deciding through commit), each an upper bucket
// bound, then stops the engine and times a rebuild of every view from the log (events/s).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/logging.h"
#include "tests/engine/counter_domain.h"

#include <spdlog/spdlog.h>

namespace fs = std::filesystem;
using namespace brandledger;
using namespace brandledger::engine;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::unique_ptr<Engine> open_engine(const fs::path& dir, std::size_t preallocate,
                                    std::function<void()> after_answers) {
  EngineOptions options;
  options.data_dir = dir;
  options.preallocate_ahead = preallocate;
  options.after_answers = std::move(after_answers);
  auto e = Engine::open(options, testing::counter_domain());
  if (!e.ok()) {
    std::fprintf(stderr, "%s\n", e.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(e).value();
}

Command add_one(int writer) {
  Command c;
  c.type = "counter.add";
  c.stream = "counter-" + std::to_string(writer);
  c.actor = {"u-bench-" + std::to_string(writer), "基准", "committee", "wc"};
  c.args["n"] = 1;
  return c;
}

void check(const CommandOutcome& o) {
  if (!o.accepted()) {
    std::fprintf(stderr, "refused: %s\n", o.error.to_string().c_str());
    std::exit(1);
  }
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// One row's figures.
struct Row {
  std::vector<double> latencies_ms;  // of every command answered before the deadline
  double elapsed = 0;
};

// Thread per writer: each writer is an OS thread that blocks on execute().
Row run_blocking(Engine& engine, int writers, double seconds) {
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(writers));
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      auto& mine = latencies[static_cast<std::size_t>(w)];
      mine.reserve(1 << 20);
      while (!go) std::this_thread::yield();
      while (!stop) {
        const auto t0 = SteadyClock::now();
        check(engine.execute(add_one(w)));
        mine.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
      }
    });
  const auto start = SteadyClock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  Row row;
  row.elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  for (auto& l : latencies) row.latencies_ms.insert(row.latencies_ms.end(), l.begin(), l.end());
  return row;
}

// The threads that drive the writers of run_async, sharing the writers as an Asio io_context
// shares handlers among the server's I/O threads: any thread sends any writer's next command.
// The hand-off from the engine's writer thread takes no lock per answer (a lock per answer
// had the writer waiting on the client thread as it woke): an answer sets its writer's flag
// and counts itself pending, and once the batch's answers are all out
// (EngineOptions::after_answers) one thread is woken. A thread that takes more answers than
// it should send alone wakes one more, as Asio wakes another thread when handlers remain.
// (Waking a thread on an idle core of this VM takes 40-60 us, so a thread per client-thread
// partition of the writers, each woken every batch, cost more than it gave at 8 writers.)
struct ClientThreads {
  static constexpr int kAloneAtMost = 16;  // answers one thread sends without calling help

  explicit ClientThreads(int n) : count(std::max(n, 1)) {}
  void wake_one() {
    // A waiting thread checks its condition under the mutex: passing through it orders this
    // wake-up after that check. Notified after the unlock, the thread does not wake into a
    // held mutex.
    { std::lock_guard lock(mutex); }
    cv.notify_one();
  }
  void wake_pending() {
    if (pending.load(std::memory_order_acquire) > 0) wake_one();
  }

  const int count;
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<int> pending{0};  // answers not yet taken
  std::atomic<int> help{0};     // wake-ups asked for by a thread with too many answers
};

// Writers as logical closed loops over a few client threads, the way the HTTP server drives
// the engine: a writer submits with a callback, the callback hands the answer over to the
// client threads, and one of them sends that writer's next command.
Row run_async(Engine& engine, int writers, ClientThreads& clients, double seconds) {
  std::vector<std::atomic<bool>> answered(static_cast<std::size_t>(writers));
  std::vector<SteadyClock::time_point> sent(static_cast<std::size_t>(writers));
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(writers));
  std::atomic<bool> stop{false};
  std::atomic<int> in_flight{0};

  auto send = [&](int w) {
    sent[static_cast<std::size_t>(w)] = SteadyClock::now();
    ++in_flight;
    engine.submit(add_one(w), [&, w](CommandOutcome o) {  // on the engine's writer thread
      check(o);
      if (!stop)
        latencies[static_cast<std::size_t>(w)].push_back(
            std::chrono::duration<double, std::milli>(SteadyClock::now() -
                                                      sent[static_cast<std::size_t>(w)])
                .count());
      answered[static_cast<std::size_t>(w)].store(true, std::memory_order_release);
      clients.pending.fetch_add(1, std::memory_order_acq_rel);  // woken after the batch
      --in_flight;
    });
  };

  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  for (int t = 0; t < clients.count; ++t)
    threads.emplace_back([&, t] {
      for (int w = t; w < writers; w += clients.count) send(w);
      while (!stop) {
        {
          std::unique_lock lock(clients.mutex);
          clients.cv.wait_for(lock, std::chrono::milliseconds(50), [&] {
            return clients.pending.load() > 0 || clients.help.load() > 0;
          });
        }
        // Reading the increments (an exchange, not a store) makes every flag set before them
        // visible below; a flag set later comes with an increment and a wake-up after it.
        const int taken = clients.pending.exchange(0, std::memory_order_acq_rel);
        for (int asked = clients.help.load(); asked > 0;)  // answers one call for help
          if (clients.help.compare_exchange_weak(asked, asked - 1)) break;
        if (taken > ClientThreads::kAloneAtMost && clients.count > 1) {
          clients.help.fetch_add(1);
          clients.wake_one();
        }
        // Each thread starts at its own share of the writers; the flag's exchange makes
        // sure only one of them sends a writer's next command.
        const int first = t * writers / clients.count;
        for (int i = 0; i < writers; ++i) {
          const int w = (first + i) % writers;
          if (answered[static_cast<std::size_t>(w)].exchange(false, std::memory_order_acquire) &&
              !stop)
            send(w);
        }
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  Row row;
  row.elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  for (auto& t : threads) t.join();
  while (in_flight > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (auto& l : latencies) row.latencies_ms.insert(row.latencies_ms.end(), l.begin(), l.end());
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  fs::path root = fs::temp_directory_path() / "brandledger-engine-bench";
  std::vector<int> writer_counts = {8, 64};
  int client_threads = 2;
  std::size_t preallocate_mib = 64;  // as `serve` runs the engine; 0 turns it off
  std::string only;                  // "async" or "threads": one of the two rows per writer count
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 == argc) {
      std::fprintf(stderr, "%s needs a value (see the top of bench/engine_bench.cpp)\n", argv[i]);
      return 2;
    }
    if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (flag == "--dir")
      root = argv[i + 1];
    else if (flag == "--preallocate")
      preallocate_mib = static_cast<std::size_t>(std::max(0, std::atoi(argv[i + 1])));
    else if (flag == "--only")
      only = argv[i + 1];
    else if (flag == "--clients")
      client_threads = std::max(0, std::atoi(argv[i + 1]));
    else if (flag == "--writers") {
      writer_counts.clear();
      std::stringstream list(argv[i + 1]);
      for (std::string n; std::getline(list, n, ',');) writer_counts.push_back(std::stoi(n));
    } else {
      std::fprintf(stderr, "unknown flag %s (see the top of bench/engine_bench.cpp)\n", argv[i]);
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);  // one log line per command would measure the terminal
  std::printf("durable single-event commands, closed loop, %.1f s per row, data in %s\n", seconds,
              root.c_str());
  std::printf("%8s %16s %12s %10s %10s %10s %12s %12s %14s\n", "writers", "client threads",
              "commands/s", "p50 ms", "p99 ms", "batch avg", "commit p50", "batch p50",
              "rebuild ev/s");
  for (int writers : writer_counts) {
    // Each writer count runs twice: over the client threads (the server's shape), then
    // with an OS thread per writer blocking on its answer, to show what thread switches cost.
    for (bool blocking : {false, true}) {
      if (!blocking && (client_threads == 0 || only == "threads")) continue;
      if (blocking && only == "async") continue;
      fs::remove_all(root);
      ClientThreads clients(client_threads);  // outlives the engine, which wakes them
      auto engine = open_engine(root, preallocate_mib << 20, [&] { clients.wake_pending(); });
      for (int w = 0; w < writers; ++w) {
        Command open = add_one(w);
        open.type = "counter.open";
        check(engine->execute(open));
      }
      const auto batches_before = engine->metrics().batches.value();
      Row row = blocking ? run_blocking(*engine, writers, seconds)
                         : run_async(*engine, writers, clients, seconds);
      const double batches =
          static_cast<double>(engine->metrics().batches.value() - batches_before);

      engine->stop();
      const auto rebuild_start = SteadyClock::now();
      if (Status s = engine->rebuild(); !s.ok()) {
        std::fprintf(stderr, "rebuild: %s\n", s.to_string().c_str());
        return 1;
      }
      const double rebuild_seconds =
          std::chrono::duration<double>(SteadyClock::now() - rebuild_start).count();
      auto txn = engine->begin_read();
      const double events = static_cast<double>(engine->log().head(*txn)->position);
      txn->abort();

      auto& all = row.latencies_ms;
      const double count = static_cast<double>(all.size());
      const std::string threads =
          blocking ? std::to_string(writers) + " (1/writer)" : std::to_string(client_threads);
      std::printf("%8d %16s %12.0f %10.3f %10.3f %10.1f %9.2f ms %9.2f ms %14.0f\n", writers,
                  threads.c_str(), count / row.elapsed, percentile(all, 0.5), percentile(all, 0.99),
                  count / std::max(1.0, batches),
                  engine->metrics().commit_seconds.quantile_bound(0.5) * 1000,
                  engine->metrics().batch_seconds.quantile_bound(0.5) * 1000,
                  events / rebuild_seconds);
      std::fflush(stdout);
    }
  }
  fs::remove_all(root);
  return 0;
}
