// /v1/rounds: open, list, read, nominations, experts, scoring, close, notice, finalize, results.
#include <algorithm>

#include "api/routes.h"
#include "views/projections.h"
#include "views/queries.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::api {
namespace {

Response round_answer(const CallPtr& call, const std::string& id, const engine::CommandOutcome& o,
                      unsigned status) {
  const std::uint64_t version = version_after(o, workflows::round_stream(id));
  if (!o.entity.empty()) return entity_response(status, o.entity, version);
  if (version == 0) return problem(404, "not_found", "round " + id + " does not exist");
  auto doc = round_at_version(call->api.engine, id, version);
  if (!doc.ok()) return problem(503, "unavailable", doc.status().to_string());
  return entity_response(status, *doc);
}

void round_command(const CallPtr& c, std::string type) {
  auto body = body_object(c);
  if (!body) return;
  const std::string id = c->param(0);
  run_command(c, make_command(std::move(type), workflows::round_stream(id), *body),
              [c, id](const engine::CommandOutcome& o) { return round_answer(c, id, o, 200); });
}

// API.md: committee, auditor (and admin, who reads every event anyway) see everything; an
// expert of the round its own scores; unit and branch users the brands in their scope, once
// the notice is published, without per-expert scores.
void results(const CallPtr& call) {
  const std::string& id = call->param(0);
  const engine::Actor& actor = call->actor;
  const bool sees_all = sees_scores(actor);
  if (!sees_all && actor.role != "expert" && actor.role != "unit" && actor.role != "branch")
    return call->reply(problem(403, "forbidden", "role " + actor.role + " may not read results"));
  auto txn = read_txn(call);
  if (!txn) return;
  auto s = call->api.engine.replay(*txn, workflows::round_stream(id));
  if (!s.ok()) return call->reply(problem(503, "unavailable", s.status().to_string()));
  if (s->version == 0)
    return call->reply(problem(404, "not_found", "round " + id + " does not exist"));
  const auto& round = *s->as<workflows::RoundState>();
  const bool expert = actor.role == "expert";
  if (expert && !round.is_expert(actor.id))
    return call->reply(problem(403, "forbidden", "expert " + actor.id + " is not assigned to round " + id));
  const bool published = round.status() == workflows::RoundStatus::kNotice ||
                         round.status() == workflows::RoundStatus::kFinalized;
  if (!sees_all && !expert && !published)
    return call->reply(problem(403, "forbidden",
                               "the results of round " + id + " are published with its notice"));
  const bool with_scores = sees_all || expert;
  auto scores_of = [&](const std::string& brand) {
    boost::json::array out;
    auto it = round.scores.find(brand);
    if (it == round.scores.end()) return out;
    // The committee sees the arithmetic once the round is closed: which totals the final
    // left out (drop_extremes), as closing recorded them.
    const auto recorded = round.dropped.find(brand);
    const bool closed = !round.results.empty();
    for (const auto& [by, score] : it->second) {
      if (!sees_all && by != actor.id) continue;
      boost::json::object points;
      for (const auto& [k, v] : score.by_criterion) points[k] = workflows::decimal_json(v);
      boost::json::object entry{{"expert", by},
                                {"total", workflows::decimal_json(score.total)},
                                {"by_criterion", std::move(points)}};
      if (sees_all && closed)
        entry["dropped"] = recorded != round.dropped.end() &&
                           std::find(recorded->second.begin(), recorded->second.end(), by) !=
                               recorded->second.end();
      out.push_back(std::move(entry));
    }
    return out;
  };
  // Unit and branch users: only the brands in their scope.
  const engine::ViewReader views(call->api.engine.environment(), *txn);
  std::string failure;
  auto in_scope = [&](const std::string& brand) {
    if (with_scores) return true;
    auto doc = views::get_brand(views, brand);
    if (!doc.ok()) failure = doc.status().to_string();
    return doc.ok() && *doc && can_see_brand(actor, **doc);
  };
  auto item = [&](const std::string& brand, const workflows::Placement* p) {
    boost::json::object o{{"brand", brand}};
    // Ranks and finals are the committee's until the notice, also for the round's experts.
    const bool ranked = p != nullptr && (sees_all || published);
    o["rank"] = ranked ? boost::json::value(p->rank) : nullptr;
    o["final"] = ranked ? workflows::decimal_json(p->final) : nullptr;
    o["outcome"] = ranked ? boost::json::value(workflows::outcome_code(p->outcome)) : nullptr;
    o["title"] = ranked && p->title ? boost::json::value(workflows::title_code(*p->title)) : nullptr;
    if (with_scores) {
      auto it = round.scores.find(brand);
      o["n_scores"] = it == round.scores.end() ? 0 : it->second.size();
      o["scores"] = scores_of(brand);
    }
    return o;
  };
  boost::json::array items;
  if (!round.results.empty()) {
    for (const auto& p : round.results)
      if (in_scope(p.brand)) items.push_back(item(p.brand, &p));
  } else {
    for (const auto& brand : round.nominated)  // before close: the scores so far, unranked
      if (in_scope(brand)) items.push_back(item(brand, nullptr));
  }
  if (!failure.empty()) return call->reply(problem(503, "unavailable", failure));
  call->reply(json_response(200, {{"round", id},
                                  {"state", workflows::round_status_code(round.status())},
                                  {"items", std::move(items)}}));
}

}  // namespace

void add_round_routes(Api::Impl& api) {
  api.add("POST", "/v1/rounds", [](const CallPtr& c) {
    auto body = body_object(c);
    if (!body) return;
    const std::string id = "r" + new_token().substr(0, 12);
    run_command(c, make_command("round.open", workflows::round_stream(id), *body),
                [c, id](const engine::CommandOutcome& o) { return round_answer(c, id, o, 201); });
  });
  api.add("GET", "/v1/rounds", [](const CallPtr& c) {
    auto txn = read_txn(c);
    if (!txn) return;
    auto items =
        views::list_table(engine::ViewReader(c->api.engine.environment(), *txn), views::kRounds);
    if (!items.ok()) return c->reply(problem(503, "unavailable", items.status().to_string()));
    c->reply(json_response(200, {{"items", std::move(*items)}}));
  });
  api.add("GET", "/v1/rounds/{}", [](const CallPtr& c) {
    auto txn = read_txn(c);
    if (!txn) return;
    auto doc = views::get_round(engine::ViewReader(c->api.engine.environment(), *txn), c->param(0));
    if (!doc.ok()) return c->reply(problem(503, "unavailable", doc.status().to_string()));
    if (!*doc)
      return c->reply(problem(404, "not_found", "round " + c->param(0) + " does not exist"));
    c->reply(entity_response(200, **doc));
  });
  api.add("GET", "/v1/rounds/{}/results", results);
  api.add("POST", "/v1/rounds/{}/nominations",
          [](const CallPtr& c) { round_command(c, "round.nominate"); });
  api.add("POST", "/v1/rounds/{}/experts",
          [](const CallPtr& c) { round_command(c, "round.assign"); });
  api.add("POST", "/v1/rounds/{}/start", [](const CallPtr& c) { round_command(c, "round.start"); });
  api.add("POST", "/v1/rounds/{}/close", [](const CallPtr& c) { round_command(c, "round.close"); });
  api.add("POST", "/v1/rounds/{}/notice",
          [](const CallPtr& c) { round_command(c, "round.notice"); });
  api.add("POST", "/v1/rounds/{}/finalize",
          [](const CallPtr& c) { round_command(c, "round.finalize"); });
  api.add("POST", "/v1/rounds/{}/scores",
          [](const CallPtr& c) { round_command(c, "round.score"); });
}

}  // namespace brandledger::api
