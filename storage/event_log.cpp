#include "storage/event_log.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/sha256.h"
#include "storage/codec.h"

namespace brandledger::storage {
namespace {

Status check_stream_name(std::string_view stream) {
  if (stream.empty()) return Status::InvalidArgument("empty stream name");
  if (stream.size() > kMaxStreamName)
    return Status::InvalidArgument("stream name longer than " + std::to_string(kMaxStreamName));
  if (stream.find('\0') != std::string_view::npos)
    return Status::InvalidArgument("stream name contains NUL");
  return Status::Ok();
}

Status check_request(const AppendRequest& req) {
  if (req.events.empty()) return Status::InvalidArgument("an append needs at least one event");
  if (req.command_id.size() > kMaxCommandId)
    return Status::InvalidArgument("command id longer than " + std::to_string(kMaxCommandId));
  for (const NewEvent& e : req.events) {
    BL_RETURN_IF_ERROR(check_stream_name(e.stream));
    if (e.type.empty()) return Status::InvalidArgument("event without a type");
  }
  for (const ExpectedVersion& x : req.expected) BL_RETURN_IF_ERROR(check_stream_name(x.stream));
  return Status::Ok();
}

Result<StreamHeadEntry> read_stream_head(const LogTables& t, const Txn& txn,
                                         std::string_view stream) {
  BL_ASSIGN_OR_RETURN(auto stored, t.streams.get(txn, stream));
  if (!stored) return StreamHeadEntry{};
  auto head = decode_stream_head(*stored);
  if (!head) return Status::Corruption("unreadable head of stream " + std::string(stream));
  return *head;
}

}  // namespace

Result<EventLog::Writer::Head*> EventLog::Writer::stream_head(std::string_view stream) {
  if (auto it = heads_.find(stream); it != heads_.end()) return &it->second;
  BL_ASSIGN_OR_RETURN(StreamHeadEntry stored, read_stream_head(t_, txn_, stream));
  return &heads_.emplace(std::string(stream), Head{stored.version, stored.position}).first->second;
}

Status EventLog::Writer::append(const AppendRequest& req, AppendResult* out,
                                std::vector<EventView>* written) {
  *out = AppendResult{};
  if (written != nullptr) written->clear();
  BL_RETURN_IF_ERROR(check_request(req));
  if (!log_head_) {
    BL_ASSIGN_OR_RETURN(LogHead head, EventLog::read_head(t_, txn_));
    log_head_ = head;
  }
  // The expectations are read first but judged after the idempotency check: a repeated
  // command answers its first result even when its streams have moved on since.
  std::optional<VersionConflict> conflict;
  for (const ExpectedVersion& x : req.expected) {
    BL_ASSIGN_OR_RETURN(Head * actual, stream_head(x.stream));
    if (!conflict && actual->version != x.version)
      conflict = VersionConflict{x.stream, x.version, actual->version};
  }
  const std::uint64_t first = log_head_->position + 1;
  const std::uint64_t last = first + req.events.size() - 1;
  if (!req.command_id.empty()) {
    // One search both finds an earlier append of this command and claims the id for this one.
    BL_ASSIGN_OR_RETURN(
        auto earlier, t_.commands.put_new(txn_, req.command_id,
                                          encode_command_entry({first, last, req.request_digest})));
    if (earlier) {
      BL_ASSIGN_OR_RETURN(*out, EventLog::result_of(t_, txn_, req.command_id, *earlier));
      out->duplicate = true;
      return Status::Ok();
    }
    // A refused command must leave no trace: give the id back.
    if (conflict) BL_RETURN_IF_ERROR(t_.commands.erase(txn_, req.command_id).status());
  }
  if (conflict) {
    out->conflict = conflict;
    return Status::Conflict("stream " + conflict->stream + " is at version " +
                            std::to_string(conflict->actual) + ", expected " +
                            std::to_string(conflict->expected));
  }

  EventView ev;
  ev.occurred_at = req.occurred_at;
  ev.recorded_at = req.recorded_at;
  ev.actor = {req.actor.id, req.actor.name, req.actor.role, req.actor.org};
  ev.command_id = req.command_id;
  ev.correlation_id = req.correlation_id;
  ev.comment = req.comment;
  for (const NewEvent& e : req.events) {
    BL_ASSIGN_OR_RETURN(Head * head, stream_head(e.stream));
    ev.position = log_head_->position + 1;
    ev.stream = e.stream;
    ev.version = head->version + 1;
    ev.stream_prev = head->position;
    ev.type = e.type;
    ev.schema_version = e.schema_version;
    ev.data = e.data;
    ev.prev_hash = log_head_->hash;
    // Encoded straight into the page LMDB set aside for it: no copy of the value.
    BL_ASSIGN_OR_RETURN(char* place, t_.events.reserve(txn_, position_key(ev.position),
                                                       event_value_size(ev), /*append=*/true));
    const Sha256Digest hash = encode_event_value(ev, place);
    *log_head_ = {ev.position, hash};
    if (written != nullptr) {
      written->push_back(ev);
      written->back().hash = hash;
    }
    head->version = ev.version;
    head->position = ev.position;
  }
  out->first_position = first;
  out->last_position = last;

  for (const NewEvent& e : req.events) {
    if (std::any_of(out->streams.begin(), out->streams.end(),
                    [&](const StreamHead& h) { return h.stream == e.stream; }))
      continue;
    BL_ASSIGN_OR_RETURN(Head * head, stream_head(e.stream));
    out->streams.push_back({e.stream, head->version});
    BL_RETURN_IF_ERROR(
        t_.streams.put(txn_, e.stream, encode_stream_head({head->version, head->position}).view()));
  }
  return Status::Ok();
}

Status EventLog::Writer::append_stored(std::string_view stored, EventView* written) {
  auto ev = decode_event_value(stored);
  if (!ev) return Status::Corruption("a replicated event is malformed");
  if (!log_head_) {
    BL_ASSIGN_OR_RETURN(LogHead head, EventLog::read_head(t_, txn_));
    log_head_ = head;
  }
  const std::string at = "replicated event " + std::to_string(ev->position);
  if (ev->position != log_head_->position + 1)
    return Status::Corruption(at + " does not follow the log's head " +
                              std::to_string(log_head_->position));
  if (!digests_equal(ev->prev_hash, log_head_->hash))
    return Status::Corruption(at + " does not link to the log's last hash");
  if (!digests_equal(sha256(hashed_part(stored)), ev->hash))
    return Status::Corruption(at + " does not match its hash");
  BL_ASSIGN_OR_RETURN(Head * head, stream_head(ev->stream));
  if (ev->version != head->version + 1 || ev->stream_prev != head->position)
    return Status::Corruption(at + " is not the next event of stream " + std::string(ev->stream));
  BL_ASSIGN_OR_RETURN(char* place, t_.events.reserve(txn_, position_key(ev->position),
                                                     stored.size(), /*append=*/true));
  std::memcpy(place, stored.data(), stored.size());
  *log_head_ = {ev->position, ev->hash};
  head->version = ev->version;
  head->position = ev->position;
  BL_RETURN_IF_ERROR(
      t_.streams.put(txn_, ev->stream, encode_stream_head({head->version, head->position}).view()));
  if (written != nullptr) *written = *decode_event_value({place, stored.size()});
  return Status::Ok();
}

Status EventLog::Writer::put_command(std::string_view command_id, std::string_view entry) {
  if (!decode_command_entry(entry))
    return Status::Corruption("replicated command " + std::string(command_id) +
                              " has a malformed idempotency entry");
  BL_ASSIGN_OR_RETURN(auto earlier, t_.commands.put_new(txn_, command_id, entry));
  if (earlier && *earlier != entry)
    return Status::Corruption("replicated command " + std::string(command_id) +
                              " was appended before with other positions");
  return Status::Ok();
}

Result<LogHead> EventLog::read_head(const LogTables& t, const Txn& txn) {
  BL_ASSIGN_OR_RETURN(auto last, t.events.last(txn));
  LogHead head;
  if (!last) return head;
  auto position = decode_position_key(last->key);
  if (!position || last->value.size() < 2 * kDigestSize)
    return Status::Corruption("unreadable last event");
  head.position = *position;
  std::copy_n(last->value.end() - kDigestSize, kDigestSize, head.hash.begin());
  return head;
}

Result<std::optional<AppendResult>> EventLog::find_command(const LogTables& t, const Txn& txn,
                                                           std::string_view command_id) {
  BL_ASSIGN_OR_RETURN(auto stored, t.commands.get(txn, command_id));
  if (!stored) return std::optional<AppendResult>();
  BL_ASSIGN_OR_RETURN(AppendResult result, result_of(t, txn, command_id, *stored));
  return std::optional<AppendResult>(std::move(result));
}

Result<AppendResult> EventLog::result_of(const LogTables& t, const Txn& txn,
                                         std::string_view command_id, std::string_view stored) {
  const auto entry = decode_command_entry(stored);
  if (!entry) return Status::Corruption("unreadable entry of command " + std::string(command_id));
  AppendResult result;
  result.first_position = entry->first_position;
  result.last_position = entry->last_position;
  result.request_digest = entry->request_digest;
  for (std::uint64_t position = entry->first_position; position <= entry->last_position;
       ++position) {
    BL_ASSIGN_OR_RETURN(auto value, t.events.get(txn, position_key(position)));
    auto event = value ? decode_event_value(*value) : std::nullopt;
    if (!event)
      return Status::Corruption("the command's event at position " + std::to_string(position) +
                                " is missing or unreadable");
    auto seen = std::find_if(result.streams.begin(), result.streams.end(),
                             [&](const StreamHead& h) { return h.stream == event->stream; });
    if (seen == result.streams.end())
      result.streams.push_back({std::string(event->stream), event->version});
    else
      seen->version = event->version;
  }
  return result;
}

Result<LogHead> EventLog::head(const Txn& txn) const {
  return read_head(t_, txn);
}

Result<std::optional<AppendResult>> EventLog::find_command(const Txn& txn,
                                                           std::string_view command_id) const {
  return find_command(t_, txn, command_id);
}

Result<std::uint64_t> EventLog::stream_version(const Txn& txn, std::string_view stream) const {
  BL_ASSIGN_OR_RETURN(StreamHeadEntry head, read_stream_head(t_, txn, stream));
  return head.version;
}

Result<std::optional<Event>> EventLog::get(const Txn& txn, std::uint64_t position) const {
  BL_ASSIGN_OR_RETURN(auto value, t_.events.get(txn, position_key(position)));
  if (!value) return std::optional<Event>();
  auto view = decode_event_value(*value);
  if (!view) return Status::Corruption("unreadable event at position " + std::to_string(position));
  return std::optional<Event>(to_owned(*view));
}

Result<std::vector<Event>> EventLog::walk_back(const Txn& txn, std::string_view stream,
                                               std::uint64_t from) const {
  BL_ASSIGN_OR_RETURN(StreamHeadEntry head, read_stream_head(t_, txn, stream));
  std::vector<Event> newest_first;
  std::uint64_t position = head.position;
  std::uint64_t expected_version = head.version;
  while (position != 0 && expected_version >= std::max<std::uint64_t>(from, 1)) {
    BL_ASSIGN_OR_RETURN(auto event, get(txn, position));
    if (!event || event->stream != stream || event->version != expected_version)
      return Status::Corruption("stream " + std::string(stream) + " breaks at position " +
                                std::to_string(position));
    position = event->stream_prev;
    --expected_version;
    newest_first.push_back(std::move(*event));
  }
  return newest_first;
}

Result<std::vector<Event>> EventLog::read_stream(const Txn& txn, std::string_view stream,
                                                 std::uint64_t from, std::uint64_t to) const {
  BL_ASSIGN_OR_RETURN(std::vector<Event> events, walk_back(txn, stream, from));
  std::reverse(events.begin(), events.end());
  auto past =
      std::find_if(events.begin(), events.end(), [&](const Event& e) { return e.version > to; });
  events.erase(past, events.end());
  return events;
}

Result<std::vector<Event>> EventLog::read_stream_until(const Txn& txn, std::string_view stream,
                                                       Timestamp until) const {
  BL_ASSIGN_OR_RETURN(std::vector<Event> events, read_stream(txn, stream));
  auto past = std::find_if(events.begin(), events.end(),
                           [&](const Event& e) { return e.occurred_at > until; });
  events.erase(past, events.end());
  return events;
}

Status EventLog::for_each(const Txn& txn, std::uint64_t after,
                          const std::function<bool(const EventView&)>& visit) const {
  Status bad;
  BL_RETURN_IF_ERROR(
      t_.events.scan(txn, position_key(after + 1), [&](std::string_view, std::string_view value) {
        auto view = decode_event_value(value);
        if (!view) {
          bad = Status::Corruption("unreadable event after position " + std::to_string(after));
          return false;
        }
        after = view->position;
        return visit(*view);
      }));
  return bad;
}

Result<std::vector<Event>> EventLog::read_all(const Txn& txn, std::uint64_t after,
                                              std::size_t limit) const {
  std::vector<Event> out;
  if (limit == 0) return out;
  BL_RETURN_IF_ERROR(for_each(txn, after, [&](const EventView& e) {
    out.push_back(to_owned(e));
    return out.size() < limit;
  }));
  return out;
}

Status EventLog::for_each_stream(
    const Txn& txn, std::string_view prefix,
    const std::function<bool(std::string_view, std::uint64_t)>& visit) const {
  Status bad;
  BL_RETURN_IF_ERROR(
      t_.streams.scan_prefix(txn, prefix, [&](std::string_view name, std::string_view value) {
        auto head = decode_stream_head(value);
        if (!head) {
          bad = Status::Corruption("unreadable head of stream " + std::string(name));
          return false;
        }
        return visit(name, head->version);
      }));
  return bad;
}

Result<VerifyReport> EventLog::verify(const Txn& txn, const std::atomic<bool>* stop) const {
  VerifyReport report;
  auto fail = [&](std::uint64_t position, std::string problem) {
    report.ok = false;
    report.first_bad_position = position;
    report.problem = std::move(problem);
    return false;
  };
  // Each stream's last event seen so far, to check the stream chains in the same pass.
  std::unordered_map<std::string, StreamHeadEntry> streams;
  BL_RETURN_IF_ERROR(t_.events.scan(txn, "", [&](std::string_view key, std::string_view value) {
    if (stop != nullptr && (report.events & 1023) == 0 && stop->load(std::memory_order_relaxed)) {
      report.complete = false;
      return false;
    }
    const std::uint64_t expected = report.head.position + 1;
    auto position = decode_position_key(key);
    if (!position) return fail(expected, "unreadable key");
    if (*position != expected)
      return fail(expected, "position " + std::to_string(expected) + " is missing");
    auto ev = decode_event_value(value);
    if (!ev) return fail(expected, "unreadable record");
    if (ev->position != expected)
      return fail(expected, "record says position " + std::to_string(ev->position));
    if (ev->prev_hash != report.head.hash)
      return fail(expected, "prev_hash is not the previous event's hash");
    if (sha256(hashed_part(value)) != ev->hash)
      return fail(expected, "hash does not match the event's bytes");
    StreamHeadEntry& seen = streams[std::string(ev->stream)];
    if (ev->version != seen.version + 1 || ev->stream_prev != seen.position)
      return fail(expected, "does not follow its stream's previous event");
    seen = {ev->version, expected};
    report.head = {expected, ev->hash};
    ++report.events;
    return true;
  }));
  if (!report.ok || !report.complete) return report;

  std::uint64_t heads = 0;
  Status bad;
  BL_RETURN_IF_ERROR(t_.streams.scan(txn, "", [&](std::string_view name, std::string_view value) {
    ++heads;
    auto head = decode_stream_head(value);
    auto it = streams.find(std::string(name));
    if (!head || it == streams.end() || it->second.version != head->version ||
        it->second.position != head->position)
      return fail(0, "the head of stream " + std::string(name) + " disagrees with the log");
    return true;
  }));
  if (report.ok && heads != streams.size())
    fail(0, "the streams table has " + std::to_string(heads) + " heads for " +
                std::to_string(streams.size()) + " streams");
  return report;
}

}  // namespace brandledger::storage
