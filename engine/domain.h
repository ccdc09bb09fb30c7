// What a domain plugs into the engine: command handlers that decide, aggregate states that
// events rebuild, projections that keep views, and upcasters that bring old event data to
// the current schema. The workflows provide the BrandLedger domain; tests provide small ones.
//
// Thread safety: a Domain is built before the engine starts and never changed after; the
// engine calls handlers and projections from its single writer thread only, and upcasters
// and aggregates from any thread.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "engine/command.h"
#include "engine/views.h"
#include "storage/event.h"

namespace brandledger::engine {

class AggregateState;
class Engine;

// An event as projections and aggregates see it: the stored envelope, and its data parsed
// and upcast to the current schema. Projections also get the stream's aggregate as this
// event left it (`after`; null for aggregates), so that a view is rendered by the same
// code that decides, not by a second copy of the rules.
struct RecordedEvent {
  const storage::EventView& envelope;
  const boost::json::object& data;
  const AggregateState* after = nullptr;
  // Set by a rebuild, which replays the whole log and then calls Projection::flush;
  // `after` then stays valid, and up to date with the stream, until that flush.
  bool replaying = false;
};

// The state of one stream, rebuilt by applying its events in order. apply() must be a pure
// function of the state and the event: replay has no side effects.
class AggregateState {
 public:
  virtual ~AggregateState() = default;
  virtual std::unique_ptr<AggregateState> clone() const = 0;
  virtual void apply(const RecordedEvent& event) = 0;
};

using AggregateFactory = std::function<std::unique_ptr<AggregateState>()>;

// A stream's state with the version it reflects (0: no events yet).
struct StreamState {
  std::uint64_t version = 0;
  std::shared_ptr<const AggregateState> state;

  template <class T>
  const T* as() const {
    return dynamic_cast<const T*>(state.get());
  }
};

// A stream's aggregate as a rebuild leaves it, and the version it reflects.
struct ReplayedStream {
  std::string_view stream;
  const AggregateState* state;
  std::uint64_t version;
};

// Keeps views: a deterministic function of the events, so that a rebuild from the log
// writes byte for byte what was written inline.
class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::vector<std::string> tables() const = 0;
  // Tables of position sets (storage::Table::add_position) it writes, beside tables().
  virtual std::vector<std::string> position_sets() const { return {}; }
  virtual Status apply(const RecordedEvent& event, ViewWriter& views) = 0;
  // Replaying (a rebuild), a projection may write what depends only on an aggregate's
  // latest state — a document rendered from it — here, once after the last event, from
  // every stream's final aggregate (in stream order), instead of at each of its events: a
  // brand with a hundred events is rendered once, not a hundred times. (A rebuild cut
  // short is done again from the start, so the views need not be whole before.) Inline,
  // everything is written in apply: a command's answer reads its document at once.
  // Nothing may read, while replaying, what flush writes.
  virtual Status flush(std::span<const ReplayedStream> /*streams*/, ViewWriter&) {
    return Status::Ok();
  }
};

// Old event data to current, one schema step at a time.
class Upcasters {
 public:
  // `step` turns data of `type` at schema `from` into schema `from + 1`.
  void add(std::string type, std::uint32_t from, std::function<void(boost::json::object&)> step);
  // The schema new events of this type are written with.
  std::uint32_t current(std::string_view type) const;
  // REQUIRES: schema <= current(type).
  void upcast(std::string_view type, std::uint32_t schema, boost::json::object& data) const;

 private:
  std::map<std::pair<std::string, std::uint32_t>, std::function<void(boost::json::object&)>,
           std::less<>>
      steps_;
  std::map<std::string, std::uint32_t, std::less<>> current_;
};

// Thrown by a handler when reading state or views failed in storage: the engine answers
// the command with that error instead of refusing it.
class StorageFailure : public std::runtime_error {
 public:
  explicit StorageFailure(Status status)
      : std::runtime_error(status.to_string()), status_(std::move(status)) {}
  const Status& status() const { return status_; }

 private:
  Status status_;
};

class DecideContext {
 public:
  virtual ~DecideContext() = default;
  virtual Timestamp now() const = 0;
  // The stream as every command accepted before this one left it.
  virtual Result<StreamState> load(std::string_view stream) = 0;
  virtual const ViewReader& views() const = 0;
  // A value of the secrets table, as the commands before this one left it.
  virtual Result<std::optional<std::string>> secret(std::string_view key) const = 0;
  // Every secret whose key starts with `prefix`, in key order, as the commands before this
  // one left them; `visit` returns false to stop.
  using SecretVisitor = std::function<bool(std::string_view key, std::string_view value)>;
  virtual Status scan_secrets(std::string_view prefix, const SecretVisitor& visit) const = 0;
};

using CommandHandler = std::function<Decision(const Command&, DecideContext&)>;

// A stream's entity as the API shows it (JSON text), from its aggregate at `version` and
// the views as they stand right after it: a domain whose projections keep the document
// can answer with those bytes instead of rendering it again.
using EntityRenderer = std::function<Result<std::string>(
    const AggregateState&, std::uint64_t version, const ViewReader& views)>;

struct Domain {
  std::map<std::string, CommandHandler, std::less<>> handlers;
  // By stream-name prefix ("brand-"); the longest matching prefix wins.
  std::vector<std::pair<std::string, AggregateFactory>> aggregates;
  std::vector<std::shared_ptr<Projection>> projections;
  Upcasters upcasters;
  // By stream-name prefix: the entity a command's answer carries (CommandOutcome::entity),
  // rendered right after the command's events, so no answer has to replay its stream.
  std::vector<std::pair<std::string, EntityRenderer>> renderers;
  // The version of what the projections write. Bump it whenever a projection changes its
  // tables or what it writes in them: the engine rebuilds every view of a data dir whose
  // views carry another version (or none) when it opens it for writing.
  std::uint32_t views_version = 1;
  // Run at every writable open, each in a write transaction of its own, after the views are
  // current and before the writer starts: one-time moves of the domain's own data (e.g.
  // credentials older versions logged). They keep their own markers of what is done.
  std::vector<std::function<Status(const Engine&, storage::WriteTxn&)>> on_open;

  // Every view table the projections (and the engine's timers) use.
  std::vector<storage::ViewTableSpec> view_tables() const;
};

}  // namespace brandledger::engine
