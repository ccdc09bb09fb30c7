// /v1/re-reviews/due and /v1/reports/*.
#include <charconv>

#include "api/routes.h"
#include "api/sheets.h"
#include "views/queries.h"
#include "workflows/json_fields.h"

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

// Who reads a report (DOMAIN.md: a unit user sees only inside its unit, a branch user only
// its own brand): the committee, auditors and administrators the whole programme; a unit
// user its unit's rows of coverage, pipeline and assessment; a branch user its own row of
// the assessment. The titles named in a year are published: everyone reads them. Others: 403.
bool may_read(const CallPtr& call, std::string_view report) {
  const std::string& role = call->actor.role;
  if (report == "titles" || report == "due" || sees_scores(call->actor)) return true;
  if (role == "unit" || (role == "branch" && report == "assessment")) return true;
  call->reply(problem(403, "forbidden", "role " + role + " may not read this report"));
  return false;
}

// Leaves in a report only the rows of the caller's scope, with totals of those rows.
void scope(const engine::Actor& actor, std::string_view report, boost::json::object& o) {
  if (report == "titles" || report == "due" || sees_scores(actor)) return;
  const bool unit = actor.role == "unit";
  auto keep = [&](std::string_view key, std::string_view field) {
    boost::json::array kept;
    if (auto* rows = o.if_contains(key); rows != nullptr && rows->is_array())
      for (auto& row : rows->as_array())
        if (workflows::str(row.as_object(), field) == actor.org) kept.push_back(std::move(row));
    o[key] = std::move(kept);
  };
  if (report == "assessment") {
    keep("branches", unit ? "unit" : "branch");
    if (unit) keep("units", "unit");
    else o["units"] = boost::json::array{};  // a unit's sum would tell its other branches'
    return;
  }
  keep("units", "unit");
  const auto& units = o.at("units").as_array();
  if (report == "coverage")
    o["total"] = units.empty() ? boost::json::object{{"branches", 0}, {"filed", 0}, {"coverage", 0}}
                               : boost::json::object{{"branches", units[0].at("branches")},
                                                     {"filed", units[0].at("filed")},
                                                     {"coverage", units[0].at("coverage")}};
  else  // pipeline
    o["total"] = units.empty() ? boost::json::object{} : units[0].at("by_state").as_object();
}

// The brands due for re-review as a file: the brand list's columns.
Result<Response> due_file(std::string_view format, const boost::json::object& answer) {
  BL_ASSIGN_OR_RETURN(auto writer, SheetWriter::open(format, "到期复评", brand_columns()));
  for (const auto& item : answer.at("items").as_array())
    BL_RETURN_IF_ERROR(writer->row(brand_row(item.as_object())));
  return writer->finish();
}

// Answers the report `name` that `query` computes, in the caller's scope, as JSON or as the
// file `format` asks for (written on the export threads).
template <class Query>
void answer(const CallPtr& call, std::string_view name, const std::string& format, Query query) {
  if (!may_read(call, name)) return;
  auto compute = [call, name = std::string(name), query](
                     const storage::ReadTxn& txn) -> Result<boost::json::object> {
    const engine::ViewReader views(call->api.engine.environment(), txn);
    BL_ASSIGN_OR_RETURN(boost::json::value result, query(views, txn));
    scope(call->actor, name, result.as_object());
    return std::move(result.as_object());
  };
  if (!format.empty())
    return reply_file(call, [compute, name = std::string(name), format](
                                const storage::ReadTxn& txn) -> Result<Response> {
      BL_ASSIGN_OR_RETURN(boost::json::object result, compute(txn));
      return name == "due" ? due_file(format, result) : report_file(format, name, result);
    });
  auto txn = read_txn(call);
  if (!txn) return;
  auto result = compute(*txn);
  if (!result.ok()) return call->reply(problem(503, "unavailable", result.status().to_string()));
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
           [c, before](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
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
           [as_of](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o, views::coverage(v, as_of));
             return boost::json::value(std::move(o));
           });
  });
  api.add("GET", "/v1/reports/titles", [](const CallPtr& c) {
    auto year = year_param(c);
    const auto format = year ? report_format(c) : std::nullopt;
    if (!year || !format) return;
    answer(c, "titles", *format,
           [year = *year](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o, views::titles_report(v, year));
             return boost::json::value(std::move(o));
           });
  });
  api.add("GET", "/v1/reports/assessment", [](const CallPtr& c) {
    auto year = year_param(c);
    const auto format = year ? report_format(c) : std::nullopt;
    if (!year || !format) return;
    // Rows in the caller's scope only (a unit user its unit's, a branch user its own), of
    // the unit asked for; paged with `limit` and `after` (a file holds every row).
    views::AssessmentFilter filter;
    filter.unit = c->req.param("unit");
    if (c->actor.role == "unit") filter.unit = c->actor.org;
    if (c->actor.role == "branch") filter.branch = c->actor.org;
    if (format->empty() && !c->req.param("limit").empty()) {
      auto limit = limit_param(c, 100, 1000);
      if (!limit) return;
      filter.limit = *limit;
      filter.after = c->req.param("after");
    }
    answer(c, "assessment", *format,
           [c, year = *year, filter](const engine::ViewReader&,
                                     const storage::ReadTxn& txn) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o,
                                 views::assessment(c->api.engine, txn, year, filter));
             return boost::json::value(std::move(o));
           });
  });
  api.add("GET", "/v1/reports/pipeline", [](const CallPtr& c) {
    const auto format = report_format(c);
    if (!format) return;
    if (c->req.param("as_of").empty())
      return answer(
          c, "pipeline", *format,
          [](const engine::ViewReader& v, const storage::ReadTxn&) -> Result<boost::json::value> {
            BL_ASSIGN_OR_RETURN(boost::json::object o, views::pipeline(v));
            return boost::json::value(std::move(o));
          });
    const auto as_of = time_param(c, "as_of");
    if (!as_of) return;
    answer(c, "pipeline", *format,
           [as_of = *as_of](const engine::ViewReader& v,
                            const storage::ReadTxn&) -> Result<boost::json::value> {
             BL_ASSIGN_OR_RETURN(boost::json::object o, views::pipeline_as_of(v, as_of));
             return boost::json::value(std::move(o));
           });
  });
}

}  // namespace brandledger::api
