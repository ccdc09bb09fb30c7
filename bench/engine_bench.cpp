// Engine throughput: N writers submit single-event commands in a closed loop, durably.
//
//   build/bench/engine_bench [--seconds S] [--dir DIR] [--writers N,N,...]
//
// Each writer adds 1 to its own counter (the counter domain of the engine tests: one
// aggregate load, one event, two view updates per command) and waits for the answer
// before sending the next. Prints commands/s, the p50/p99 latency each writer saw, the
// average batch and the median commit (an upper bucket bound), then stops the engine and times a
// rebuild of every view from the log (events/s).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

std::unique_ptr<Engine> open_engine(const fs::path& dir) {
  EngineOptions options;
  options.data_dir = dir;
  options.initial_map_size = std::size_t{4} << 30;
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

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  fs::path root = fs::temp_directory_path() / "brandledger-engine-bench";
  std::vector<int> writer_counts = {8, 64};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (flag == "--dir")
      root = argv[i + 1];
    else if (flag == "--writers") {
      writer_counts.clear();
      std::stringstream list(argv[i + 1]);
      for (std::string n; std::getline(list, n, ',');) writer_counts.push_back(std::stoi(n));
    }
  }
  spdlog::set_level(spdlog::level::warn);  // one log line per command would measure the terminal
  std::printf("durable single-event commands, closed loop, %.1f s per row, data in %s\n", seconds,
              root.c_str());
  std::printf("%8s %12s %10s %10s %10s %12s %14s\n", "writers", "commands/s", "p50 ms", "p99 ms",
              "batch avg", "commit p50", "rebuild ev/s");
  for (int writers : writer_counts) {
    fs::remove_all(root);
    auto engine = open_engine(root);
    for (int w = 0; w < writers; ++w) {
      Command open = add_one(w);
      open.type = "counter.open";
      engine->execute(open);
    }
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
          CommandOutcome o = engine->execute(add_one(w));
          if (!o.accepted()) {
            std::fprintf(stderr, "refused: %s\n", o.error.to_string().c_str());
            std::exit(1);
          }
          mine.push_back(
              std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
        }
      });
    const auto batches_before = engine->metrics().batches.value();
    const auto start = SteadyClock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    const double batches = static_cast<double>(engine->metrics().batches.value() - batches_before);

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

    const double count = static_cast<double>(all.size());
    std::printf("%8d %12.0f %10.3f %10.3f %10.1f %9.2f ms %14.0f\n", writers, count / elapsed,
                percentile(all, 0.5), percentile(all, 0.99), count / std::max(1.0, batches),
                engine->metrics().commit_seconds.quantile_bound(0.5) * 1000,
                events / rebuild_seconds);
    std::fflush(stdout);
  }
  fs::remove_all(root);
  return 0;
}
