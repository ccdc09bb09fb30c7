#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "tests/engine/engine_fixture.h"

using namespace brandledger;
using namespace brandledger::engine;
using namespace brandledger::testing;

namespace {

void schedule(Engine& e, const std::string& stream, const std::string& timer, Timestamp due) {
  accepted(e,
           command("counter.schedule", stream, {{"timer", timer}, {"due_micros", to_micros(due)}}));
}

std::uint64_t count_events(Engine& e, std::string_view type) {
  auto txn = e.begin_read();
  std::uint64_t n = 0;
  REQUIRE(e.log()
              .for_each(*txn, 0,
                        [&](const storage::EventView& ev) {
                          n += ev.type == type;
                          return true;
                        })
              .ok());
  return n;
}

}  // namespace

TEST_CASE("a timer fires once when the clock passes it, and never again") {
  TempDir dir;
  auto e = open_engine(dir.path());
  const Timestamp due = *parse_rfc3339("2033-03-01T00:00:00Z");
  schedule(*e, "counter-a", "deadline-a", due);
  REQUIRE(e->advance_clock(due - std::chrono::seconds(1)).ok());
  CHECK_FALSE(view(*e, "rings", "counter-a"));
  REQUIRE(e->advance_clock(due).ok());
  CHECK(view(*e, "rings", "counter-a") == "1");
  REQUIRE(e->advance_clock(add_days(due, 30)).ok());
  REQUIRE(e->fire_due_timers().ok());
  CHECK(view(*e, "rings", "counter-a") == "1");
  CHECK(count_events(*e, kTimerFired) == 1);
  CHECK_FALSE(view(*e, kTimersTable, "anything"));
  // Fired as the system, at the timer's due time.
  auto txn = e->begin_read();
  auto events = e->log().read_stream(*txn, "counter-a");
  REQUIRE(events->size() == 3);
  CHECK((*events)[1].type == kTimerFired);
  CHECK((*events)[2].type == "Rang");
  CHECK((*events)[2].actor.id == "system");
  CHECK((*events)[2].occurred_at == due);
}

TEST_CASE("a manual clock started years back fires timers on their day and resumes where it was set") {
  TempDir dir;
  const Timestamp start = *parse_rfc3339("2007-01-01T00:00:00Z");
  auto open_from = [&](Timestamp from) {
    EngineOptions options;
    options.data_dir = dir.path();
    options.manual_clock = true;
    options.manual_clock_start = from;
    auto e = Engine::open(options, counter_domain());
    REQUIRE(e.ok());
    return std::move(e).value();
  };
  {
    auto e = open_from(start);
    CHECK(e->now() == start);
    schedule(*e, "counter-a", "deadline-a", add_days(start, 90));
    REQUIRE(e->advance_clock(add_days(start, 100)).ok());
    CHECK(view(*e, "rings", "counter-a") == "1");
    auto txn = e->begin_read();
    CHECK(e->log().read_stream(*txn, "counter-a")->back().occurred_at == add_days(start, 90));
  }
  // Set once, the clock never goes back to a start given again.
  CHECK(open_from(start)->now() == add_days(start, 100));
}

TEST_CASE("rescheduling a timer moves it rather than adding a second one") {
  TempDir dir;
  auto e = open_engine(dir.path());
  const Timestamp due = *parse_rfc3339("2033-03-01T00:00:00Z");
  schedule(*e, "counter-a", "deadline-a", due);
  schedule(*e, "counter-a", "deadline-a", add_days(due, 10));
  REQUIRE(e->advance_clock(add_days(due, 5)).ok());
  CHECK_FALSE(view(*e, "rings", "counter-a"));
  REQUIRE(e->advance_clock(add_days(due, 10)).ok());
  CHECK(view(*e, "rings", "counter-a") == "1");
}

TEST_CASE("a timer fires exactly once across a restart") {
  TempDir dir;
  const Timestamp due = *parse_rfc3339("2033-03-01T00:00:00Z");
  {
    auto e = open_engine(dir.path());
    schedule(*e, "counter-a", "deadline-a", due);
  }
  {
    auto e = open_engine(dir.path());
    REQUIRE(e->advance_clock(add_days(due, 1)).ok());
    CHECK(view(*e, "rings", "counter-a") == "1");
  }
  auto e = open_engine(dir.path());
  REQUIRE(e->fire_due_timers().ok());
  CHECK(view(*e, "rings", "counter-a") == "1");
  CHECK(count_events(*e, kTimerFired) == 1);
}

TEST_CASE("a timer that fell due while nothing ran fires at start") {
  TempDir dir;
  {
    auto e = open_engine(dir.path(), 1, /*manual_clock=*/false);
    schedule(*e, "counter-a", "soon", system_now() + std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto e = open_engine(dir.path(), 1, /*manual_clock=*/false);
  CHECK(view(*e, "rings", "counter-a") == "1");
}

TEST_CASE("SIGKILL while timers fire leaves each timer fired exactly once") {
  TempDir dir;
  constexpr int kTimers = 200;
  const Timestamp base = *parse_rfc3339("2034-01-01T00:00:00Z");
  {
    auto e = open_engine(dir.path());
    for (int i = 0; i < kTimers; ++i)
      schedule(*e, "counter-" + std::to_string(i), "t" + std::to_string(i),
               base + std::chrono::minutes(i));
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_us(200, 40000);
  for (int round = 0; round < 12; ++round) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      EngineOptions options;
      options.data_dir = dir.path();
      options.manual_clock = true;
      auto e = Engine::open(options, counter_domain());
      if (!e.ok()) _exit(3);
      // Walk the clock through the timers, a few at a time.
      for (int i = 0; i < kTimers; i += 5)
        if (!(*e)->advance_clock(base + std::chrono::minutes(i)).ok()) _exit(4);
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);

    auto e = open_engine(dir.path());
    for (int i = 0; i < kTimers; ++i) {
      auto rings = view(*e, "rings", "counter-" + std::to_string(i));
      INFO("round " << round << " timer " << i);
      CHECK((!rings || *rings == "1"));
    }
  }
  auto e = open_engine(dir.path());
  REQUIRE(e->advance_clock(base + std::chrono::minutes(kTimers)).ok());
  for (int i = 0; i < kTimers; ++i) CHECK(view(*e, "rings", "counter-" + std::to_string(i)) == "1");
  CHECK(count_events(*e, kTimerFired) == kTimers);
  CHECK(count_events(*e, "Rang") == kTimers);
}
