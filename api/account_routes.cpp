// /v1/session (password login, browser sessions), /v1/me, /v1/users: user administration,
// passwords and API tokens (API.md "Auth", "Orgs and users").
//
// Passwords are hashed and verified on the Authenticator's password threads, never on a
// server thread or the engine's writer; commands get only the Argon2id hash, or a stamp of
// the stored record a password was verified against (workflows/account_commands.cpp). A
// password never reaches a command's arguments, an Idempotency-Key's digest or a log line.
#include <spdlog/spdlog.h>

#include "api/routes.h"
#include "core/passwords.h"
#include "core/sha256.h"
#include "engine/json_text.h"
#include "views/projections.h"
#include "views/queries.h"
#include "workflows/authorization.h"
#include "workflows/credentials.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::api {
namespace {

using workflows::str;

// GET /v1/me's shape: the user and the name of its org.
Result<boost::json::object> me_json(engine::Engine& engine, const engine::Actor& actor) {
  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
  engine::ViewReader v(engine.environment(), txn);
  boost::json::object me{{"id", actor.id},
                         {"name", actor.name},
                         {"role", actor.role},
                         {"org", actor.org},
                         {"org_name", nullptr}};
  if (!actor.org.empty()) {
    BL_ASSIGN_OR_RETURN(auto org, views::get_org(v, actor.org));
    if (org) me["org_name"] = str(*org, "name");
  }
  return me;
}

std::string session_cookie(const Api::Impl& api, std::string_view value, bool clear) {
  std::string cookie = std::string(kSessionCookie) + "=" + std::string(value) +
                       "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
                       (clear ? "0"
                              : std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                   workflows::kSessionLifetime)
                                                   .count()));
  if (secure_cookies(api.options)) cookie += "; Secure";
  return cookie;
}

// Answers from a password thread go back through the server's threads.
void reply_later(const CallPtr& c, Response r) {
  c->api.post([c, r = std::move(r)]() mutable { c->reply(std::move(r)); });
}

Response throttled(Authenticator& auth, std::chrono::seconds wait) {
  auth.throttled.fetch_add(1, std::memory_order_relaxed);
  return problem(429, "too_many_attempts",
                 "too many failed logins for this user id or from this address; try again later",
                 {}, wait);
}

Response busy() {
  return problem(503, "unavailable", "too many password checks at once; try again shortly");
}

// A required string member of the body, or a 400 naming it.
std::optional<std::string> body_string(const CallPtr& c, const boost::json::object& body,
                                       std::string_view field, bool required = true) {
  const auto* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (!required) return std::string();
    c->reply(field_problem(400, "invalid_field", field, std::string(field) + ": is required"));
    return std::nullopt;
  }
  if (!v->is_string()) {
    c->reply(field_problem(400, "invalid_field", field, std::string(field) + ": must be a string"));
    return std::nullopt;
  }
  return std::string(v->as_string());
}

// A new password's rules (API.md): at least 8 characters; at most 1 KiB, so that what is
// hashed is never the caller's to make expensive.
bool acceptable_password(const CallPtr& c, const std::string& password, std::string_view field) {
  if (password.size() > kMaxPasswordBytes) {
    c->reply(field_problem(400, "too_long", field,
                           std::string(field) + ": at most " + std::to_string(kMaxPasswordBytes) +
                               " bytes"));
    return false;
  }
  if (workflows::char_count(password) < kMinPasswordChars) {
    c->reply(field_problem(400, "invalid_field", field,
                           std::string(field) + ": at least " + std::to_string(kMinPasswordChars) +
                               " characters"));
    return false;
  }
  return true;
}

// 400 naming the first member of `body` that is not among `allowed` (true when all are):
// what the server makes itself (hashes, token ids) is never taken from a client.
bool only_members(const CallPtr& c, const boost::json::object& body,
                  std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : body)
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      c->reply(field_problem(400, "invalid_field", key, std::string(key) + ": is not a member here"));
      return false;
    }
  return true;
}

// Runs `job` on a password thread; answers 503 when they are all busy, or when the job
// fails (Argon2id out of memory): a request is always answered.
void on_password_thread(const CallPtr& c, std::function<void()> job) {
  const bool queued = c->api.auth.passwords().try_run([c, job = std::move(job)] {
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", c->req.method, c->req.path, e.what());
      reply_later(c, problem(503, "unavailable", "the password could not be processed; try again"));
    }
  });
  if (!queued) c->reply(busy());
}

// The body as an Idempotency-Key is bound to it, without the passwords it carries.
std::string without_passwords(boost::json::object body) {
  body.erase("password");
  body.erase("current");
  return engine::to_text(body);
}

// --- login ---

// On a password thread: verifies, then starts the session through the engine. `done`
// ends the attempt in the throttles (failed or not), exactly once.
void finish_login(const CallPtr& c, const std::string& user, const std::string& password,
                  const std::function<void(bool failed)>& done) {
  Authenticator& auth = c->api.auth;
  engine::Engine& engine = c->api.engine;
  std::optional<boost::json::object> doc;
  std::optional<workflows::StoredPassword> stored;
  {
    auto txn = engine.begin_read();
    auto d = txn.ok() ? views::get_user(engine::ViewReader(engine.environment(), *txn), user)
                      : Result<std::optional<boost::json::object>>(txn.status());
    auto p = txn.ok() ? workflows::stored_password(engine, *txn, user)
                      : Result<std::optional<workflows::StoredPassword>>(txn.status());
    if (!d.ok() || !p.ok()) {
      done(false);
      return reply_later(c, problem(503, "unavailable", "credentials cannot be read now"));
    }
    doc = std::move(*d);
    stored = std::move(*p);
  }
  // An unknown user id takes as long as a wrong password: the answer and its timing are
  // the same for both.
  const bool matches = verify_password(stored ? stored->record.hash : auth.decoy_hash(), password);
  if (!matches || !doc || workflows::flag(*doc, "disabled")) {
    done(true);
    auth.login_failures.fetch_add(1, std::memory_order_relaxed);
    // Bounded by the throttle (5 per user id, 20 per address in 15 minutes): blocked
    // attempts are not checked and are counted in housekeeping's summary instead.
    spdlog::warn("login failed: user id '{}' from {}", printable_id(user), c->req.remote);
    return reply_later(c, problem(401, "invalid_credentials", "wrong user id or password"));
  }
  done(false);

  const std::string secret = random_hex(32);  // the cookie; stored only as its SHA-256
  const std::string session_id = "ss-" + random_hex(6);
  const std::string csrf = random_hex(32);
  engine::Command cmd = make_command(
      "session.start", workflows::user_stream(user),
      {{"session_sha256", to_hex(sha256(secret))},
       {"session_id", session_id},
       {"csrf", csrf},
       {"address", c->req.remote},
       {"user_agent", std::string(c->req.header("user-agent"))},
       {"password_stamp", workflows::password_stamp(stored->text)}});
  cmd.actor = {str(*doc, "id"), str(*doc, "name"), str(*doc, "role"), str(*doc, "org")};
  cmd.correlation_id = std::string(c->req.header("x-request-id"));
  const engine::Actor actor = cmd.actor;
  engine.submit(std::move(cmd), [c, user, secret, csrf, actor](engine::CommandOutcome o) {
    c->api.post([c, user, secret, csrf, actor, o = std::move(o)] {
      if (o.rejection) {
        // The password changed, or the user was disabled, between the check and now.
        if (o.rejection->code == "invalid_credentials")
          return c->reply(problem(401, "invalid_credentials", "wrong user id or password"));
        return c->reply(problem(*o.rejection));
      }
      if (!o.error.ok()) return c->reply(command_failure(o.error));
      Authenticator& a = c->api.auth;
      a.login_by_user().clear(user);
      a.logins.fetch_add(1, std::memory_order_relaxed);
      auto me = me_json(c->api.engine, actor);
      if (!me.ok()) return c->reply(problem(503, "unavailable", me.status().to_string()));
      Response r = json_response(200, {{"user", std::move(*me)}, {"csrf", csrf}});
      r.headers.emplace_back("Set-Cookie", session_cookie(c->api, secret, false));
      r.headers.emplace_back("Cache-Control", "no-store");
      c->reply(std::move(r));
    });
  });
}

void login(const CallPtr& c) {
  // Login CSRF: another site's page must not log a browser in under its own account.
  if (!same_origin(c->req, c->api.options))
    return c->reply(problem(403, "csrf", "the request's Origin is not this server's"));
  auto body = body_object(c);
  if (!body) return;
  auto user = body_string(c, *body, "user");
  if (!user) return;
  auto password = body_string(c, *body, "password");
  if (!password) return;
  if (password->size() > kMaxPasswordBytes)
    return c->reply(field_problem(400, "too_long", "password", "password: at most 1024 bytes"));
  // No user has an id of another shape: the same answer as for an unknown one, without
  // hashing, and such text never becomes a throttle's key or a log line.
  if (!workflows::valid_id(*user))
    return c->reply(problem(401, "invalid_credentials", "wrong user id or password"));
  Authenticator& auth = c->api.auth;
  const auto now = std::chrono::steady_clock::now();
  // The attempt counts from here until its password is checked: many sent at once cannot
  // all pass before the first fails.
  const std::string address = c->req.remote;
  if (auto wait = auth.login_by_address().begin(address, now); wait.count() > 0)
    return c->reply(throttled(auth, wait));
  if (auto wait = auth.login_by_user().begin(*user, now); wait.count() > 0) {
    auth.login_by_address().end(address, now, false);
    return c->reply(throttled(auth, wait));
  }
  auto done = [c, user = *user, address,
               ended = std::make_shared<std::atomic<bool>>(false)](bool failed) {
    if (ended->exchange(true)) return;  // once, whatever path the attempt took
    const auto at = std::chrono::steady_clock::now();
    c->api.auth.login_by_address().end(address, at, failed);
    c->api.auth.login_by_user().end(user, at, failed);
  };
  if (!auth.passwords().try_run([c, user = *user, password = std::move(*password), done] {
        try {
          finish_login(c, user, password, done);
        } catch (const std::exception& e) {
          done(false);
          spdlog::error("login: {}", e.what());
          reply_later(c, problem(503, "unavailable", "the login could not be checked; try again"));
        }
      })) {
    done(false);
    c->reply(busy());
  }
}

void current_session(const CallPtr& c) {
  if (!c->session)
    return c->reply(problem(401, "unauthorized", "no session: this request came with a token"));
  auto me = me_json(c->api.engine, c->actor);
  if (!me.ok()) return c->reply(problem(503, "unavailable", me.status().to_string()));
  Response r = json_response(200, {{"user", std::move(*me)}, {"csrf", c->session->csrf}});
  r.headers.emplace_back("Cache-Control", "no-store");
  c->reply(std::move(r));
}

void logout(const CallPtr& c) {
  if (!c->session)
    return c->reply(problem(401, "unauthorized", "no session: this request came with a token"));
  engine::Command cmd = make_command("session.end", workflows::user_stream(c->actor.id),
                                     {{"session", c->session->id}});
  run_command(c, std::move(cmd), [c](const engine::CommandOutcome&) {
    Response r;
    r.status = 204;
    r.headers.emplace_back("Set-Cookie", session_cookie(c->api, "", true));
    return r;
  });
}

// --- users ---

bool admin_or_self(const CallPtr& c, const std::string& user) {
  if (c->actor.role == "admin" || c->actor.id == user) return true;
  c->reply(problem(403, "forbidden", "only the user itself or an administrator may do this"));
  return false;
}

void create_user(const CallPtr& c) {
  auto body = body_object(c);
  if (!body) return;
  if (c->actor.role != "admin")
    return c->reply(problem(403, "forbidden", "role " + c->actor.role + " may not create users"));
  if (!only_members(c, *body, {"id", "name", "role", "org", "password", "comment"})) return;
  const std::string id = str(*body, "id");
  auto password = body_string(c, *body, "password", false);
  if (!password) return;
  if (!password->empty() && !acceptable_password(c, *password, "password")) return;
  c->digest_body = without_passwords(*body);
  body->erase("password");
  // The token is made here, shown once in the answer, and stored only as its SHA-256.
  const std::string token = new_token();
  (*body)["token_sha256"] = to_hex(sha256(token));
  (*body)["token_id"] = new_token_id();
  auto submit = [c, id, token](boost::json::object args) {
    engine::Command cmd = make_command("user.create", workflows::user_stream(id), std::move(args));
    run_command(c, std::move(cmd), [c, id, token](const engine::CommandOutcome& o) {
      Response r = view_document(c->api.engine, views::kUsers, id, 201);
      // A retry gets the user but not a token: the first answer was the only one to hold it.
      if (r.status == 201 && !o.append.duplicate) {
        auto doc = boost::json::parse(r.body).as_object();
        doc["token"] = token;
        r.body = engine::to_text(doc);
      }
      return r;
    });
  };
  if (password->empty()) return submit(std::move(*body));
  on_password_thread(c, [submit, args = std::move(*body), password = std::move(*password)] {
    boost::json::object with_hash = args;
    with_hash["password_hash"] = hash_password(password);
    submit(std::move(with_hash));
  });
}

void list_users(const CallPtr& c) {
  if (!require_roles(c, {"admin", "auditor", "committee"})) return;
  const std::string org = c->req.param("org"), role = c->req.param("role"),
                    q = c->req.param("q"), disabled = c->req.param("disabled");
  if (!role.empty() && !workflows::is_user_role(role))
    return c->reply(field_problem(400, "invalid_field", "role",
                                  "role: admin, committee, unit, branch, expert or auditor"));
  if (!disabled.empty() && disabled != "true" && disabled != "false")
    return c->reply(field_problem(400, "invalid_field", "disabled", "disabled: true or false"));
  auto txn = read_txn(c);
  if (!txn) return;
  auto all = views::list_table(engine::ViewReader(c->api.engine.environment(), *txn), views::kUsers);
  if (!all.ok()) return c->reply(problem(503, "unavailable", all.status().to_string()));
  // q: a part of the id or the name (ASCII letters in any case).
  auto lower = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  const std::string needle = lower(q);
  boost::json::array items;
  for (auto& v : *all) {
    const auto& u = v.as_object();
    if (!org.empty() && str(u, "org") != org) continue;
    if (!role.empty() && str(u, "role") != role) continue;
    if (!disabled.empty() && workflows::flag(u, "disabled") != (disabled == "true")) continue;
    if (!needle.empty() && lower(str(u, "id")).find(needle) == std::string::npos &&
        lower(str(u, "name")).find(needle) == std::string::npos)
      continue;
    items.push_back(std::move(v));
  }
  c->reply(json_response(200, {{"items", std::move(items)}}));
}

void update_user(const CallPtr& c) {
  auto body = body_object(c);
  if (!body) return;
  if (c->actor.role != "admin")
    return c->reply(problem(403, "forbidden", "role " + c->actor.role + " may not change users"));
  const std::string id = c->param(0);
  engine::Command cmd = make_command("user.update", workflows::user_stream(id), *body);
  run_command(c, std::move(cmd), [c, id](const engine::CommandOutcome&) {
    return view_document(c->api.engine, views::kUsers, id, 200);
  });
}

// PUT /v1/users/{id}/password: a user changes its own with its current password (an
// administrator too, once it has one); an administrator sets another's without.
void set_password(const CallPtr& c) {
  const std::string id = c->param(0);
  if (!admin_or_self(c, id)) return;
  // A retry after a change would check the old password against the new one and count a
  // failure, and a key bound to a body without its passwords could replay another change:
  // this endpoint takes no Idempotency-Key (setting a password twice is harmless).
  if (!c->req.header("idempotency-key").empty())
    return c->reply(field_problem(400, "invalid_field", "Idempotency-Key",
                                  "Idempotency-Key: not taken by this endpoint; send it again "
                                  "without"));
  auto body = body_object(c);
  if (!body) return;
  if (!only_members(c, *body, {"password", "current", "comment"})) return;
  auto password = body_string(c, *body, "password");
  if (!password || !acceptable_password(c, *password, "password")) return;
  auto current = body_string(c, *body, "current", false);
  if (!current) return;
  if (current->size() > kMaxPasswordBytes)
    return c->reply(field_problem(400, "too_long", "current", "current: at most 1024 bytes"));
  const bool self = c->actor.id == id;
  Authenticator& auth = c->api.auth;
  if (self && !current->empty()) {
    // Guessing the current password from a stolen session is throttled like a login.
    if (auto wait = auth.login_by_user().begin(id, std::chrono::steady_clock::now());
        wait.count() > 0)
      return c->reply(throttled(auth, wait));
  }
  const bool counted = self && !current->empty();
  boost::json::object extra;
  if (const auto* comment = body->if_contains("comment")) extra["comment"] = *comment;
  on_password_thread(c, [c, id, self, counted, extra, password = std::move(*password),
                         current = std::move(*current)] {
    engine::Engine& engine = c->api.engine;
    Authenticator& a = c->api.auth;
    auto end = [&](bool failed) {
      if (counted) a.login_by_user().end(id, std::chrono::steady_clock::now(), failed);
    };
    boost::json::object args = extra;
    if (self) {
      std::optional<workflows::StoredPassword> stored;
      {
        auto txn = engine.begin_read();
        auto p = txn.ok() ? workflows::stored_password(engine, *txn, id)
                          : Result<std::optional<workflows::StoredPassword>>(txn.status());
        if (!p.ok()) {
          end(false);
          return reply_later(c, problem(503, "unavailable", "credentials cannot be read now"));
        }
        stored = std::move(*p);
      }
      // An administrator without a password yet (made by the bootstrap token) sets its
      // first one; everyone else shows the current one.
      const bool needs_current = stored.has_value() || c->actor.role != "admin";
      if (needs_current && current.empty()) {
        end(false);
        return reply_later(c, field_problem(400, "invalid_field", "current",
                                            "current: your current password is required"));
      }
      if (needs_current) {
        if (!verify_password(stored ? stored->record.hash : a.decoy_hash(), current) || !stored) {
          end(true);
          a.login_failures.fetch_add(1, std::memory_order_relaxed);
          spdlog::warn("password change refused: wrong current password for user id '{}' "
                       "from {}",
                       printable_id(id), c->req.remote);
          return reply_later(c, field_problem(403, "invalid_credentials", "current",
                                              "current: the current password is wrong"));
        }
        args["verified_stamp"] = workflows::password_stamp(stored->text);
      }
      if (c->session) args["keep_session"] = c->session->id;
    }
    end(false);
    args["password_hash"] = hash_password(password);
    engine::Command cmd = make_command("password.set", workflows::user_stream(id), args);
    run_command(c, std::move(cmd), [c, id](const engine::CommandOutcome&) {
      return view_document(c->api.engine, views::kUsers, id, 200);
    });
  });
}

// --- tokens ---

boost::json::object token_json(const workflows::TokenRecord& t,
                               std::optional<Timestamp> unwritten_use) {
  std::optional<Timestamp> used = t.last_used;
  if (unwritten_use && (!used || *unwritten_use > *used)) used = unwritten_use;
  return {{"id", t.id},
          {"name", t.name},
          {"created_at", format_rfc3339(t.created_at)},
          {"last_used", workflows::time_json(used)}};
}

void issue_token(const CallPtr& c) {
  const std::string id = c->param(0);
  if (!admin_or_self(c, id)) return;
  auto body = body_object(c);
  if (!body) return;
  if (!only_members(c, *body, {"name", "comment"})) return;
  const std::string token = new_token();
  const std::string token_id = new_token_id();
  boost::json::object args = *body;
  args["token_sha256"] = to_hex(sha256(token));
  args["token_id"] = token_id;
  engine::Command cmd = make_command("token.issue", workflows::user_stream(id), std::move(args));
  run_command(c, std::move(cmd), [c, token](const engine::CommandOutcome& o) {
    // The token as its TokenIssued event says; a retry (the same Idempotency-Key) gets the
    // first answer without the token, which was shown once, then.
    auto txn = c->api.engine.begin_read();
    if (!txn.ok()) return problem(503, "unavailable", txn.status().to_string());
    auto event = c->api.engine.log().get(*txn, o.append.first_position);
    if (!event.ok() || !*event) return problem(503, "unavailable", "the token's event is unreadable");
    const auto data = boost::json::parse((*event)->data).as_object();
    boost::json::object answer{{"id", str(data, "token")},
                               {"name", str(data, "name")},
                               {"created_at", format_rfc3339((*event)->occurred_at)}};
    if (!o.append.duplicate) answer["token"] = token;
    return json_response(201, answer);
  });
}

void list_tokens(const CallPtr& c) {
  const std::string id = c->param(0);
  if (!admin_or_self(c, id)) return;
  auto txn = read_txn(c);
  if (!txn) return;
  engine::Engine& engine = c->api.engine;
  auto user = views::get_user(engine::ViewReader(engine.environment(), *txn), id);
  if (!user.ok()) return c->reply(problem(503, "unavailable", user.status().to_string()));
  if (!*user) return c->reply(problem(404, "not_found", "user " + id + " does not exist"));
  auto tokens = workflows::tokens_of(engine, *txn, id);
  if (!tokens.ok()) return c->reply(problem(503, "unavailable", tokens.status().to_string()));
  // The hash stays here: it is the lookup key of the in-memory last use, never an answer.
  const storage::Table& secrets = engine.environment().log_tables().secrets;
  boost::json::array items;
  for (const auto& t : *tokens) {
    auto hash = secrets.get(*txn, workflows::user_token_key(id, t.id));
    std::optional<Timestamp> unwritten;
    if (hash.ok() && *hash) unwritten = c->api.auth.unwritten_last_use(std::string(**hash));
    items.push_back(token_json(t, unwritten));
  }
  c->reply(json_response(200, {{"items", std::move(items)}}));
}

void revoke_token(const CallPtr& c) {
  const std::string id = c->param(0), token_id = c->param(1);
  if (!admin_or_self(c, id)) return;
  engine::Command cmd =
      make_command("token.revoke", workflows::user_stream(id), {{"token", token_id}});
  run_command(c, std::move(cmd), [token_id](const engine::CommandOutcome&) {
    return json_response(200, {{"id", token_id}, {"revoked", true}});
  });
}

}  // namespace

void add_account_routes(Api::Impl& api) {
  api.add("GET", "/v1/me", [](const CallPtr& c) {
    auto me = me_json(c->api.engine, c->actor);
    if (!me.ok()) return c->reply(problem(503, "unavailable", me.status().to_string()));
    c->reply(json_response(200, *me));
  });
  api.add("POST", "/v1/session", login, false);
  api.add("GET", "/v1/session", current_session);
  api.add("DELETE", "/v1/session", logout);

  api.add("POST", "/v1/users", create_user);
  api.add("GET", "/v1/users", list_users);
  api.add("GET", "/v1/users/{}", [](const CallPtr& c) {
    if (c->actor.id == c->param(0) || require_roles(c, {"admin", "auditor", "committee"}))
      c->reply(view_document(c->api.engine, views::kUsers, c->param(0), 200));
  });
  api.add("PATCH", "/v1/users/{}", update_user);
  api.add("PUT", "/v1/users/{}/password", set_password);
  api.add("POST", "/v1/users/{}/tokens", issue_token);
  api.add("GET", "/v1/users/{}/tokens", list_tokens);
  api.add("DELETE", "/v1/users/{}/tokens/{}", revoke_token);
}

}  // namespace brandledger::api
