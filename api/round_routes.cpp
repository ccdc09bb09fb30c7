// /v1/rounds: open, list, read, nominations, experts, scoring, close, notice, finalize, results.
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

void results(const CallPtr& call) {
  const std::string& id = call->param(0);
  auto txn = read_txn(call);
  if (!txn) return;
  auto s = call->api.engine.replay(*txn, workflows::round_stream(id));
  if (!s.ok()) return call->reply(problem(503, "unavailable", s.status().to_string()));
  if (s->version == 0)
    return call->reply(problem(404, "not_found", "round " + id + " does not exist"));
  const auto& round = *s->as<workflows::RoundState>();
  // Experts see only their own scores.
  const bool own_only = call->actor.role == "expert";
  auto scores_of = [&](const std::string& brand) {
    boost::json::array out;
    auto it = round.scores.find(brand);
    if (it == round.scores.end()) return out;
    for (const auto& [expert, score] : it->second) {
      if (own_only && expert != call->actor.id) continue;
      boost::json::object by;
      for (const auto& [k, v] : score.by_criterion) by[k] = v;
      out.push_back({{"expert", expert}, {"total", score.total}, {"by_criterion", std::move(by)}});
    }
    return out;
  };
  boost::json::array items;
  if (!round.results.empty()) {
    for (const auto& p : round.results) {
      std::size_t n = round.scores.count(p.brand) ? round.scores.at(p.brand).size() : 0;
      items.push_back(
          {{"brand", p.brand},
           {"rank", p.rank},
           {"final", p.final ? boost::json::value(*p.final) : boost::json::value(nullptr)},
           {"n_scores", n},
           {"outcome", workflows::outcome_code(p.outcome)},
           {"title", p.title ? boost::json::value(workflows::title_code(*p.title))
                             : boost::json::value(nullptr)},
           {"scores", scores_of(p.brand)}});
    }
  } else {
    // Before close: the scores so far, unranked.
    for (const auto& brand : round.nominated)
      items.push_back({{"brand", brand},
                       {"rank", nullptr},
                       {"final", nullptr},
                       {"n_scores", round.scores.count(brand) ? round.scores.at(brand).size() : 0},
                       {"outcome", nullptr},
                       {"title", nullptr},
                       {"scores", scores_of(brand)}});
  }
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
