// /v1/re-reviews/due and /v1/reports/*.
#include <charconv>

#include "api/routes.h"
#include "views/queries.h"

namespace brandledger::api {
namespace {

std::optional<int> year_param(const CallPtr& call) {
  const std::string text = call->req.param("year");
  int year = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), year);
  if (text.empty() || err != std::errc() || end != text.data() + text.size() || year < 2000 ||
      year > 2100) {
    call->reply(field_problem(400, "invalid_field", "year", "year: required, like 2026"));
    return std::nullopt;
  }
  return year;
}

// No report has a file export yet: a format asked for is refused, never answered as JSON.
bool json_only(const CallPtr& call) {
  return format_param(call, {}).has_value();
}

// An optional time parameter: `fallback` when absent; nullopt (answered 400) when unparsable.
std::optional<Timestamp> optional_time(const CallPtr& call, std::string_view name,
                                       Timestamp fallback) {
  if (call->req.param(name).empty()) return fallback;
  return time_param(call, name);
}

template <class Query>
void answer(const CallPtr& call, Query query) {
  auto txn = read_txn(call);
  if (!txn) return;
  const engine::ViewReader views(call->api.engine.environment(), *txn);
  auto result = query(views, *txn);
  if (!result.ok()) return call->reply(problem(503, "unavailable", result.status().to_string()));
  call->reply(json_response(200, *result));
}

}  // namespace

void add_report_routes(Api::Impl& api) {
  api.add("GET", "/v1/re-reviews/due", [](const CallPtr& c) {
    const auto t = optional_time(c, "before", c->api.engine.now());
    if (!t || !json_only(c)) return;
    const Timestamp before = *t;
    answer(c,
           [&](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::array items, views::re_reviews_due(v, before));
             boost::json::array visible;
             for (auto& item : items)
               if (can_see_brand(c->actor, item.as_object())) visible.push_back(std::move(item));
             return boost::json::value{{"items", std::move(visible)}};
           });
  });
  api.add("GET", "/v1/reports/coverage", [](const CallPtr& c) {
    const auto t = optional_time(c, "as_of", c->api.engine.now());
    if (!t || !json_only(c)) return;
    const Timestamp as_of = *t;
    answer(c,
           [&](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o, views::coverage(v, as_of));
             return boost::json::value(std::move(o));
           });
  });
  api.add("GET", "/v1/reports/titles", [](const CallPtr& c) {
    auto year = year_param(c);
    if (!year || !json_only(c)) return;
    answer(c,
           [&](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o, views::titles_report(v, *year));
             return boost::json::value(std::move(o));
           });
  });
  api.add("GET", "/v1/reports/assessment", [](const CallPtr& c) {
    auto year = year_param(c);
    if (!year || !json_only(c)) return;
    answer(
        c,
        [&](const engine::ViewReader&, const storage::ReadTxn& txn) -> Result<boost::json::value> {
          BL_ASSIGN_OR_RETURN(boost::json::object o, views::assessment(c->api.engine, txn, *year));
          return boost::json::value(std::move(o));
        });
  });
  api.add("GET", "/v1/reports/pipeline", [](const CallPtr& c) {
    if (!json_only(c)) return;
    if (c->req.param("as_of").empty())
      return answer(
          c,
          [&](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
            BL_ASSIGN_OR_RETURN(boost::json::object o, views::pipeline(v));
            return boost::json::value(std::move(o));
          });
    const auto as_of = time_param(c, "as_of");
    if (!as_of) return;
    answer(
        c,
        [&](const engine::ViewReader&, const storage::ReadTxn& txn) -> Result<boost::json::value> {
          BL_ASSIGN_OR_RETURN(boost::json::object o,
                              views::pipeline_as_of(c->api.engine, txn, *as_of));
          return boost::json::value(std::move(o));
        });
  });
}

}  // namespace brandledger::api
