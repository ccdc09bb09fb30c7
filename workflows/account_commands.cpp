// Users and their credentials: creating and changing users, passwords, API tokens and
// browser sessions. Every secret goes to the secrets table (credentials.h) in the same
// transaction as the events that say, without it, what happened and who did it.
//
// Hashing a password is slow by design (Argon2id): the API hashes and verifies off the
// writer's thread and hands these commands only the results. A verification is bound to the
// stored record it was made against (password_stamp), so a password changed in between
// voids it rather than letting an old password through.
#include <boost/json.hpp>

#include <algorithm>
#include <tuple>

#include "workflows/credentials.h"
#include "workflows/decide.h"
#include "workflows/lookups.h"

namespace brandledger::workflows {
namespace {

// Whether the actor may manage `user`'s own credentials: the user itself, or an admin.
bool self_or_admin(const engine::Actor& actor, std::string_view user) {
  return actor.id == user || role_of(actor) == Role::kAdmin;
}

Loaded<UserState> existing_user(DecideContext& ctx, std::string_view id) {
  return load<UserState>(ctx, user_stream(std::string(id)));
}

std::string secret_or_throw(const DecideContext& ctx, std::string_view key, bool* found) {
  auto value = ctx.secret(key);
  if (!value.ok()) throw engine::StorageFailure(value.status());
  *found = value->has_value();
  return value->value_or("");
}

// The org a user of `role` may belong to: its scope. Nullopt when `org` fits; a refusal
// otherwise. An expert's org is its home unit, whose brands it never scores (回避), or the
// committee, for experts from the committee itself or from outside the programme (党校,
// universities), who recuse from no unit. An administrator may belong to no org: the first
// one is made before any org exists.
std::optional<Decision> check_scope(DecideContext& ctx, const std::string& role,
                                    const std::string& org) {
  if (org.empty()) {
    if (role == "admin") return std::nullopt;
    throw ArgumentError("org", "is required for role " + role);
  }
  auto o = load<OrgState>(ctx, org_stream(org));
  if (!o->exists) return not_found("org " + org);
  if (o->dissolved) return rule("org_dissolved", "org " + org + " was dissolved");
  if (role == "admin") return std::nullopt;
  if (role == "expert") {
    if (o->kind != "unit" && o->kind != "committee")
      return rule("invalid_org", "an expert user belongs to a unit or to the committee");
    return std::nullopt;
  }
  const std::string expected = role == "unit" ? "unit" : role == "branch" ? "branch" : "committee";
  if (o->kind != expected) return rule("invalid_org", "a " + role + " user belongs to a " + expected);
  return std::nullopt;
}

// An Argon2id hash the API made: the only form a password reaches a command in.
std::string checked_password_hash(const boost::json::object& args) {
  std::string hash = arg_required(args, "password_hash");
  if (!hash.starts_with("$argon2id$"))
    throw ArgumentError("password_hash", "must be an encoded Argon2id hash");
  return hash;
}

// Ends the user's sessions (all, or all but `keep`): their secrets go, and an event per
// session says which ended and why.
void end_sessions(DecideContext& ctx, Decision& d, const std::string& user,
                  std::string_view reason, std::string_view keep = {}) {
  struct Found {
    std::string id, hash;
  };
  std::vector<Found> sessions;
  const std::string prefix = user_session_key(user, "");
  Status s = ctx.scan_secrets(prefix, [&](std::string_view key, std::string_view hash) {
    sessions.push_back({std::string(key.substr(prefix.size())), std::string(hash)});
    return true;
  });
  if (!s.ok()) throw engine::StorageFailure(s);
  for (const Found& f : sessions) {
    if (f.id == keep) continue;
    d.events.push_back(
        {user_stream(user), "SessionEnded", {{"session", f.id}, {"reason", std::string(reason)}}});
    d.secrets.push_back({session_key(f.hash), std::nullopt});
    d.secrets.push_back({user_session_key(user, f.id), std::nullopt});
  }
}

Decision create_user(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kAdmin})) return refuse(*r);
  const std::string id = arg_id(c.args, "id");
  if (id == "system" || id == "operator") throw ArgumentError("id", "is reserved");
  const std::string name = arg_required(c.args, "name", kMaxNameChars);
  const std::string role = arg_required(c.args, "role");
  if (!is_user_role(role))
    throw ArgumentError("role", "is admin, committee, unit, branch, expert or auditor");
  const std::string org =
      role == "admin" ? arg_string(c.args, "org").value_or("") : arg_required(c.args, "org");
  // The API makes the token, shows it once and passes only its hash and a short id.
  const std::string token_sha256 = arg_required(c.args, "token_sha256");
  if (token_sha256.size() != 64) throw ArgumentError("token_sha256", "must be 64 hex digits");
  const std::string token_id = arg_required(c.args, "token_id");
  std::optional<std::string> password_hash;
  if (c.args.contains("password_hash")) password_hash = checked_password_hash(c.args);
  if (existing_user(ctx, id)->exists)
    return reject(RejectionKind::kDuplicate, "duplicate", "user " + id + " exists");
  if (auto refused = check_scope(ctx, role, org)) return std::move(*refused);

  // The events say who the user is and that a token was issued; the hash goes to secrets.
  Decision d;
  d.events.push_back({user_stream(id),
                      "UserCreated",
                      {{"id", id}, {"name", name}, {"role", role}, {"org", org}}});
  d.events.push_back({user_stream(id), "TokenIssued", {{"token", token_id}, {"name", "初始令牌"}}});
  d.secrets = issue_token({id, token_id, "初始令牌", ctx.now(), std::nullopt}, token_sha256);
  if (password_hash) {
    d.events.push_back({user_stream(id), "PasswordSet", {{"self", false}}});
    d.secrets.push_back({password_key(id), encode(PasswordRecord{*password_hash, ctx.now(), c.actor.id})});
  }
  return d;
}

// PATCH /v1/users/{id}: name, role, org, disabled. Disabling ends every session at once
// (tokens are kept but refused while disabled: enabling restores them).
Decision update_user(const engine::Command& c, DecideContext& ctx) {
  if (auto r = require_role(c.actor, {Role::kAdmin})) return refuse(*r);
  const std::string id(stream_id(c.stream));
  auto user = existing_user(ctx, id);
  if (!user->exists) return not_found("user " + id);

  std::string name = user->name, role = user->role, org = user->org;
  if (c.args.contains("name")) name = arg_required(c.args, "name", kMaxNameChars);
  if (c.args.contains("role")) {
    role = arg_required(c.args, "role");
    if (!is_user_role(role))
      throw ArgumentError("role", "is admin, committee, unit, branch, expert or auditor");
  }
  if (const auto* o = c.args.if_contains("org")) {
    if (o->is_null()) org.clear();
    else org = arg_string(c.args, "org").value_or("");
  }
  const std::optional<bool> disabled = arg_bool(c.args, "disabled");
  if (c.args.contains("disabled") && !disabled)
    throw ArgumentError("disabled", "must be true or false");
  for (const auto& [key, value] : c.args)
    if (key != "name" && key != "role" && key != "org" && key != "disabled" && key != "comment")
      throw ArgumentError(std::string(key), "is not a field of a user (name, role, org, disabled)");

  const bool disabling = disabled && *disabled && !user->disabled;
  const bool enabling = disabled && !*disabled && user->disabled;
  if (role != user->role || org != user->org)
    if (auto refused = check_scope(ctx, role, org)) return std::move(*refused);
  const bool loses_admin = user->role == "admin" && !user->disabled && (role != "admin" || disabling);
  if (loses_admin && enabled_admins_other_than(ctx.views(), id) == 0)
    return rule("last_admin", "user " + id +
                                  " is the last enabled administrator; make another one first");

  Decision d;
  boost::json::object changes;
  auto note = [&](std::string_view field, const std::string& from, const std::string& to) {
    if (from != to) changes[field] = {{"from", from}, {"to", to}};
  };
  note("name", user->name, name);
  note("role", user->role, role);
  note("org", user->org, org);
  if (!changes.empty())
    d.events.push_back({std::string(c.stream), "UserChanged", {{"changes", std::move(changes)}}});
  if (disabling) {
    d.events.push_back({std::string(c.stream), "UserDisabled", boost::json::object{}});
    end_sessions(ctx, d, id, "disabled");
  }
  if (enabling) d.events.push_back({std::string(c.stream), "UserEnabled", boost::json::object{}});
  // Who the user is changed, or it may no longer act: callers the API remembers go stale.
  if (!d.events.empty()) d.secrets.push_back(next_credentials_epoch(ctx));
  return d;  // nothing changed: accepted, nothing recorded
}

// PUT /v1/users/{id}/password. An admin sets another's; a user changes its own (an admin
// too, once it has one), which the API has verified against the stored record
// `verified_stamp` names: a stolen session alone cannot take the account over. Every other
// session of the user ends (all of them when another set it).
Decision set_password(const engine::Command& c, DecideContext& ctx) {
  const std::string id(stream_id(c.stream));
  const bool self = c.actor.id == id;
  if (!self && role_of(c.actor) != Role::kAdmin)
    return refuse(forbidden("only the user itself or an administrator sets its password"));
  const std::string hash = checked_password_hash(c.args);
  auto user = existing_user(ctx, id);
  if (!user->exists) return not_found("user " + id);
  bool found = false;
  const std::string stored = secret_or_throw(ctx, password_key(id), &found);
  // A user's first password is set by an administrator; an administrator sets its own
  // first one (made by a bootstrap token, it has none) without a current one.
  if (self && (found || role_of(c.actor) != Role::kAdmin)) {
    const std::string stamp = arg_string(c.args, "verified_stamp").value_or("");
    if (!found || stamp != password_stamp(stored))
      return reject(RejectionKind::kForbidden, "invalid_credentials",
                    "the current password does not match");
  }
  Decision d;
  d.events.push_back({std::string(c.stream), "PasswordSet", {{"self", c.actor.id == id}}});
  end_sessions(ctx, d, id, "password_changed",
               c.actor.id == id ? arg_string(c.args, "keep_session").value_or("") : "");
  d.secrets.push_back({password_key(id), encode(PasswordRecord{hash, ctx.now(), c.actor.id})});
  d.secrets.push_back(next_credentials_epoch(ctx));
  return d;
}

// POST /v1/users/{id}/tokens: another named token (its hash made by the API).
Decision issue_named_token(const engine::Command& c, DecideContext& ctx) {
  const std::string id(stream_id(c.stream));
  if (!self_or_admin(c.actor, id))
    return refuse(forbidden("only the user itself or an administrator issues its tokens"));
  const std::string name = arg_required(c.args, "name", kMaxNameChars);
  const std::string token_sha256 = arg_required(c.args, "token_sha256");
  if (token_sha256.size() != 64) throw ArgumentError("token_sha256", "must be 64 hex digits");
  const std::string token_id = arg_required(c.args, "token_id");
  auto user = existing_user(ctx, id);
  if (!user->exists) return not_found("user " + id);
  std::size_t tokens = 0;
  Status s = ctx.scan_secrets(user_token_key(id, ""), [&](std::string_view, std::string_view) {
    ++tokens;
    return true;
  });
  if (!s.ok()) throw engine::StorageFailure(s);
  if (tokens >= kMaxTokensPerUser)
    return rule("too_many_tokens", "user " + id + " has " + std::to_string(tokens) +
                                       " tokens; revoke one first");
  bool taken = false;
  secret_or_throw(ctx, user_token_key(id, token_id), &taken);
  if (taken) return reject(RejectionKind::kDuplicate, "duplicate", "token id " + token_id + " is taken");
  Decision d;
  d.events.push_back({std::string(c.stream), "TokenIssued", {{"token", token_id}, {"name", name}}});
  d.secrets = issue_token({id, token_id, name, ctx.now(), std::nullopt}, token_sha256);
  return d;
}

// DELETE /v1/users/{id}/tokens/{tid}.
Decision revoke_token(const engine::Command& c, DecideContext& ctx) {
  const std::string id(stream_id(c.stream));
  if (!self_or_admin(c.actor, id))
    return refuse(forbidden("only the user itself or an administrator revokes its tokens"));
  const std::string token_id = arg_required(c.args, "token");
  bool found = false;
  const std::string hash = secret_or_throw(ctx, user_token_key(id, token_id), &found);
  if (!found) return not_found("token " + token_id + " of user " + id);
  Decision d;
  d.events.push_back({std::string(c.stream), "TokenRevoked", {{"token", token_id}}});
  d.secrets.push_back({token_key(hash), std::nullopt});
  d.secrets.push_back({user_token_key(id, token_id), std::nullopt});
  d.secrets.push_back(next_credentials_epoch(ctx));
  return d;
}

// POST /v1/session, once the API verified the password against the record `password_stamp`
// names: the session's secret (its cookie's hash and CSRF token) and the login log's entry.
// Sessions the user left to expire, and the oldest past kMaxSessionsPerUser, end here.
Decision start_session(const engine::Command& c, DecideContext& ctx) {
  const std::string id(stream_id(c.stream));
  if (c.actor.id != id) return refuse(forbidden("a session is started by its own user"));
  const std::string session_sha256 = arg_required(c.args, "session_sha256");
  if (session_sha256.size() != 64) throw ArgumentError("session_sha256", "must be 64 hex digits");
  const std::string session_id = arg_required(c.args, "session_id");
  const std::string csrf = arg_required(c.args, "csrf");
  const std::string address = arg_string(c.args, "address").value_or("");
  std::string user_agent = arg_string(c.args, "user_agent").value_or("");
  if (char_count(user_agent) > 300) user_agent.resize(300);  // a log entry, not a payload
  while (!user_agent.empty() && (static_cast<unsigned char>(user_agent.back()) & 0xC0) == 0x80)
    user_agent.pop_back();
  if (!user_agent.empty() && (static_cast<unsigned char>(user_agent.back()) & 0x80))
    user_agent.pop_back();  // a cut lead byte

  auto user = existing_user(ctx, id);
  bool found = false;
  const std::string stored = secret_or_throw(ctx, password_key(id), &found);
  if (!user->exists || user->disabled || !found ||
      arg_string(c.args, "password_stamp").value_or("") != password_stamp(stored))
    return reject(RejectionKind::kForbidden, "invalid_credentials",
                  "wrong user id or password");

  Decision d;
  d.events.push_back({std::string(c.stream),
                      "SessionStarted",
                      {{"session", session_id}, {"address", address}, {"user_agent", user_agent}}});
  // The user's sessions, oldest first; the expired ones and the surplus end now.
  struct Held {
    std::string id, hash;
    Timestamp created_at;
    std::uint64_t serial;
    bool live;
  };
  std::vector<Held> held;
  const std::string prefix = user_session_key(id, "");
  Status s = ctx.scan_secrets(prefix, [&](std::string_view key, std::string_view hash) {
    held.push_back({std::string(key.substr(prefix.size())), std::string(hash), {}, 0, false});
    return true;
  });
  if (!s.ok()) throw engine::StorageFailure(s);
  for (Held& h : held) {
    bool there = false;
    const std::string text = secret_or_throw(ctx, session_key(h.hash), &there);
    auto record = there ? decode_session(text) : std::nullopt;
    if (record) {
      h.created_at = record->created_at;
      h.serial = record->serial;
      // last_seen is written out only now and then: allow for what memory had not written.
      h.live = record->live_at(ctx.now(), record->last_seen + std::chrono::minutes(5));
    }
  }
  std::sort(held.begin(), held.end(), [](const Held& a, const Held& b) {
    return std::tie(a.created_at, a.serial) < std::tie(b.created_at, b.serial);
  });
  std::size_t live = std::count_if(held.begin(), held.end(), [](const Held& h) { return h.live; });
  for (const Held& h : held) {
    const bool surplus = h.live && live >= kMaxSessionsPerUser;
    if (h.live && !surplus) continue;
    if (surplus) --live;
    d.events.push_back({std::string(c.stream),
                        "SessionEnded",
                        {{"session", h.id}, {"reason", surplus ? "limit" : "expired"}}});
    d.secrets.push_back({session_key(h.hash), std::nullopt});
    d.secrets.push_back({user_session_key(id, h.id), std::nullopt});
  }
  // Sessions ended here must stop at once, like any other: the API's cache goes stale.
  if (d.events.size() > 1) d.secrets.push_back(next_credentials_epoch(ctx));
  bool taken = false;
  secret_or_throw(ctx, user_session_key(id, session_id), &taken);
  if (taken) return reject(RejectionKind::kDuplicate, "duplicate", "session id " + session_id + " is taken");
  SessionRecord record{id,      session_id, csrf, ctx.now(), ctx.now(), address, user_agent,
                       user.version() + 1};
  d.secrets.push_back({session_key(session_sha256), encode(record)});
  d.secrets.push_back({user_session_key(id, session_id), session_sha256});
  return d;
}

// DELETE /v1/session: logging out.
Decision end_session(const engine::Command& c, DecideContext& ctx) {
  const std::string id(stream_id(c.stream));
  if (c.actor.id != id) return refuse(forbidden("a session is ended by its own user"));
  const std::string session_id = arg_required(c.args, "session");
  bool found = false;
  const std::string hash = secret_or_throw(ctx, user_session_key(id, session_id), &found);
  if (!found) return not_found("session " + session_id);
  Decision d;
  d.events.push_back(
      {std::string(c.stream), "SessionEnded", {{"session", session_id}, {"reason", "logout"}}});
  d.secrets.push_back({session_key(hash), std::nullopt});
  d.secrets.push_back({user_session_key(id, session_id), std::nullopt});
  d.secrets.push_back(next_credentials_epoch(ctx));
  return d;
}

}  // namespace

void add_account_commands(engine::Domain& d) {
  add_handler(d, "user.create", create_user);
  add_handler(d, "user.update", update_user);
  add_handler(d, "password.set", set_password);
  add_handler(d, "token.issue", issue_named_token);
  add_handler(d, "token.revoke", revoke_token);
  add_handler(d, "session.start", start_session);
  add_handler(d, "session.end", end_session);
}

}  // namespace brandledger::workflows
