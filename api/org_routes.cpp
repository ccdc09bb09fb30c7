// /v1/me, /v1/orgs, /v1/users, /v1/settings.
#include "api/routes.h"
#include "core/sha256.h"
#include "engine/json_text.h"
#include "views/projections.h"
#include "views/queries.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::api {
namespace {

using workflows::str;

Response current_doc(const CallPtr& call, std::string_view table, const std::string& id,
                     unsigned status) {
  auto txn = call->api.engine.begin_read();
  if (!txn.ok()) return problem(503, "unavailable", txn.status().to_string());
  engine::ViewReader v(call->api.engine.environment(), *txn);
  auto doc = table == views::kOrgs ? views::get_org(v, id) : views::get_user(v, id);
  if (!doc.ok()) return problem(503, "unavailable", doc.status().to_string());
  if (!*doc) return problem(404, "not_found", std::string(table) + " " + id + " does not exist");
  return json_response(status, **doc);
}

void get_one(const CallPtr& call, std::string_view table) {
  call->reply(current_doc(call, table, call->param(0), 200));
}

void list(const CallPtr& call, std::string_view table) {
  auto txn = read_txn(call);
  if (!txn) return;
  auto items = views::list_table(engine::ViewReader(call->api.engine.environment(), *txn), table);
  if (!items.ok()) return call->reply(problem(503, "unavailable", items.status().to_string()));
  call->reply(json_response(200, {{"items", std::move(*items)}}));
}

// The settings as they stand; a failed read is an error answer, never an empty object.
Response settings_answer(engine::Engine& engine) {
  auto txn = engine.begin_read();
  if (!txn.ok()) return problem(503, "unavailable", txn.status().to_string());
  auto s = engine.replay(*txn, workflows::kSettingsStream);
  if (!s.ok()) return problem(503, "unavailable", s.status().to_string());
  const auto& settings = *s->as<workflows::SettingsState>();
  boost::json::object bonus;
  for (const auto& [title, points] : settings.title_bonus)
    bonus[title] = workflows::decimal_json(points);
  return json_response(200, {{"assessment",
                              {{"filed_points", workflows::decimal_json(settings.filed_points)},
                               {"title_bonus", std::move(bonus)}}},
                             {"version", s->version}});
}

}  // namespace

void add_org_routes(Api::Impl& api) {
  api.add("GET", "/v1/me", [](const CallPtr& c) {
    c->reply(json_response(200, {{"id", c->actor.id},
                                 {"name", c->actor.name},
                                 {"role", c->actor.role},
                                 {"org", c->actor.org}}));
  });

  api.add("POST", "/v1/orgs", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    const std::string id = str(*body, "id");
    engine::Command cmd = make_command("org.create", workflows::org_stream(id), *body);
    run_command(c, std::move(cmd), [c, id](const engine::CommandOutcome&) {
      return current_doc(c, views::kOrgs, id, 201);
    });
  });
  api.add("GET", "/v1/orgs", [](const CallPtr& c) { list(c, views::kOrgs); });
  api.add("GET", "/v1/orgs/{}", [](const CallPtr& c) { get_one(c, views::kOrgs); });
  api.add("POST", "/v1/orgs/{}/dissolve", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    const std::string id = c->param(0);
    engine::Command cmd = make_command("org.dissolve", workflows::org_stream(id), *body);
    run_command(c, std::move(cmd), [c, id](const engine::CommandOutcome&) {
      return current_doc(c, views::kOrgs, id, 200);
    });
  });

  // The token is made here, shown once in the answer, and stored only as its SHA-256.
  api.add("POST", "/v1/users", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    const std::string id = str(*body, "id");
    const std::string token = new_token();
    (*body)["token_sha256"] = to_hex(sha256(token));
    (*body)["token_id"] = new_token_id();
    engine::Command cmd = make_command("user.create", workflows::user_stream(id), *body);
    run_command(c, std::move(cmd), [c, id, token](const engine::CommandOutcome& o) {
      Response r = current_doc(c, views::kUsers, id, 201);
      // A retry gets the user but not a token: the first answer was the only one to hold it.
      if (r.status == 201 && !o.append.duplicate) {
        auto doc = boost::json::parse(r.body).as_object();
        doc["token"] = token;
        r.body = engine::to_text(doc);
      }
      return r;
    });
  });
  api.add("GET", "/v1/users", [](const CallPtr& c) {
    if (require_roles(c, {"admin", "auditor", "committee"})) list(c, views::kUsers);
  });
  api.add("GET", "/v1/users/{}", [](const CallPtr& c) {
    if (c->actor.id == c->param(0) || require_roles(c, {"admin", "auditor", "committee"}))
      get_one(c, views::kUsers);
  });

  api.add("GET", "/v1/settings",
          [](const CallPtr& c) { c->reply(settings_answer(c->api.engine)); });
  api.add("PUT", "/v1/settings", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    engine::Command cmd =
        make_command("settings.put", std::string(workflows::kSettingsStream), *body);
    run_command(c, std::move(cmd), [c](const engine::CommandOutcome&) {
      return settings_answer(c->api.engine);
    });
  });
}

}  // namespace brandledger::api
