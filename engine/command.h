// The engine's contract with the domain: what a command is, what a decision is, how a
// refusal is typed. The workflows implement handlers against it; the API builds commands.
//
// Thread safety: plain values.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "storage/event.h"

namespace brandledger::engine {

using storage::Actor;

struct Command {
  std::string type;    // e.g. "brand.submit"
  std::string stream;  // the target stream, e.g. "brand-b1"
  Actor actor;
  // When set, the command is refused with kVersionMismatch unless `stream` is at it.
  std::optional<std::uint64_t> expected_version;
  // When set, a retry with the same key (from the same actor) gets the first answer and
  // appends nothing.
  std::string idempotency_key;
  std::string correlation_id;
  std::string comment;
  boost::json::object args;
  // The business time of the events; the engine's clock when unset (timers set their due time).
  std::optional<Timestamp> occurred_at;
  // The id of the timer this command fires. Only the engine's timer loop sets it, and only
  // such a command may act as the `system` actor: no request can claim a timer's authority
  // by the name of its actor or an argument.
  std::optional<std::string> fired_timer;
};

enum class RejectionKind {
  kInvalid,            // 400: malformed arguments
  kForbidden,          // 403: role or scope does not allow it
  kNotFound,           // 404
  kIllegalTransition,  // 409: not allowed in the current state
  kDuplicate,          // 409: the id is taken
  kVersionMismatch,    // 412: the expected version did not hold
  kRule,               // 422: a business rule says no
};

struct Rejection {
  RejectionKind kind = RejectionKind::kRule;
  std::string code;    // machine readable, e.g. "incomplete_four_haves"
  std::string detail;  // for people
  std::string field;   // the argument at fault, when one is (e.g. "comment"); else empty
};

// One event a decision wants appended.
struct EventDraft {
  std::string stream;
  std::string type;
  boost::json::object data;
};

// Extra guard: the decision holds only while `stream` is at `version`.
struct StreamGuard {
  std::string stream;
  std::uint64_t version = 0;
};

struct Decision {
  std::vector<EventDraft> events;
  std::vector<StreamGuard> guards;
  std::optional<Rejection> rejection;
  // Anything the caller should get back beyond the positions (e.g. a new objection's id).
  boost::json::value reply;

  static Decision reject(RejectionKind kind, std::string code, std::string detail) {
    Decision d;
    d.rejection = Rejection{kind, std::move(code), std::move(detail), {}};
    return d;
  }
};

// What the engine answers each command.
struct CommandOutcome {
  std::optional<Rejection> rejection;  // refused: nothing was appended
  Status error;                        // the engine failed (storage); nothing was appended
  storage::AppendResult append;        // when accepted: positions and stream heads
  boost::json::value reply;            // the decision's reply
  // The target stream's entity just after this command, as JSON text (Domain::renderers);
  // empty when the stream has no renderer, the command changed nothing, or it was a
  // duplicate.
  std::string entity;
  Timestamp occurred_at{};

  bool accepted() const { return !rejection && error.ok(); }
};

}  // namespace brandledger::engine
