// /v1/orgs, /v1/settings (users and sessions: account_routes.cpp).
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

void get_one(const CallPtr& call, std::string_view table) {
  call->reply(view_document(call->api.engine, table, call->param(0), 200));
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
  api.add("POST", "/v1/orgs", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    const std::string id = str(*body, "id");
    engine::Command cmd = make_command("org.create", workflows::org_stream(id), *body);
    run_command(c, std::move(cmd), [c, id](const engine::CommandOutcome&) {
      return view_document(c->api.engine, views::kOrgs, id, 201);
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
      return view_document(c->api.engine, views::kOrgs, id, 200);
    });
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
