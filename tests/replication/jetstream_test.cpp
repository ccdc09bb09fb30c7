// The replicated log's transport against a real three-node JetStream cluster: the fence,
// de-duplication, the stream's configuration, and a quorum lost and regained.
#include <catch2/catch.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "replication/jetstream.h"
#include "support/temp_dir.h"
#include "tests/replication/nats_cluster.h"

using namespace brandledger;
using namespace brandledger::replication;
using namespace brandledger::testing;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<JetStreamLog> connected(const NatsCluster& cluster, std::string stream = "BL") {
  JetStreamOptions o;
  o.servers = cluster.urls();
  o.stream = std::move(stream);
  o.timeout = 2s;
  auto log = JetStreamLog::connect(o);
  REQUIRE(log.ok());
  return std::move(*log);
}

Status status_of(const Status& s) {
  return s;
}
template <class T>
Status status_of(const Result<T>& r) {
  return r.status();
}

// Retries `op` while it is Unavailable (a cluster electing its leaders, or a leader
// changing soon after), up to `within`. A publish retried is the same message, its id
// de-duplicated by the stream.
template <class Op>
auto retried(Op op, std::chrono::seconds within = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    auto r = op();
    if (r.ok() || status_of(r).code() != Status::Code::kUnavailable ||
        std::chrono::steady_clock::now() > deadline)
      return r;
    std::this_thread::sleep_for(200ms);
  }
}

StreamMessage batch(std::uint64_t first, std::uint64_t last) {
  return {0, "batch-" + std::to_string(last), first, last,
          "events " + std::to_string(first) + ".." + std::to_string(last)};
}

}  // namespace

TEST_CASE(
    "the log's stream on three nats-servers: fenced by its last sequence and de-duplicated by id") {
  TempDir dir;
  NatsCluster cluster(dir.path());
  auto writer = connected(cluster);
  const Status made = retried([&] { return writer->ensure_stream(); });
  INFO(made.to_string() << "\n" << cluster.log(0));
  REQUIRE(made.ok());
  CHECK(writer->ensure_stream().ok());  // again: it is there, as it must be

  auto s1 = retried([&] { return writer->publish(batch(1, 3), 0); });
  REQUIRE(s1.ok());
  CHECK(*s1 == 1);
  auto s2 = retried([&] { return writer->publish(batch(4, 4), 1); });
  REQUIRE(s2.ok());
  CHECK(*s2 == 2);

  // A second writer that still believes the stream ends at 1 is refused: fenced.
  auto other = connected(cluster);
  auto stale = retried([&] { return other->publish(batch(4, 6), 1); });
  CHECK(stale.status().code() == Status::Code::kFenced);
  // So is one that believes it is empty (the fence of an empty stream is 0, sent as such).
  CHECK(retried([&] { return other->publish(batch(1, 1), 0); }).status().code() ==
        Status::Code::kFenced);

  // The same batch published again (an answer lost on the way): stored once, at its place.
  auto again = retried([&] { return writer->publish(batch(4, 4), 1); });
  REQUIRE(again.ok());
  CHECK(*again == 2);
  CHECK(*writer->last_sequence() == 2);

  auto m = other->get(2);
  REQUIRE(m.ok());
  CHECK(m->sequence == 2);
  CHECK(m->msg_id == "batch-4");
  CHECK(m->first_position == 4);
  CHECK(m->last_position == 4);
  CHECK(m->body == "events 4..4");
  CHECK(other->get(3).status().code() == Status::Code::kNotFound);
}

TEST_CASE("the log's stream refuses to serve a stream that lets messages be deleted") {
  TempDir dir;
  NatsCluster cluster(dir.path());
  // Someone made "LOOSE" by hand, without DenyDelete and DenyPurge.
  natsConnection* nc = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, cluster.url(0).c_str()) == NATS_OK);
  jsCtx* js = nullptr;
  REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {"LOOSE.log"};
  cfg.Name = "LOOSE";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Replicas = 3;
  natsStatus made = NATS_ERR;
  for (int i = 0; i < 150 && made != NATS_OK; ++i) {
    made = js_AddStream(nullptr, js, &cfg, nullptr, nullptr);
    if (made != NATS_OK) std::this_thread::sleep_for(200ms);
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  REQUIRE(made == NATS_OK);

  auto log = connected(cluster, "LOOSE");
  const Status s = log->ensure_stream();
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("deleting or purging") != std::string::npos);
}

TEST_CASE(
    "the log's stream takes batches with one nats-server down - none with two - and again once "
    "they are back") {
  TempDir dir;
  NatsCluster cluster(dir.path());
  auto writer = connected(cluster);
  REQUIRE(retried([&] { return writer->ensure_stream(); }).ok());

  // A writer as docs/SCALE-OUT.md has it: an unknown outcome is settled by reading the
  // stream's last sequence before the next batch.
  std::uint64_t last = 0, position = 0;
  std::vector<std::uint64_t> acknowledged;  // last positions of the batches stored
  auto write = [&]() -> Status {
    auto s = writer->publish(batch(position + 1, position + 2), last);
    if (s.ok()) {
      last = *s;
      position += 2;
      acknowledged.push_back(position);
      return Status::Ok();
    }
    if (s.status().code() == Status::Code::kUnavailable) {
      auto now = writer->last_sequence();
      if (now.ok() && *now == last + 1) {  // it landed after all
        last = *now;
        position += 2;
      }
    }
    return s.status();
  };
  for (int i = 0; i < 5; ++i) REQUIRE(retried(write).ok());

  cluster.kill(2);
  for (int i = 0; i < 5; ++i) {
    const Status s = retried(write);
    INFO(s.to_string());
    REQUIRE(s.ok());
  }

  cluster.kill(1);
  // No quorum: no batch is stored (a leader alone cannot commit), every attempt says so.
  const std::uint64_t before = last;
  for (int i = 0; i < 3; ++i) CHECK(write().code() == Status::Code::kUnavailable);
  CHECK(last == before);

  cluster.start(1);
  cluster.start(2);
  const Status resumed = retried(write, 60s);
  INFO(resumed.to_string() << "\n" << cluster.log(1));
  REQUIRE(resumed.ok());

  // Every acknowledged batch is in the stream, once, in order.
  auto end = retried([&] { return writer->last_sequence(); });
  REQUIRE(end.ok());
  CHECK(*end == last);
  std::uint64_t expect_first = 1;
  std::vector<std::uint64_t> stored;
  for (std::uint64_t seq = 1; seq <= *end; ++seq) {
    auto m = retried([&] { return writer->get(seq); });
    REQUIRE(m.ok());
    CHECK(m->first_position == expect_first);
    expect_first = m->last_position + 1;
    stored.push_back(m->last_position);
  }
  for (std::uint64_t p : acknowledged)
    CHECK(std::find(stored.begin(), stored.end(), p) != stored.end());
}

TEST_CASE("the doorbell rings each watcher of the stream once per announcement until unwatched") {
  TempDir dir;
  NatsCluster cluster(dir.path());
  auto writer = connected(cluster);
  auto follower = connected(cluster);  // on a connection of its own, as a replica is
  std::mutex mutex;
  std::condition_variable cv;
  int rings = 0;
  REQUIRE(retried([&] {
            return follower->watch([&] {
              std::lock_guard lock(mutex);
              ++rings;
              cv.notify_all();
            });
          }).ok());
  // The subscription reaches the servers asynchronously: announce until the first ring.
  std::unique_lock lock(mutex);
  for (int i = 0; i < 100 && rings == 0; ++i) {
    lock.unlock();
    writer->announce(1);
    lock.lock();
    cv.wait_for(lock, 100ms, [&] { return rings > 0; });
  }
  REQUIRE(rings > 0);
  const int before = rings;
  lock.unlock();
  writer->announce(2);
  writer->announce(3);
  lock.lock();
  CHECK(cv.wait_for(lock, 5s, [&] { return rings >= before + 2; }));
  lock.unlock();

  follower->unwatch();
  const int after = [&] {
    std::lock_guard l(mutex);
    return rings;
  }();
  writer->announce(4);
  std::this_thread::sleep_for(300ms);
  std::lock_guard l(mutex);
  CHECK(rings == after);  // nothing rings after unwatch()
}
