// The engine's contract with the domain: what a command is, what a decision is, how a
// refusal is typed. The workflows implement handlers against it; the API builds commands.
//
// Thread safety: plain values.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
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
  // What identifies the request that carried the key (storage::kRequestDigestSize bytes, the
  // API's digest of method, path and body), or empty. A key seen before with another digest
  // is refused 422 idempotency_key_reused: never the answer to a different request.
  std::string request_digest;
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
  std::string field;   // the argument at fault, for kInvalid ("" when none)
  // The detail in Chinese, for callers who prefer it (API.md: Accept-Language: zh); ""
  // leaves it to the API's sentence for `code`.
  std::string detail_zh = {};
  // When the rule stops refusing on its own (cooling-off, a notice's end); a caller can
  // show the date (GET /v1/brands/{id}/actions "until", the problem's "until").
  std::optional<Timestamp> until = {};
};

// Thrown by a handler for a malformed argument: the command is refused (kInvalid, `code`,
// naming the field). Any other exception out of a handler is a defect in the server, never
// blamed on the caller: the command fails with Status::Internal and the batch goes on.
class ArgumentError : public std::invalid_argument {
 public:
  ArgumentError(std::string field, const std::string& what, std::string code = "invalid_field")
      : std::invalid_argument(field + ": " + what),
        field_(std::move(field)),
        code_(std::move(code)) {}
  const std::string& field() const { return field_; }
  const std::string& code() const { return code_; }

 private:
  std::string field_;
  std::string code_;
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

// A write to the secrets table (storage::LogTables::secrets) in the command's transaction:
// credentials go there, never into an event. No value: erase the key.
struct SecretWrite {
  std::string key;
  std::optional<std::string> value;
};

struct Decision {
  std::vector<EventDraft> events;
  std::vector<StreamGuard> guards;
  // Applied only with the events (a rejection writes none), and never replayed: a rebuild
  // leaves the secrets table as it is.
  std::vector<SecretWrite> secrets;
  std::optional<Rejection> rejection;
  // Anything the caller should get back beyond the positions (e.g. a new objection's id).
  boost::json::value reply;

  static Decision reject(RejectionKind kind, std::string code, std::string detail,
                         std::string detail_zh = {}) {
    Decision d;
    d.rejection = Rejection{kind, std::move(code), std::move(detail), {}, std::move(detail_zh)};
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
