// Internal to api/: what the route files share.
#pragma once

#include <boost/json.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/api.h"
#include "api/auth.h"
#include "api/problem.h"
#include "engine/views.h"

namespace brandledger::api {

// One request on its way through a handler.
struct Call {
  Api::Impl& api;
  Request req;
  std::vector<std::string> params;  // the path's {captures}, in order
  engine::Actor actor;
  Reply reply;
  // Set when the caller came in with a session cookie (not a bearer token).
  std::optional<SessionCaller> session;
  // What the caller authenticated with, as Authenticator::recheck takes it.
  std::string credential;
  // What an Idempotency-Key is bound to besides method and path: the body, or for a body
  // that carries a password, the body without it (a digest of a password is not stored).
  std::optional<std::string> digest_body;

  const std::string& param(std::size_t i) const { return params.at(i); }
};
using CallPtr = std::shared_ptr<Call>;
using RouteHandler = std::function<void(const CallPtr&)>;

struct Route {
  std::string method;
  std::vector<std::string> pattern;  // path segments; "{}" captures one
  bool authenticated = true;
  RouteHandler handler;
};

struct Api::Impl {
  Impl(engine::Engine& e, Post p, ApiOptions o)
      : engine(e), post(std::move(p)), options(std::move(o)), auth(e) {}

  engine::Engine& engine;
  Post post;
  ApiOptions options;
  std::vector<Route> routes;

  // Destroyed first (in reverse order: the worker, then auth and its password threads),
  // since their jobs use the engine and `post`. The engine must have stopped by then: a
  // drained job's command is then answered at once, not later into a freed Api.
  Authenticator auth;
  // Jobs that wait on the engine's writer (advancing the manual clock fires the due timers
  // through it, verify rebuilds views in a scratch copy), one at a time, in order.
  JobThreads worker{"bl-api-worker", 1};
  // Export files (format=csv|xlsx): minutes for a large log, so never on a server thread;
  // two at a time, a few waiting, the rest told to come back (503).
  JobThreads exports{"bl-exports", 2, 8};

  void add(std::string method, std::string_view path, RouteHandler handler,
           bool authenticated = true);
  void dispatch(Request request, Reply reply);
};

void add_org_routes(Api::Impl& api);
void add_account_routes(Api::Impl& api);
void add_brand_routes(Api::Impl& api);
void add_round_routes(Api::Impl& api);
void add_report_routes(Api::Impl& api);
void add_log_routes(Api::Impl& api);

// --- helpers for the route files ---

// Whether the request's Origin, when it has one, is this server's own: the public origin
// when one is set, else http(s)://<Host>. Browsers send Origin on every cross-site POST,
// PUT, PATCH and DELETE.
bool same_origin(const Request& req, const ApiOptions& options);
// Session cookies are `Secure` when served over TLS or behind an https public origin.
bool secure_cookies(const ApiOptions& options);

Response json_response(unsigned status, const boost::json::value& body);
// With "version" taken from the body for the ETag.
Response entity_response(unsigned status, const boost::json::object& body);
// An entity already in JSON text (a stored document), at `version` for the ETag.
Response entity_response(unsigned status, std::string json_text, std::uint64_t version);

// The org or user document `id` of that view table, answered with `status`; 404 when there
// is none, 503 when it cannot be read.
Response view_document(engine::Engine& engine, std::string_view table, const std::string& id,
                       unsigned status);

// The body as a JSON object: 400 invalid_utf8 (not UTF-8) or invalid_json (malformed,
// nested deeper than 32, not an object) answered through call->reply when not.
std::optional<boost::json::object> body_object(const CallPtr& call);

inline engine::Command make_command(std::string type, std::string stream,
                                    boost::json::object args = {}) {
  engine::Command c;
  c.type = std::move(type);
  c.stream = std::move(stream);
  c.args = std::move(args);
  return c;
}

// A command on behalf of the caller: its role, the request's Idempotency-Key and
// If-Match, the body's comment. `done` builds the answer from the accepted outcome, on
// the server's threads; refusals and failures are answered here.
void run_command(const CallPtr& call, engine::Command command,
                 std::function<Response(const engine::CommandOutcome&)> done);

// A read transaction for queries; nullopt (answered 503) when storage refuses one.
std::optional<storage::ReadTxn> read_txn(const CallPtr& call);

// The role gate of read endpoints: 403 unless the caller's role is listed.
bool require_roles(const CallPtr& call, std::initializer_list<std::string_view> roles);

// Whether the caller sees every score (committee, auditor, admin: DOMAIN.md "Scores are
// confidential"); the others see finals and ranks only once a round's notice is out.
bool sees_scores(const engine::Actor& actor);

// Whether the caller may see this brand document (its unit or branch scope).
bool can_see_brand(const engine::Actor& actor, const boost::json::object& brand);
// The same, given the brand's unit and branch.
bool can_see(const engine::Actor& actor, std::string_view unit, std::string_view branch);

// The stream's state rendered as API.md's entity after `version` (the state the command
// that reached it left), replayed from the log.
Result<boost::json::object> brand_at_version(engine::Engine& engine, const std::string& id,
                                             std::uint64_t version);
Result<boost::json::object> round_at_version(engine::Engine& engine, const std::string& id,
                                             std::uint64_t version);

// The head version a command left `stream` at (0 when it did not touch it).
std::uint64_t version_after(const engine::CommandOutcome& outcome, std::string_view stream);

std::optional<std::size_t> limit_param(const CallPtr& call, std::size_t fallback, std::size_t max);
// An RFC 3339 time; a date alone (2025-01-01) is the end of that day in Asia/Shanghai.
// nullopt (answered 400 naming the parameter) when unparsable.
std::optional<Timestamp> time_param(const CallPtr& call, std::string_view name);
// The `format` asked for: "" for JSON (absent or "json"), or one of `files` this endpoint
// writes; anything else is answered 400 naming `format` and the formats offered.
std::optional<std::string> format_param(const CallPtr& call, std::span<const std::string_view> files);
// The formats every export offers (API.md): format_param(call, kFileFormats).
inline constexpr std::string_view kFileFormats[] = {"csv", "xlsx"};
// Writes an export file on the export threads, from one read transaction (a consistent
// snapshot, however long the writing takes), and answers with it: 503 when too many are
// being written or it could not be written (a full temporary directory), 500 for a fault.
using FileMaker = std::function<Result<Response>(const storage::ReadTxn& txn)>;
void reply_file(const CallPtr& call, FileMaker make);

// API.md's event shape.
boost::json::object event_json(const engine::Engine& engine, const storage::Event& event);

// --- who reads which events (API.md "The log"); log_routes.cpp ---

// Committee, auditor and admin read every event; a unit user its subtree's and a branch user
// its brand's (the orgs the audit index files each event under), which never include score
// events (those are in round streams); other roles none.
bool reads_every_event(const engine::Actor& reader);
bool reads_scoped_events(const engine::Actor& reader);

// The events after position `after` that `reader` may read, at most `limit`, in API.md's
// shape with unpublished results hidden; `more` when others follow.
struct ReadableEvents {
  boost::json::array items;
  std::uint64_t last = 0;  // the position of the last item (0: none)
  bool more = false;
};
Result<ReadableEvents> readable_events(const engine::Engine& engine, const storage::ReadTxn& txn,
                                       const engine::Actor& reader, std::uint64_t after,
                                       std::size_t limit);

// For a reader who does not see every score: takes a brand's rank and final out of an
// event or audit entry (its "type" and "data") while the notice of the round that ranked it
// is not published (DOMAIN.md: units and branches see them once the notice is out).
Status hide_unpublished_results(const engine::Engine& engine, const storage::ReadTxn& txn,
                                const engine::Actor& reader, boost::json::object& entry);

}  // namespace brandledger::api
