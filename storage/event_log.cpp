#include "storage/event_log.h"

#include <algorithm>

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

// The heads of the streams one append touches: a handful, so a flat list.
class StreamHeads {
 public:
  explicit StreamHeads(const LogTables& t) : t_(t) {}

  Result<std::uint64_t*> find(const Txn& txn, std::string_view stream) {
    for (auto& h : heads_)
      if (h.stream == stream) return &h.version;
    BL_ASSIGN_OR_RETURN(auto stored, t_.streams.get(txn, stream));
    std::uint64_t version = 0;
    if (stored) {
      auto v = decode_u64(*stored);
      if (!v) return Status::Corruption("unreadable head of stream " + std::string(stream));
      version = *v;
    }
    heads_.push_back({std::string(stream), version});
    return &heads_.back().version;
  }
  std::vector<StreamHead>& all() { return heads_; }

 private:
  const LogTables& t_;
  std::vector<StreamHead> heads_;
};

}  // namespace

Status EventLog::append(WriteTxn& txn, const AppendRequest& req, AppendResult* out) const {
  *out = AppendResult{};
  if (req.events.empty()) return Status::InvalidArgument("an append needs at least one event");
  if (req.command_id.size() > kMaxCommandId)
    return Status::InvalidArgument("command id longer than " + std::to_string(kMaxCommandId));
  for (const NewEvent& e : req.events) {
    BL_RETURN_IF_ERROR(check_stream_name(e.stream));
    if (e.type.empty()) return Status::InvalidArgument("event without a type");
  }
  for (const ExpectedVersion& x : req.expected) BL_RETURN_IF_ERROR(check_stream_name(x.stream));

  if (!req.command_id.empty()) {
    BL_ASSIGN_OR_RETURN(auto earlier, find_command(txn, req.command_id));
    if (earlier) {
      *out = std::move(*earlier);
      out->duplicate = true;
      return Status::Ok();
    }
  }

  // Every check comes before the first write, so a refusal leaves the transaction untouched.
  StreamHeads heads(t_);
  for (const ExpectedVersion& x : req.expected) {
    BL_ASSIGN_OR_RETURN(std::uint64_t * actual, heads.find(txn, x.stream));
    if (*actual != x.version) {
      out->conflict = VersionConflict{x.stream, x.version, *actual};
      return Status::Conflict("stream " + x.stream + " is at version " + std::to_string(*actual) +
                              ", expected " + std::to_string(x.version));
    }
  }
  BL_ASSIGN_OR_RETURN(LogHead head, this->head(txn));

  thread_local std::string value;
  EventView ev;
  ev.occurred_at = req.occurred_at;
  ev.recorded_at = req.recorded_at;
  ev.actor = {req.actor.id, req.actor.name, req.actor.role, req.actor.org};
  ev.command_id = req.command_id;
  ev.correlation_id = req.correlation_id;
  ev.comment = req.comment;
  out->first_position = head.position + 1;
  for (const NewEvent& e : req.events) {
    BL_ASSIGN_OR_RETURN(std::uint64_t * version, heads.find(txn, e.stream));
    ev.position = ++head.position;
    ev.stream = e.stream;
    ev.version = ++*version;
    ev.type = e.type;
    ev.schema_version = e.schema_version;
    ev.data = e.data;
    ev.prev_hash = head.hash;
    head.hash = encode_event_value(ev, &value);
    BL_RETURN_IF_ERROR(t_.events.put(txn, position_key(ev.position), value, /*append=*/true));
    BL_RETURN_IF_ERROR(t_.stream_index.put(txn, stream_index_key(e.stream, ev.version),
                                           encode_stream_index_value({ev.position, ev.occurred_at})));
  }
  out->last_position = head.position;

  for (const NewEvent& e : req.events) {
    auto seen = std::find_if(out->streams.begin(), out->streams.end(),
                             [&](const StreamHead& h) { return h.stream == e.stream; });
    if (seen != out->streams.end()) continue;
    BL_ASSIGN_OR_RETURN(std::uint64_t * version, heads.find(txn, e.stream));
    out->streams.push_back({e.stream, *version});
    BL_RETURN_IF_ERROR(t_.streams.put(txn, e.stream, encode_u64(*version)));
  }
  if (!req.command_id.empty())
    BL_RETURN_IF_ERROR(t_.commands.put(txn, req.command_id, encode_append_result(*out)));
  return Status::Ok();
}

Result<LogHead> EventLog::head(const Txn& txn) const {
  BL_ASSIGN_OR_RETURN(auto last, t_.events.last(txn));
  LogHead head;
  if (!last) return head;
  auto position = decode_position_key(last->key);
  if (!position || last->value.size() < 2 * kDigestSize)
    return Status::Corruption("unreadable last event");
  head.position = *position;
  std::copy_n(last->value.end() - kDigestSize, kDigestSize, head.hash.begin());
  return head;
}

Result<std::uint64_t> EventLog::stream_version(const Txn& txn, std::string_view stream) const {
  BL_ASSIGN_OR_RETURN(auto stored, t_.streams.get(txn, stream));
  if (!stored) return std::uint64_t{0};
  auto v = decode_u64(*stored);
  if (!v) return Status::Corruption("unreadable head of stream " + std::string(stream));
  return *v;
}

Result<std::optional<Event>> EventLog::get_at(const Txn& txn, std::uint64_t position) const {
  BL_ASSIGN_OR_RETURN(auto value, t_.events.get(txn, position_key(position)));
  if (!value) return std::optional<Event>();
  auto view = decode_event_value(*value);
  if (!view) return Status::Corruption("unreadable event at position " + std::to_string(position));
  return std::optional<Event>(to_owned(*view));
}

Result<std::optional<Event>> EventLog::get(const Txn& txn, std::uint64_t position) const {
  return get_at(txn, position);
}

Result<std::vector<Event>> EventLog::read_stream(const Txn& txn, std::string_view stream,
                                                 std::uint64_t from, std::uint64_t to) const {
  std::vector<Event> out;
  std::vector<std::uint64_t> positions;
  const std::string prefix = std::string(stream) + '\0';
  Status bad;
  BL_RETURN_IF_ERROR(t_.stream_index.scan(
      txn, stream_index_key(stream, std::max<std::uint64_t>(from, 1)),
      [&](std::string_view key, std::string_view value) {
        if (!key.starts_with(prefix)) return false;
        auto version = decode_u64be(key.substr(prefix.size()));
        auto entry = decode_stream_index_value(value);
        if (!version || !entry) {
          bad = Status::Corruption("unreadable stream index entry of " + std::string(stream));
          return false;
        }
        if (*version > to) return false;
        positions.push_back(entry->position);
        return true;
      }));
  BL_RETURN_IF_ERROR(bad);
  out.reserve(positions.size());
  for (std::uint64_t p : positions) {
    BL_ASSIGN_OR_RETURN(auto event, get_at(txn, p));
    if (!event) return Status::Corruption("stream index points at missing position " + std::to_string(p));
    out.push_back(std::move(*event));
  }
  return out;
}

Result<std::vector<Event>> EventLog::read_stream_until(const Txn& txn, std::string_view stream,
                                                       Timestamp until) const {
  std::vector<std::uint64_t> positions;
  const std::string prefix = std::string(stream) + '\0';
  Status bad;
  BL_RETURN_IF_ERROR(t_.stream_index.scan(txn, prefix, [&](std::string_view key, std::string_view value) {
    if (!key.starts_with(prefix)) return false;
    auto entry = decode_stream_index_value(value);
    if (!entry) {
      bad = Status::Corruption("unreadable stream index entry of " + std::string(stream));
      return false;
    }
    if (entry->occurred_at > until) return false;
    positions.push_back(entry->position);
    return true;
  }));
  BL_RETURN_IF_ERROR(bad);
  std::vector<Event> out;
  out.reserve(positions.size());
  for (std::uint64_t p : positions) {
    BL_ASSIGN_OR_RETURN(auto event, get_at(txn, p));
    if (!event) return Status::Corruption("stream index points at missing position " + std::to_string(p));
    out.push_back(std::move(*event));
  }
  return out;
}

Status EventLog::for_each(const Txn& txn, std::uint64_t after,
                          const std::function<bool(const EventView&)>& visit) const {
  Status bad;
  BL_RETURN_IF_ERROR(t_.events.scan(txn, position_key(after + 1), [&](std::string_view, std::string_view value) {
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
  BL_RETURN_IF_ERROR(t_.streams.scan_prefix(txn, prefix, [&](std::string_view name, std::string_view value) {
    auto version = decode_u64(value);
    if (!version) {
      bad = Status::Corruption("unreadable head of stream " + std::string(name));
      return false;
    }
    return visit(name, *version);
  }));
  return bad;
}

Result<std::optional<AppendResult>> EventLog::find_command(const Txn& txn,
                                                           std::string_view command_id) const {
  BL_ASSIGN_OR_RETURN(auto stored, t_.commands.get(txn, command_id));
  if (!stored) return std::optional<AppendResult>();
  auto result = decode_append_result(*stored);
  if (!result) return Status::Corruption("unreadable result of command " + std::string(command_id));
  return std::optional<AppendResult>(std::move(*result));
}

Result<VerifyReport> EventLog::verify(const Txn& txn) const {
  VerifyReport report;
  auto fail = [&](std::uint64_t position, std::string problem) {
    report.ok = false;
    report.first_bad_position = position;
    report.problem = std::move(problem);
    return false;
  };
  Status lookup;
  BL_RETURN_IF_ERROR(t_.events.scan(txn, "", [&](std::string_view key, std::string_view value) {
    const std::uint64_t expected = report.head.position + 1;
    auto position = decode_position_key(key);
    if (!position) return fail(expected, "unreadable key");
    if (*position != expected) return fail(expected, "position " + std::to_string(expected) + " is missing");
    auto ev = decode_event_value(value);
    if (!ev) return fail(expected, "unreadable record");
    if (ev->position != expected)
      return fail(expected, "record says position " + std::to_string(ev->position));
    if (ev->prev_hash != report.head.hash) return fail(expected, "prev_hash is not the previous event's hash");
    if (sha256(hashed_part(value)) != ev->hash) return fail(expected, "hash does not match the event's bytes");
    auto indexed = t_.stream_index.get(txn, stream_index_key(ev->stream, ev->version));
    if (!indexed.ok()) {
      lookup = indexed.status();
      return false;
    }
    auto entry = *indexed ? decode_stream_index_value(**indexed) : std::nullopt;
    if (!entry || entry->position != expected)
      return fail(expected, "the stream index does not point at this event");
    report.head = {expected, ev->hash};
    ++report.events;
    return true;
  }));
  BL_RETURN_IF_ERROR(lookup);
  if (report.ok) {
    BL_ASSIGN_OR_RETURN(std::uint64_t indexed, t_.stream_index.count(txn));
    if (indexed != report.events)
      fail(0, "the stream index has " + std::to_string(indexed) + " entries for " +
                  std::to_string(report.events) + " events");
  }
  return report;
}

}  // namespace brandledger::storage
