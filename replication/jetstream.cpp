#include "replication/jetstream.h"

#include <nats/nats.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <future>
#include <mutex>
#include <optional>

namespace brandledger::replication {
namespace {

// nats.c's own words for the last failure on this thread.
std::string nats_error(natsStatus s) {
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  std::string out = natsStatus_GetText(s);
  if (text != nullptr && *text != '\0') out += std::string(": ") + text;
  return out;
}

std::string jetstream_error(natsStatus s, jsErrCode code) {
  std::string out = nats_error(s);
  if (code != 0) out += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  return out;
}

constexpr const char* kMsgId = "Nats-Msg-Id";
constexpr const char* kExpectedLast = "Nats-Expected-Last-Sequence";
constexpr const char* kFirstPosition = "Bl-First-Position";
constexpr const char* kLastPosition = "Bl-Last-Position";

std::optional<std::uint64_t> parse_u64(const char* text) {
  if (text == nullptr) return std::nullopt;
  std::string_view s(text);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

struct JetStreamLog::Handles {
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  natsSubscription* doorbell = nullptr;
  std::mutex ring_mutex;  // held while `ring` runs: unwatch() waits for a call under way
  std::function<void()> ring;

  void end_doorbell() {
    {
      std::lock_guard lock(ring_mutex);
      ring = nullptr;
    }
    if (doorbell != nullptr) {
      // A delivery under way may still be inside on_doorbell: nats.c calls the completion
      // callback once no more will run, and only then is what it uses freed.
      // (Heap-held: a completion after the wait below gave up must find it.)
      auto* finished = new std::promise<void>;
      std::future<void> done = finished->get_future();
      const bool callback = natsSubscription_SetOnCompleteCB(
                                doorbell,
                                [](void* p) {
                                  auto* promise = static_cast<std::promise<void>*>(p);
                                  promise->set_value();
                                  delete promise;
                                },
                                finished) == NATS_OK;
      if (!callback) delete finished;
      if (natsSubscription_Unsubscribe(doorbell) == NATS_OK && callback)
        done.wait_for(std::chrono::seconds(5));
      natsSubscription_Destroy(doorbell);
      doorbell = nullptr;
    }
  }
  static void on_doorbell(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    natsMsg_Destroy(msg);
    auto* h = static_cast<Handles*>(closure);
    std::lock_guard lock(h->ring_mutex);
    if (h->ring) h->ring();
  }

  ~Handles() {
    end_doorbell();
    if (js != nullptr) jsCtx_Destroy(js);
    if (nc != nullptr) natsConnection_Destroy(nc);  // closes it
    if (opts != nullptr) natsOptions_Destroy(opts);
  }
};

JetStreamLog::JetStreamLog(JetStreamOptions options)
    : options_(std::move(options)),
      subject_(options_.stream + ".log"),
      head_subject_(options_.stream + ".head"),
      h_(new Handles) {}

JetStreamLog::~JetStreamLog() = default;

Result<std::unique_ptr<JetStreamLog>> JetStreamLog::connect(const JetStreamOptions& options) {
  if (options.servers.empty()) return Status::InvalidArgument("no NATS server given");
  std::unique_ptr<JetStreamLog> log(new JetStreamLog(options));
  Handles& h = *log->h_;
  std::vector<const char*> urls;
  for (const auto& s : options.servers) urls.push_back(s.c_str());
  natsStatus s = natsOptions_Create(&h.opts);
  if (s == NATS_OK) s = natsOptions_SetServers(h.opts, urls.data(), static_cast<int>(urls.size()));
  // Never give up on the cluster: a member that is down comes back, and until one answers
  // every publish is Unavailable (commands get 503), never an exit.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(h.opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(h.opts, 100);
  if (s == NATS_OK) s = natsOptions_SetTimeout(h.opts, options.timeout.count());
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(h.opts, true, nullptr, nullptr);
  if (s == NATS_OK) s = natsConnection_Connect(&h.nc, h.opts);
  if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;  // retrying in the background
  if (s != NATS_OK) return Status::Unavailable("NATS connect: " + nats_error(s));
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = options.timeout.count();
  s = natsConnection_JetStream(&h.js, h.nc, &jo);
  if (s != NATS_OK) return Status::Unavailable("JetStream context: " + nats_error(s));
  return log;
}

Status JetStreamLog::ensure_stream() {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {subject_.c_str()};
  cfg.Name = options_.stream.c_str();
  cfg.Description = "BrandLedger's log: one message per committed batch";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = options_.replicas;
  cfg.Retention = js_LimitsPolicy;
  cfg.Discard = js_DiscardNew;
  cfg.DenyDelete = true;
  cfg.DenyPurge = true;
  cfg.Duplicates =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.duplicate_window).count();
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, h_->js, &cfg, nullptr, &code);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  si = nullptr;
  if (s != NATS_OK && code != JSStreamNameExistErr)
    return Status::Unavailable("creating stream " + options_.stream + ": " +
                               jetstream_error(s, code));
  // It exists (made now or before, perhaps by another writer): it must keep the log as the
  // log needs to be kept, whoever made it.
  s = js_GetStreamInfo(&si, h_->js, options_.stream.c_str(), nullptr, &code);
  if (s != NATS_OK)
    return Status::Unavailable("reading stream " + options_.stream + ": " +
                               jetstream_error(s, code));
  const jsStreamConfig& have = *si->Config;
  Status out = Status::Ok();
  if (!have.DenyDelete || !have.DenyPurge)
    out = Status::InvalidArgument("stream " + options_.stream +
                                  " allows deleting or purging messages: a log must not");
  else if (have.Replicas < options_.replicas)
    out = Status::InvalidArgument("stream " + options_.stream + " keeps " +
                                  std::to_string(have.Replicas) + " copies, not " +
                                  std::to_string(options_.replicas));
  else if (have.Storage != js_FileStorage)
    out = Status::InvalidArgument("stream " + options_.stream + " is not on file storage");
  jsStreamInfo_Destroy(si);
  return out;
}

Result<std::uint64_t> JetStreamLog::last_sequence() {
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, h_->js, options_.stream.c_str(), nullptr, &code);
  if (s != NATS_OK)
    return Status::Unavailable("stream " + options_.stream + ": " + jetstream_error(s, code));
  const std::uint64_t last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return last;
}

Result<std::uint64_t> JetStreamLog::publish(const StreamMessage& message,
                                            std::uint64_t expected_last) {
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject_.c_str(), nullptr, message.body.data(),
                                static_cast<int>(message.body.size()));
  // The fence goes in as a header of our own: nats.c leaves ExpectLastSeq 0 out, and 0 is
  // the fence of an empty stream.
  const std::string expected = std::to_string(expected_last);
  const std::string first = std::to_string(message.first_position);
  const std::string last = std::to_string(message.last_position);
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kMsgId, message.msg_id.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kExpectedLast, expected.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kFirstPosition, first.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kLastPosition, last.c_str());
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return Status::Internal("building a NATS message: " + nats_error(s));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = options_.timeout.count();
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&ack, h_->js, msg, &po, &code);
  natsMsg_Destroy(msg);
  if (s == NATS_OK) {
    const std::uint64_t seq = ack->Sequence;
    jsPubAck_Destroy(ack);
    // De-duplication answers before the fence: the same message stored earlier, elsewhere
    // than right after `expected_last`, is no append after it.
    if (seq != expected_last + 1)
      return Status::Fenced("the message was stored before, at " + std::to_string(seq) +
                            ", not after " + expected);
    return seq;
  }
  if (code == JSStreamWrongLastSequenceErr)
    return Status::Fenced("the stream's last sequence is no longer " + expected +
                          ": another writer appended");
  // A timeout, no responders, a lost connection, a cluster without quorum: whether the
  // message was stored is unknown.
  return Status::Unavailable("publish to " + options_.stream + ": " + jetstream_error(s, code));
}

void JetStreamLog::announce(std::uint64_t sequence) {
  const std::string text = std::to_string(sequence);
  // Buffered and flushed by nats.c's own thread: nothing here waits on the network. A
  // failure (no connection now) loses a hint, which the followers' poll makes up for.
  natsConnection_PublishString(h_->nc, head_subject_.c_str(), text.c_str());
}

Status JetStreamLog::watch(std::function<void()> ring) {
  h_->end_doorbell();
  {
    std::lock_guard lock(h_->ring_mutex);
    h_->ring = std::move(ring);
  }
  natsStatus s = natsConnection_Subscribe(&h_->doorbell, h_->nc, head_subject_.c_str(),
                                          &Handles::on_doorbell, h_.get());
  if (s != NATS_OK) {
    h_->doorbell = nullptr;
    return Status::Unavailable("subscribing to " + head_subject_ + ": " + nats_error(s));
  }
  return Status::Ok();
}

void JetStreamLog::unwatch() {
  h_->end_doorbell();
}

std::size_t JetStreamLog::max_body_bytes() const {
  // The headers: four of ours and the server's own, well under this.
  constexpr std::int64_t kHeaderRoom = 1024;
  const std::int64_t max = natsConnection_GetMaxPayload(h_->nc);
  return max > kHeaderRoom ? static_cast<std::size_t>(max - kHeaderRoom) : 0;
}

Result<StreamMessage> JetStreamLog::get(std::uint64_t sequence) {
  natsMsg* msg = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&msg, h_->js, options_.stream.c_str(), sequence, nullptr, &code);
  if (s != NATS_OK) {
    if (code == JSNoMessageFoundErr)
      return Status::NotFound("stream " + options_.stream + " has no message " +
                              std::to_string(sequence));
    return Status::Unavailable("reading message " + std::to_string(sequence) + ": " +
                               jetstream_error(s, code));
  }
  StreamMessage out;
  out.sequence = natsMsg_GetSequence(msg);
  out.stored_ns = natsMsg_GetTime(msg);
  const char* v = nullptr;
  if (natsMsgHeader_Get(msg, kMsgId, &v) == NATS_OK && v != nullptr) out.msg_id = v;
  v = nullptr;
  auto first = natsMsgHeader_Get(msg, kFirstPosition, &v) == NATS_OK ? parse_u64(v) : std::nullopt;
  v = nullptr;
  auto last = natsMsgHeader_Get(msg, kLastPosition, &v) == NATS_OK ? parse_u64(v) : std::nullopt;
  out.body.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
  if (!first || !last || *first == 0 || *last + 1 < *first)  // a claim holds none: last + 1
    return Status::Corruption("message " + std::to_string(sequence) +
                              " of the stream names no log positions");
  out.first_position = *first;
  out.last_position = *last;
  if (out.sequence == 0) out.sequence = sequence;
  return out;
}

std::vector<std::string> split_servers(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string one = list.substr(start, comma - start);
    if (!one.empty()) out.push_back(std::move(one));
    start = comma + 1;
  }
  return out;
}

}  // namespace brandledger::replication
