// /v1/re-reviews/due and /v1/reports/*.
#include <charconv>

#include "api/routes.h"
#include "api/sheets.h"
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

// The format asked for ("" for JSON), or nullopt when refused (answered 400).
std::optional<std::string> report_format(const CallPtr& call) {
  return format_param(call, kFileFormats);
}

// An optional time parameter: `fallback` when absent; nullopt (answered 400) when unparsable.
std::optional<Timestamp> optional_time(const CallPtr& call, std::string_view name,
                                       Timestamp fallback) {
  if (call->req.param(name).empty()) return fallback;
  return time_param(call, name);
}

// The brands due for re-review as a file: the brand list's columns.
Result<Response> due_file(std::string_view format, const boost::json::object& answer) {
  BL_ASSIGN_OR_RETURN(auto writer, SheetWriter::open(format, "到期复评", brand_columns()));
  for (const auto& item : answer.at("items").as_array())
    BL_RETURN_IF_ERROR(writer->row(brand_row(item.as_object())));
  return writer->finish();
}

// Answers the report `name` that `query` computes, as JSON or as the file `format` asks for.
template <class Query>
void answer(const CallPtr& call, std::string_view name, const std::string& format, Query query) {
  auto txn = read_txn(call);
  if (!txn) return;
  const engine::ViewReader views(call->api.engine.environment(), *txn);
  auto result = query(views, *txn);
  if (!result.ok()) return call->reply(problem(503, "unavailable", result.status().to_string()));
  if (!format.empty())
    return reply_file(call, name == "due" ? due_file(format, result->as_object())
                                          : report_file(format, name, result->as_object()));
  call->reply(json_response(200, *result));
}

}  // namespace

void add_report_routes(Api::Impl& api) {
  api.add("GET", "/v1/re-reviews/due", [](const CallPtr& c) {
    const auto t = optional_time(c, "before", c->api.engine.now());
    const auto format = t ? report_format(c) : std::nullopt;
    if (!t || !format) return;
    const Timestamp before = *t;
    answer(c, "due", *format,
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
    const auto format = t ? report_format(c) : std::nullopt;
    if (!t || !format) return;
    const Timestamp as_of = *t;
    answer(c, "coverage", *format,
           [&](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o, views::coverage(v, as_of));
             return boost::json::value(std::move(o));
           });
  });
  api.add("GET", "/v1/reports/titles", [](const CallPtr& c) {
    auto year = year_param(c);
    const auto format = year ? report_format(c) : std::nullopt;
    if (!year || !format) return;
    answer(c, "titles", *format,
           [&](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o, views::titles_report(v, *year));
             return boost::json::value(std::move(o));
           });
  });
  api.add("GET", "/v1/reports/assessment", [](const CallPtr& c) {
    auto year = year_param(c);
    const auto format = year ? report_format(c) : std::nullopt;
    if (!year || !format) return;
    answer(
        c, "assessment", *format,
        [&](const engine::ViewReader&, const storage::ReadTxn& txn) -> Result<boost::json::value> {
          BL_ASSIGN_OR_RETURN(boost::json::object o, views::assessment(c->api.engine, txn, *year));
          return boost::json::value(std::move(o));
        });
  });
  api.add("GET", "/v1/reports/pipeline", [](const CallPtr& c) {
    const auto format = report_format(c);
    if (!format) return;
    if (c->req.param("as_of").empty())
      return answer(
          c, "pipeline", *format,
          [&](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
            BL_ASSIGN_OR_RETURN(boost::json::object o, views::pipeline(v));
            return boost::json::value(std::move(o));
          });
    const auto as_of = time_param(c, "as_of");
    if (!as_of) return;
    answer(
        c, "pipeline", *format,
        [&](const engine::ViewReader&, const storage::ReadTxn& txn) -> Result<boost::json::value> {
          BL_ASSIGN_OR_RETURN(boost::json::object o,
                              views::pipeline_as_of(c->api.engine, txn, *as_of));
          return boost::json::value(std::move(o));
        });
  });
}

}  // namespace brandledger::api
