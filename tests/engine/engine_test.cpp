#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "tests/engine/engine_fixture.h"

using namespace brandledger;
using namespace brandledger::engine;
using namespace brandledger::testing;

TEST_CASE("concurrent submitters get gapless positions and each its own answer") {
  TempDir dir;
  auto e = open_engine(dir.path());
  constexpr int kThreads = 8, kPerThread = 300;
  for (int t = 0; t < kThreads; ++t)
    accepted(*e, command("counter.open", "counter-" + std::to_string(t)));

  std::vector<std::vector<std::uint64_t>> positions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto o = e->execute(command("counter.add", "counter-" + std::to_string(t), {{"n", 1}}));
        if (!o.accepted()) return;
        positions[t].push_back(o.append.first_position);
        // The answer is this command's own: its reply is the counter after its add.
        if (o.reply.as_int64() != i + 1) return;
      }
    });
  for (auto& th : threads) th.join();

  std::vector<std::uint64_t> all;
  for (auto& p : positions) {
    CHECK(p.size() == kPerThread);
    all.insert(all.end(), p.begin(), p.end());
  }
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() == kThreads * kPerThread);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i] == kThreads + 1 + i);
  CHECK(log_events(*e) == kThreads * (kPerThread + 1));
  CHECK(view(*e, "totals", "sum") == std::to_string(kThreads * kPerThread));
  // How many commands shared a commit here depends on the scheduler; the tests below hold
  // the writer (WriterGate) to pin batching down.
}

TEST_CASE("a rejected command inside a batch leaves the others committed") {
  TempDir dir;
  auto e = open_engine(dir.path());
  const auto batches_before = e->metrics().batches.value();
  std::vector<std::future<CommandOutcome>> answers;
  {
    // Queued while the writer is held, all 300 are decided in the one batch after the gate's;
    // every third one would go negative.
    WriterGate gate(*e, command("counter.open", "counter-a"));
    for (int i = 0; i < 300; ++i)
      answers.push_back(
          e->submit(command("counter.add", "counter-a", {{"n", i % 3 == 2 ? -1000 : 1}})));
    REQUIRE(gate.outcome().accepted());
  }
  int ok = 0, refused = 0;
  for (auto& a : answers) {
    auto o = a.get();
    if (o.accepted())
      ++ok;
    else if (o.rejection && o.rejection->code == "negative")
      ++refused;
  }
  CHECK(ok == 200);
  CHECK(refused == 100);
  CHECK(log_events(*e) == 201);
  CHECK(view(*e, "counters", "counter-a") == "200");
  CHECK(e->metrics().batches.value() - batches_before == 2);  // the gate's, then all 300
}

TEST_CASE("after_answers runs once a batch, after all of that batch's answers") {
  TempDir dir;
  std::mutex mutex;
  int answered = 0;           // guarded by mutex, as is what follows
  std::vector<int> at_hooks;  // `answered` each time the hook ran
  auto options = test_options(dir.path());
  constexpr int kCommands = 200, kBatch = 50;
  options.max_batch = kBatch;
  options.after_answers = [&] {
    std::lock_guard lock(mutex);
    at_hooks.push_back(answered);
  };
  auto e = open_engine(options);

  std::vector<std::size_t> batch_of(kCommands);  // how many hooks had run before each answer
  {
    // The 200 commands queue while the writer is held, so it decides them in exactly four
    // batches of max_batch, whatever the scheduler does.
    WriterGate gate(*e, command("counter.open", "counter-a"));
    for (int i = 0; i < kCommands; ++i)
      e->submit(command("counter.add", "counter-a", {{"n", 1}}), [&, i](CommandOutcome o) {
        std::lock_guard lock(mutex);
        if (o.accepted()) ++answered;
        batch_of[static_cast<std::size_t>(i)] = at_hooks.size();
      });
  }
  e->stop();  // every queued command answered, every hook run

  // The gate's batch (no add answered yet), then one hook after each batch of 50 answers,
  // before any answer of the next batch.
  CHECK(at_hooks == std::vector<int>{0, 50, 100, 150, 200});
  for (int i = 0; i < kCommands; ++i) {
    INFO("command " << i);
    CHECK(batch_of[static_cast<std::size_t>(i)] == static_cast<std::size_t>(1 + i / kBatch));
  }
  CHECK(e->metrics().batches.value() == 5);
}

TEST_CASE("a throw from a handler or a projection fails that command alone, as internal") {
  TempDir dir;
  auto e = open_engine(dir.path());
  std::vector<std::future<CommandOutcome>> answers;
  {
    WriterGate gate(*e, command("counter.open", "counter-a"));  // the rest share one batch
    answers.push_back(e->submit(command("counter.add", "counter-a", {{"n", 1}})));
    answers.push_back(e->submit(command("counter.explode", "counter-a")));
    answers.push_back(e->submit(command("counter.add", "counter-a", {{"n", 2}})));
    answers.push_back(e->submit(command("counter.poison", "counter-a")));
    answers.push_back(e->submit(command("counter.add", "counter-a", {{"n", 4}})));
    answers.push_back(e->submit(command("counter.add", "counter-a", {{"m", 4}})));
  }
  std::vector<CommandOutcome> o;
  for (auto& a : answers) o.push_back(a.get());
  CHECK(o[0].accepted());
  CHECK(o[1].error.code() == Status::Code::kInternal);  // never blamed on the caller
  CHECK_FALSE(o[1].rejection);
  CHECK(o[2].accepted());
  CHECK(o[3].error.code() == Status::Code::kInternal);
  CHECK(o[4].accepted());
  // A malformed argument is the caller's: refused, naming the field.
  REQUIRE(o[5].rejection);
  CHECK(o[5].rejection->kind == RejectionKind::kInvalid);
  CHECK(o[5].rejection->code == "invalid_field");
  CHECK(o[5].rejection->field == "n");
  CHECK(log_events(*e) == 4);  // the open and three adds: nothing of the failed ones
  CHECK(view(*e, "counters", "counter-a") == "7");
  CHECK(e->execute(command("counter.add", "counter-a", {{"n", 1}})).accepted());  // lives on
}

TEST_CASE("a command decides on what the command before it in the same batch did") {
  TempDir dir;
  auto e = open_engine(dir.path());
  auto open = e->submit(command("counter.open", "counter-x"));
  auto add = e->submit(command("counter.add", "counter-x", {{"n", 5}}));
  auto transfer_in = e->submit(command("counter.open", "counter-y"));
  auto transfer =
      e->submit(command("counter.transfer", "counter-x", {{"to", "counter-y"}, {"n", 3}}));
  CHECK(open.get().accepted());
  CHECK(add.get().accepted());
  CHECK(transfer_in.get().accepted());
  auto t = transfer.get();
  REQUIRE(t.accepted());
  CHECK(t.append.streams.size() == 2);
  CHECK(view(*e, "counters", "counter-x") == "2");
  CHECK(view(*e, "counters", "counter-y") == "3");
  CHECK(view(*e, "totals", "sum") == "5");
}

TEST_CASE("a rejection appends nothing and says why") {
  TempDir dir;
  auto e = open_engine(dir.path());
  auto o = e->execute(command("counter.add", "counter-none", {{"n", 1}}));
  REQUIRE(o.rejection);
  CHECK(o.rejection->kind == RejectionKind::kIllegalTransition);
  auto unknown = e->execute(command("counter.fly", "counter-none"));
  REQUIRE(unknown.rejection);
  CHECK(unknown.rejection->code == "unknown_command");
  auto bad_args = e->execute(command("counter.add", "counter-none", {{"n", "one"}}));
  REQUIRE(bad_args.rejection);
  CHECK(bad_args.rejection->kind == RejectionKind::kInvalid);
  CHECK(log_events(*e) == 0);
}

TEST_CASE("a retry with the same idempotency key gets the first answer and appends nothing") {
  TempDir dir;
  auto e = open_engine(dir.path());
  accepted(*e, command("counter.open", "counter-a"));
  auto c = command("counter.add", "counter-a", {{"n", 7}});
  c.idempotency_key = "key-1";
  auto first = accepted(*e, c);
  auto again = e->execute(c);
  CHECK(again.accepted());
  CHECK(again.append.duplicate);
  CHECK(again.append.first_position == first.append.first_position);
  CHECK(log_events(*e) == 2);
  CHECK(view(*e, "counters", "counter-a") == "7");
  // The key belongs to its actor: another user's same key is another command.
  auto other = command("counter.add", "counter-a", {{"n", 1}}, "u-2");
  other.idempotency_key = "key-1";
  CHECK_FALSE(accepted(*e, other).append.duplicate);
  CHECK(log_events(*e) == 3);
  CHECK(e->metrics().commands_duplicate.value() == 1);
}

TEST_CASE("an expected version that does not hold refuses the command") {
  TempDir dir;
  auto e = open_engine(dir.path());
  accepted(*e, command("counter.open", "counter-a"));
  auto c = command("counter.add", "counter-a", {{"n", 1}});
  c.expected_version = 2;
  auto o = e->execute(c);
  REQUIRE(o.rejection);
  CHECK(o.rejection->kind == RejectionKind::kVersionMismatch);
  c.expected_version = 1;
  CHECK(accepted(*e, c).append.streams[0].version == 2);
  CHECK(log_events(*e) == 2);
}

TEST_CASE("state survives a restart and the cache agrees with a replay") {
  TempDir dir;
  {
    auto e = open_engine(dir.path());
    accepted(*e, command("counter.open", "counter-a"));
    for (int i = 0; i < 10; ++i) accepted(*e, command("counter.add", "counter-a", {{"n", 2}}));
  }
  auto e = open_engine(dir.path());
  auto o = e->execute(command("counter.add", "counter-a", {{"n", -20}}));
  CHECK(o.accepted());
  CHECK(o.reply.as_int64() == 0);
  auto txn = e->begin_read();
  auto state = e->replay(*txn, "counter-a");
  REQUIRE(state.ok());
  CHECK(state->version == 12);
  CHECK(state->as<CounterState>()->value == 0);
}

TEST_CASE("a stream as of an instant agrees with folding its events by hand") {
  TempDir dir;
  auto e = open_engine(dir.path());
  const Timestamp start = *parse_rfc3339("2031-01-01T00:00:00Z");
  REQUIRE(e->advance_clock(start).ok());
  accepted(*e, command("counter.open", "counter-a"));
  std::map<Timestamp, std::int64_t> value_at;  // after the add at that instant
  std::int64_t value = 0;
  for (int day = 1; day <= 60; ++day) {
    const Timestamp t = add_days(start, day * 11);  // about two years
    REQUIRE(e->advance_clock(t).ok());
    const int n = (day * 37) % 11 + 1;
    accepted(*e, command("counter.add", "counter-a", {{"n", n}}));
    value += n;
    value_at[t] = value;
  }
  auto txn = e->begin_read();
  for (int probe = 0; probe <= 700; probe += 7) {
    const Timestamp at = add_days(start, probe);
    std::int64_t expected = 0;
    for (auto& [t, v] : value_at)
      if (t <= at) expected = v;
    auto state = e->replay_as_of(*txn, "counter-a", at);
    REQUIRE(state.ok());
    INFO("day " << probe);
    CHECK(state->as<CounterState>()->value == expected);
  }
  auto before = e->replay_as_of(*txn, "counter-a", add_days(start, -1));
  CHECK(before->version == 0);
}

TEST_CASE("rebuilding the views writes them byte for byte as they were kept inline") {
  TempDir dir;
  auto e = open_engine(dir.path());
  std::vector<std::future<CommandOutcome>> answers;
  for (int c = 0; c < 50; ++c)
    answers.push_back(e->submit(command("counter.open", "counter-" + std::to_string(c))));
  for (int i = 0; i < 20000; ++i) {
    const std::string from = "counter-" + std::to_string(i % 50);
    if (i % 5 == 0)
      answers.push_back(
          e->submit(command("counter.transfer", from,
                            {{"to", "counter-" + std::to_string((i * 7) % 50)}, {"n", 1}})));
    else
      answers.push_back(e->submit(command("counter.add", from, {{"n", i % 4}})));
    if (i % 1000 == 0)
      answers.push_back(
          e->submit(command("counter.schedule", from,
                            {{"timer", "t" + std::to_string(i)},
                             {"due_micros", to_micros(*parse_rfc3339("2040-01-01")) + i}})));
  }
  for (auto& a : answers) a.get();
  // Transfers from a counter that ran low are refused; the rest append.
  REQUIRE(log_events(*e) > 15000);

  auto snapshot = [&] {
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> tables;
    auto txn = e->begin_read();
    for (const auto& t : e->environment().view_tables())
      REQUIRE(t.scan(*txn, "", [&](std::string_view k, std::string_view v) {
                 tables[t.name()].emplace_back(k, v);
                 return true;
               }).ok());
    return tables;
  };
  auto inline_views = snapshot();
  CHECK(inline_views["view.timers"].size() == 20);
  e->stop();
  REQUIRE(e->rebuild().ok());
  CHECK(snapshot() == inline_views);
}

TEST_CASE("stale views are rebuilt at open: another projections version, or a rebuild cut short") {
  TempDir dir;
  auto open_at = [&](std::uint32_t views_version) {
    engine::EngineOptions options;
    options.data_dir = dir.path();
    options.manual_clock = true;
    engine::Domain domain = counter_domain();
    domain.views_version = views_version;
    auto e = Engine::open(options, std::move(domain));
    INFO(e.status().to_string());
    REQUIRE(e.ok());
    return std::move(e).value();
  };
  // What an older projection might have left: a value the log does not give. Written with
  // the engine closed, as another build would have.
  auto spoil = [&](std::string_view meta_key = "") {
    storage::EnvironmentOptions options;
    options.view_tables = {"counters"};
    auto env = storage::Environment::open(dir.path(), options);
    REQUIRE(env.ok());
    REQUIRE((*env)
                ->write([&](storage::WriteTxn& txn) {
                  BL_RETURN_IF_ERROR((*env)->view_table("counters")->put(txn, "counter-a", "999"));
                  if (meta_key.empty()) return Status::Ok();
                  return (*env)->log_tables().meta.put(txn, meta_key, "1");
                })
                .ok());
  };
  {
    auto e = open_at(1);
    accepted(*e, command("counter.open", "counter-a"));
    accepted(*e, command("counter.add", "counter-a", {{"n", 5}}));
  }
  spoil();
  {
    auto same = open_at(1);  // same version: the views are trusted as they are
    CHECK(view(*same, "counters", "counter-a") == "999");
    CHECK_FALSE(same->rebuilt_at_open());
  }
  {
    auto newer = open_at(2);
    CHECK(view(*newer, "counters", "counter-a") == "5");
    CHECK(newer->rebuilt_at_open());
    accepted(*newer, command("counter.add", "counter-a", {{"n", 1}}));
  }
  spoil("engine.rebuild_in_progress");
  auto after_cut = open_at(2);
  CHECK(view(*after_cut, "counters", "counter-a") == "6");
  accepted(*after_cut, command("counter.add", "counter-a", {{"n", 1}}));
  CHECK(view(*after_cut, "counters", "counter-a") == "7");
}

TEST_CASE("an upcaster brings old event data to the current schema on read") {
  TempDir dir;
  {
    auto e = open_engine(dir.path(), /*schema=*/1);
    accepted(*e, command("counter.open", "counter-old"));
  }
  auto e = open_engine(dir.path(), /*schema=*/2);
  accepted(*e, command("counter.open", "counter-new"));
  auto txn = e->begin_read();
  auto old_events = e->log().read_stream(*txn, "counter-old");
  auto new_events = e->log().read_stream(*txn, "counter-new");
  REQUIRE(old_events.ok());
  REQUIRE(new_events.ok());
  CHECK((*old_events)[0].schema_version == 1);
  CHECK((*new_events)[0].schema_version == 2);
  storage::EventView old_view;
  old_view.position = 1;
  old_view.type = "Opened";
  old_view.schema_version = 1;
  old_view.data = (*old_events)[0].data;
  auto upcast = e->event_data(old_view);
  REQUIRE(upcast.ok());
  CHECK(upcast->at("label") == "unlabelled");
  old_view.data = (*new_events)[0].data;
  old_view.schema_version = 2;
  CHECK(e->event_data(old_view)->at("label") == "new");
}

TEST_CASE("the manual clock never goes back and survives a restart") {
  TempDir dir;
  const Timestamp later = *parse_rfc3339("2035-06-01T00:00:00Z");
  {
    auto e = open_engine(dir.path());
    REQUIRE(e->advance_clock(later).ok());
    auto back = e->advance_clock(*parse_rfc3339("2035-01-01T00:00:00Z"));
    CHECK(back.status().code() == Status::Code::kInvalidArgument);
    CHECK(e->now() == later);
  }
  auto e = open_engine(dir.path());
  CHECK(e->now() == later);
  auto system = open_engine(dir.path() / "sys", 1, /*manual_clock=*/false);
  CHECK_FALSE(system->advance_clock(later).ok());
}

TEST_CASE("events carry the business time, and it never runs backwards through the log") {
  TempDir dir;
  auto e = open_engine(dir.path());
  REQUIRE(e->advance_clock(*parse_rfc3339("2032-01-01T00:00:00Z")).ok());
  auto o = accepted(*e, command("counter.open", "counter-a"));
  CHECK(format_rfc3339(o.occurred_at) == "2032-01-01T00:00:00Z");
  auto c = command("counter.add", "counter-a", {{"n", 1}});
  c.occurred_at = *parse_rfc3339("2031-01-01T00:00:00Z");
  CHECK(format_rfc3339(accepted(*e, c).occurred_at) == "2032-01-01T00:00:00Z");
}

namespace {

double metric_value(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + name.size() + 2));
}

}  // namespace

TEST_CASE("the commit histogram times each batch's durable commit, the batch histogram all of it") {
  TempDir dir;
  auto e = open_engine(dir.path());
  // One after another: each command is a batch of its own, a refused one included (it
  // commits an empty transaction).
  accepted(*e, command("counter.open", "counter-a"));
  for (int i = 0; i < 5; ++i) accepted(*e, command("counter.add", "counter-a", {{"n", 1}}));
  CHECK(e->execute(command("counter.open", "counter-a")).rejection.has_value());

  const std::string text = e->render_metrics();
  CHECK_THAT(text, Catch::Contains("# HELP brandledger_commit_seconds The durable commit of a "
                                   "batch (mdb_txn_commit): page writes and fsync.\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE brandledger_commit_seconds histogram\n"));
  CHECK_THAT(text, Catch::Contains("# HELP brandledger_batch_seconds A committed batch: deciding, "
                                   "appending, projecting, waiting for commands to join, and the "
                                   "commit.\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE brandledger_batch_seconds histogram\n"));

  const double batches = metric_value(text, "brandledger_batches_total");
  CHECK(batches == 7);
  CHECK(metric_value(text, "brandledger_commit_seconds_count") == batches);
  CHECK(metric_value(text, "brandledger_batch_seconds_count") == batches);
  CHECK(e->metrics().commit_seconds.count() == 7);
  // The commit is part of its batch.
  CHECK(metric_value(text, "brandledger_commit_seconds_sum") <=
        metric_value(text, "brandledger_batch_seconds_sum"));
}

TEST_CASE("metrics count commands by outcome in the Prometheus format") {
  TempDir dir;
  auto e = open_engine(dir.path());
  accepted(*e, command("counter.open", "counter-a"));
  e->execute(command("counter.open", "counter-a"));
  std::string text;
  e->metrics().render(&text);
  CHECK_THAT(text, Catch::Contains("brandledger_commands_total{outcome=\"accepted\"} 1"));
  CHECK_THAT(text, Catch::Contains("brandledger_commands_total{outcome=\"rejected\"} 1"));
  CHECK_THAT(text, Catch::Contains("brandledger_events_appended_total 1"));
  CHECK_THAT(text, Catch::Contains("brandledger_commit_seconds_bucket{le=\"+Inf\"}"));
  const std::string all = e->render_metrics();
  CHECK_THAT(all, Catch::Contains("brandledger_log_events 1\n"));
  CHECK_THAT(all, Catch::Contains("# TYPE brandledger_map_used_bytes gauge"));
  CHECK_THAT(all, Catch::Contains("brandledger_commands_queued 0\n"));
}

TEST_CASE("commands waiting for the writer are counted until it takes them") {
  TempDir dir;
  auto e = open_engine(dir.path());
  std::vector<std::future<CommandOutcome>> answers;
  {
    WriterGate gate(*e, command("counter.open", "counter-a"));
    CHECK(e->queued_commands() == 0);
    for (int i = 0; i < 3; ++i)
      answers.push_back(e->submit(command("counter.add", "counter-a", {{"n", 1}})));
    CHECK(e->queued_commands() == 3);
    CHECK_THAT(e->render_metrics(), Catch::Contains("brandledger_commands_queued 3\n"));
  }
  for (auto& a : answers) CHECK(a.get().accepted());
  CHECK(e->queued_commands() == 0);
}
