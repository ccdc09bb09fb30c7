// /v1/brands: create, list, read (as of an instant), edit, every action, objections, history.
#include "api/routes.h"
#include "api/sheets.h"
#include "views/queries.h"
#include "views/render.h"
#include "workflows/json_fields.h"
#include "workflows/lifecycle_diagram.h"
#include "workflows/model.h"

namespace brandledger::api {
namespace {

using workflows::str;

// The brand as the command left it (exactly the first answer, on an idempotent retry too).
Response brand_answer(const CallPtr& call, const std::string& id, const engine::CommandOutcome& o,
                      unsigned status) {
  const std::uint64_t version = version_after(o, workflows::brand_stream(id));
  if (!o.entity.empty()) return entity_response(status, o.entity, version);
  auto doc = version == 0 ? Result<boost::json::object>(Status::NotFound(id))
                          : brand_at_version(call->api.engine, id, version);
  if (!doc.ok()) return problem(503, "unavailable", doc.status().to_string());
  return entity_response(status, *doc);
}

// POST /v1/brands/{id}/{action} -> the command it is.
const std::map<std::string, std::string, std::less<>> kActions = {
    {"submit", "brand.submit"},
    {"approve", "brand.approve"},
    {"return", "brand.return"},
    {"file", "brand.file"},
    {"withdraw", "brand.withdraw"},
    {"reopen", "brand.reopen"},
    {"progress", "brand.progress"},
    {"revoke", "brand.revoke"},
    {"rectification", "brand.rectification"},
    {"appeal", "brand.appeal"},
    {"appeal-decision", "brand.appeal_decision"},
    {"cancel", "brand.cancel"},
};

// Today's stored brand `id` if the caller may see it; otherwise answered (404, 403, 503).
std::optional<views::StoredBrand> visible_brand(const CallPtr& call, const storage::ReadTxn& txn,
                                                const std::string& id) {
  auto stored =
      views::get_stored_brand(engine::ViewReader(call->api.engine.environment(), txn), id);
  if (!stored.ok()) {
    call->reply(problem(503, "unavailable", stored.status().to_string()));
    return std::nullopt;
  }
  if (!*stored) {
    call->reply(problem(404, "not_found", "brand " + id + " does not exist"));
    return std::nullopt;
  }
  if (!can_see(call->actor, (*stored)->unit, (*stored)->branch)) {
    call->reply(problem(403, "forbidden", "outside your scope"));
    return std::nullopt;
  }
  return std::move(**stored);
}

// What a dry run gets in place of an argument the command needs: a decision's comment or
// reason, a yes to a yes-or-no question. Only the rules' answer matters, never the value.
boost::json::value placeholder(std::string_view field) {
  if (field == "passed" || field == "granted" || field == "upheld") return true;
  return "…";
}

// GET /v1/brands/{id}/actions: each action's command decided now on the caller's behalf
// (Engine::decide_only: the handlers themselves, nothing written). Allowed: accepted once
// the arguments it asked for are given ("needs"). Denied: a business rule refuses it now
// (with the date that lifts it, where one does). Not listed: its role or scope may not,
// or the lifecycle does not allow it in this state.
void brand_actions(const CallPtr& call) {
  const std::string& id = call->param(0);
  {
    auto txn = read_txn(call);
    if (!txn || !visible_brand(call, *txn, id)) return;
  }
  std::vector<std::pair<std::string, std::string>> probes = {{"edit", "brand.edit"},
                                                             {"objections", "brand.objection"}};
  for (const auto& [action, command] : kActions) probes.emplace_back(action, command);
  boost::json::array allowed, denied;
  // Denied actions say why in the caller's language, as a refusal would (API.md).
  const bool chinese = prefers_chinese(call->req.header("accept-language"));
  for (const auto& [action, command] : probes) {
    engine::Command cmd = make_command(command, workflows::brand_stream(id));
    cmd.actor = call->actor;
    boost::json::array needs;
    for (int attempt = 0; attempt < 6; ++attempt) {
      auto decided = call->api.engine.decide_only(cmd);
      if (!decided.ok())
        return call->reply(problem(503, "unavailable", decided.status().to_string()));
      if (!decided->rejection) {
        allowed.push_back({{"action", action}, {"needs", needs}});
        break;
      }
      const engine::Rejection& r = *decided->rejection;
      std::string field = r.code == "comment_required" ? "comment" : r.field;
      if ((r.kind == engine::RejectionKind::kInvalid || r.code == "comment_required") &&
          !field.empty() && r.code != "too_long" && !cmd.args.contains(field)) {
        needs.push_back(boost::json::string(field));
        cmd.args[field] = placeholder(field);
        if (field == "comment") cmd.comment = "…";
        continue;
      }
      if (r.kind != engine::RejectionKind::kRule) break;  // not this caller's, or not now
      const std::string detail = chinese ? problem_detail_zh(r.code, r.detail_zh) : r.detail;
      boost::json::object entry{{"action", action}, {"code", r.code}, {"detail", detail}};
      if (r.until) entry["until"] = format_rfc3339(*r.until);
      denied.push_back(std::move(entry));
      break;
    }
  }
  call->reply(json_response(200, {{"allowed", std::move(allowed)}, {"denied", std::move(denied)}}));
}

void get_brand(const CallPtr& call) {
  const std::string& id = call->param(0);
  auto txn = read_txn(call);
  if (!txn) return;
  if (call->req.param("as_of").empty()) {
    // Today's document is answered as stored: no parse, no second serialisation.
    auto stored = visible_brand(call, *txn, id);
    if (!stored) return;
    auto version = call->api.engine.log().stream_version(*txn, workflows::brand_stream(id));
    if (!version.ok())
      return call->reply(problem(503, "unavailable", version.status().to_string()));
    return call->reply(entity_response(200, std::move(stored->json), *version));
  }
  auto at = time_param(call, "as_of");
  if (!at) return;
  auto s = call->api.engine.replay_as_of(*txn, workflows::brand_stream(id), *at);
  if (!s.ok()) return call->reply(problem(503, "unavailable", s.status().to_string()));
  if (s->version == 0)
    return call->reply(problem(404, "not_found", "brand " + id + " does not exist at that time"));
  const boost::json::object doc = views::render_brand(*s->as<workflows::BrandState>(), s->version);
  if (!can_see_brand(call->actor, doc))
    return call->reply(problem(403, "forbidden", "outside your scope"));
  call->reply(entity_response(200, doc));
}

// The parent of org `id` in the org view ("" for an org that does not exist); nullopt once
// an error has been answered.
std::optional<std::string> parent_org(const CallPtr& call, const std::string& id) {
  auto txn = read_txn(call);
  if (!txn) return std::nullopt;
  auto doc = views::get_org(engine::ViewReader(call->api.engine.environment(), *txn), id);
  if (!doc.ok()) {
    call->reply(problem(503, "unavailable", doc.status().to_string()));
    return std::nullopt;
  }
  return *doc ? workflows::str(**doc, "parent") : std::string();
}

void list_brands(const CallPtr& call) {
  views::BrandFilter f{call->req.param("state"), call->req.param("unit"), call->req.param("branch"),
                       call->req.param("title"), call->req.param("q")};
  // An unknown state or title would silently match nothing: say so instead.
  if (!f.state.empty() && !workflows::parse_status(f.state))
    return call->reply(
        field_problem(400, "invalid_field", "state",
                      "state: " + f.state + " is not a brand state (GET /v1/lifecycle)"));
  if (!f.title.empty() && !workflows::parse_title(f.title))
    return call->reply(field_problem(400, "invalid_field", "title",
                                     "title: one of top10, demonstration, excellent"));
  auto format = format_param(call, kFileFormats);
  if (!format) return;
  // Unit and branch users list only their own subtree; a filter naming an org outside it
  // is refused, as a read of a brand outside it is, rather than answered with nothing.
  if (call->actor.role == "unit") {
    if (!f.unit.empty() && f.unit != call->actor.org)
      return call->reply(problem(403, "forbidden", "outside your unit"));
    if (!f.branch.empty()) {
      auto parent = parent_org(call, f.branch);
      if (!parent) return;
      if (*parent != call->actor.org)
        return call->reply(
            problem(403, "forbidden", "branch " + f.branch + " is outside your unit"));
    }
    f.unit = call->actor.org;
  } else if (call->actor.role == "branch") {
    if (!f.branch.empty() && f.branch != call->actor.org)
      return call->reply(problem(403, "forbidden", "outside your branch"));
    if (!f.unit.empty()) {
      auto parent = parent_org(call, call->actor.org);
      if (!parent) return;
      if (*parent != f.unit)
        return call->reply(problem(403, "forbidden", "unit " + f.unit + " is not your branch's"));
    }
    f.branch = call->actor.org;
  }
  if (!format->empty()) {
    // Every matching brand in one file, written page by page (API.md: no paging, so no
    // `after` or `limit` either).
    return reply_file(
        call, [call, f, format = *format](const storage::ReadTxn& txn) -> Result<Response> {
          const engine::ViewReader views(call->api.engine.environment(), txn);
          BL_ASSIGN_OR_RETURN(auto writer, SheetWriter::open(format, "品牌库", brand_columns()));
          std::string cursor;
          for (;;) {
            BL_ASSIGN_OR_RETURN(auto page, views::list_brands(views, f, 1000, cursor));
            for (const auto& item : page.items)
              BL_RETURN_IF_ERROR(writer->row(brand_row(item.as_object())));
            if (!page.next) break;
            cursor = *page.next;
          }
          return writer->finish();
        });
  }
  auto limit = limit_param(call, 50, 500);
  if (!limit) return;
  auto txn = read_txn(call);
  if (!txn) return;
  const engine::ViewReader views(call->api.engine.environment(), *txn);
  auto page = views::list_brands(views, f, *limit, call->req.param("after"));
  if (!page.ok()) return call->reply(problem(503, "unavailable", page.status().to_string()));
  call->reply(json_response(
      200, {{"items", std::move(page->items)},
            {"next", page->next ? boost::json::value(*page->next) : boost::json::value(nullptr)}}));
}

void history(const CallPtr& call) {
  const std::string& id = call->param(0);
  auto txn = read_txn(call);
  if (!txn) return;
  auto doc = views::get_brand(engine::ViewReader(call->api.engine.environment(), *txn), id);
  if (!doc.ok()) return call->reply(problem(503, "unavailable", doc.status().to_string()));
  if (!*doc) return call->reply(problem(404, "not_found", "brand " + id + " does not exist"));
  if (!can_see_brand(call->actor, **doc))
    return call->reply(problem(403, "forbidden", "outside your scope"));
  views::AuditFilter f;
  f.brand = id;
  auto page = views::audit(call->api.engine, *txn, f, 100000, 0);
  if (!page.ok()) return call->reply(problem(503, "unavailable", page.status().to_string()));
  for (auto& item : page->items)
    if (Status s = hide_unpublished_results(call->api.engine, *txn, call->actor, item.as_object());
        !s.ok())
      return call->reply(problem(503, "unavailable", s.to_string()));
  call->reply(json_response(200, {{"items", std::move(page->items)}}));
}

}  // namespace

void add_brand_routes(Api::Impl& api) {
  api.add("POST", "/v1/brands", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    // Ids are made here: short, random, unguessable across units.
    const std::string id = "b" + new_token().substr(0, 12);
    run_command(c, make_command("brand.create", workflows::brand_stream(id), *body),
                [c, id](const engine::CommandOutcome& o) { return brand_answer(c, id, o, 201); });
  });
  api.add("GET", "/v1/brands", list_brands);
  api.add("GET", "/v1/brands/{}", get_brand);
  api.add("GET", "/v1/brands/{}/history", history);
  api.add("GET", "/v1/brands/{}/actions", brand_actions);
  // The lifecycle as the state machine's table has it, for the console's diagram.
  api.add("GET", "/v1/lifecycle", [](const CallPtr& c) {
    Response r;
    r.body = workflows::lifecycle_json();
    c->reply(std::move(r));
  });
  api.add("PATCH", "/v1/brands/{}", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    const std::string id = c->param(0);
    run_command(c, make_command("brand.edit", workflows::brand_stream(id), *body),
                [c, id](const engine::CommandOutcome& o) { return brand_answer(c, id, o, 200); });
  });
  api.add("POST", "/v1/brands/{}/objections", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    run_command(
        c, make_command("brand.objection", workflows::brand_stream(c->param(0)), *body),
        [](const engine::CommandOutcome& o) {
          // The objection's id is in the event the command appended (a retry finds the same).
          return json_response(
              201, {{"id", o.reply.is_object() ? o.reply.at("id") : boost::json::value(nullptr)}});
        });
  });
  api.add("POST", "/v1/brands/{}/objections/{}/decision", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    (*body)["objection"] = c->param(1);
    const std::string id = c->param(0);
    run_command(c, make_command("brand.objection_decision", workflows::brand_stream(id), *body),
                [c, id](const engine::CommandOutcome& o) { return brand_answer(c, id, o, 200); });
  });
  // One route per action, so that the route table names every endpoint (the authorization
  // matrix's coverage check reads it).
  for (const auto& [action, command] : kActions)
    api.add("POST", "/v1/brands/{}/" + action, [command = command](const CallPtr& c) {
      auto body = body_object(c);
      if (!body) return;
      const std::string id = c->param(0);
      run_command(c, make_command(command, workflows::brand_stream(id), *body),
                  [c, id](const engine::CommandOutcome& o) { return brand_answer(c, id, o, 200); });
    });
}

}  // namespace brandledger::api
