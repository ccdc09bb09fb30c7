// The log itself: /v1/events, /v1/events/stream (SSE), /v1/streams/{stream}, /v1/audit,
// and /v1/admin/verify and /v1/admin/clock.
#include <charconv>

#include "api/routes.h"
#include "engine/json_text.h"
#include "views/queries.h"
#include "workflows/json_fields.h"

namespace brandledger::api {
namespace {

std::optional<std::uint64_t> position_param(const CallPtr& call, std::string_view text,
                                            std::string_view name) {
  if (text.empty()) return 0;
  std::uint64_t n = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (err != std::errc() || end != text.data() + text.size()) {
    call->reply(field_problem(400, "invalid_field", name, std::string(name) + ": a log position"));
    return std::nullopt;
  }
  return n;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string value_text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string())
         : v.is_null() ? std::string()
                       : engine::to_text(v);
}

// UTF-8 with a BOM, so that spreadsheet programs read the Chinese right.
std::string audit_csv(const boost::json::array& items) {
  std::string out = "\xEF\xBB\xBF";
  out +=
      "position,occurred_at,stream,type,actor_id,actor_name,actor_role,actor_org,from_state,to_"
      "state,comment,data\r\n";
  for (const auto& item : items) {
    const auto& e = item.as_object();
    const auto& a = e.at("actor").as_object();
    const std::string fields[] = {value_text(e.at("position")),   value_text(e.at("occurred_at")),
                                  value_text(e.at("stream")),     value_text(e.at("type")),
                                  value_text(a.at("id")),         value_text(a.at("name")),
                                  value_text(a.at("role")),       value_text(a.at("org")),
                                  value_text(e.at("from_state")), value_text(e.at("to_state")),
                                  value_text(e.at("comment")),    value_text(e.at("data"))};
    for (std::size_t i = 0; i < std::size(fields); ++i)
      out += (i ? "," : "") + csv_field(fields[i]);
    out += "\r\n";
  }
  return out;
}

void audit(const CallPtr& call) {
  views::AuditFilter f;
  f.actor = call->req.param("actor");
  f.brand = call->req.param("brand");
  f.round = call->req.param("round");
  f.type = call->req.param("type");
  f.org = call->req.param("org");
  for (const char* bound : {"from", "to"})
    if (!call->req.param(bound).empty()) {
      auto t = time_param(call, bound);
      if (!t) return;
      (std::string_view(bound) == "from" ? f.from : f.to) = *t;
    }
  // Committee, auditor and admin read everything; a unit its subtree; a branch its brand.
  const std::string& role = call->actor.role;
  if (role == "unit" || role == "branch") {
    if (!f.org.empty() && f.org != call->actor.org)
      return call->reply(problem(403, "forbidden", "outside your scope"));
    f.org = call->actor.org;
  } else if (role != "committee" && role != "auditor" && role != "admin") {
    return call->reply(problem(403, "forbidden", "role " + role + " may not read the audit trail"));
  }
  auto limit = limit_param(call, 100, 10000);
  if (!limit) return;
  auto after = position_param(call, call->req.param("after"), "after");
  if (!after) return;
  auto txn = read_txn(call);
  if (!txn) return;
  auto page = views::audit(call->api.engine, *txn, f, *limit, *after);
  if (!page.ok()) return call->reply(problem(503, "unavailable", page.status().to_string()));
  if (call->req.param("format") == "csv") {
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit.csv\"");
    r.body = audit_csv(page->items);
    return call->reply(std::move(r));
  }
  call->reply(json_response(
      200, {{"items", std::move(page->items)},
            {"next", page->next ? boost::json::value(*page->next) : boost::json::value(nullptr)}}));
}

}  // namespace

void add_log_routes(Api::Impl& api) {
  api.add("GET", "/v1/events", [](const CallPtr& c) {
    if (!require_roles(c, {"committee", "auditor", "admin"})) return;
    auto after = position_param(c, c->req.param("after"), "after");
    auto limit = after ? limit_param(c, 100, 10000) : std::nullopt;
    if (!after || !limit) return;
    auto txn = read_txn(c);
    if (!txn) return;
    auto events = c->api.engine.log().read_all(*txn, *after, *limit + 1);
    if (!events.ok()) return c->reply(problem(503, "unavailable", events.status().to_string()));
    boost::json::array items;
    for (std::size_t i = 0; i < events->size() && i < *limit; ++i)
      items.push_back(event_json(c->api.engine, (*events)[i]));
    boost::json::value next = nullptr;
    if (events->size() > *limit) next = (*events)[*limit - 1].position;
    c->reply(json_response(200, {{"items", std::move(items)}, {"next", next}}));
  });
  api.add("GET", "/v1/events/stream", [](const CallPtr& c) {
    if (!require_roles(c, {"committee", "auditor", "admin"})) return;
    // A reconnecting client's Last-Event-ID wins over ?after.
    std::string_view from = c->req.header("last-event-id");
    if (from.empty()) from = c->req.param("after");
    auto after = position_param(c, std::string(from), "after");
    if (!after) return;
    Response r;
    r.content_type = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy (nginx) must not hold events back
    r.sse_after = *after;
    c->reply(std::move(r));
  });
  api.add("GET", "/v1/streams/{}", [](const CallPtr& c) {
    if (!require_roles(c, {"committee", "auditor", "admin"})) return;
    auto txn = read_txn(c);
    if (!txn) return;
    auto events = c->api.engine.log().read_stream(*txn, c->param(0));
    if (!events.ok()) return c->reply(problem(503, "unavailable", events.status().to_string()));
    if (events->empty())
      return c->reply(problem(404, "not_found", "stream " + c->param(0) + " has no events"));
    boost::json::array items;
    for (const auto& e : *events) items.push_back(event_json(c->api.engine, e));
    c->reply(json_response(200, {{"stream", c->param(0)}, {"items", std::move(items)}}));
  });
  api.add("GET", "/v1/audit", audit);

  api.add("GET", "/v1/admin/verify", [](const CallPtr& c) {
    if (!require_roles(c, {"admin", "auditor"})) return;
    auto txn = read_txn(c);
    if (!txn) return;
    auto report = c->api.engine.log().verify(*txn);
    if (!report.ok()) return c->reply(problem(503, "unavailable", report.status().to_string()));
    boost::json::object o{
        {"ok", report->ok}, {"events", report->events}, {"head", to_hex(report->head.hash)}};
    if (!report->ok) {
      o["first_bad_position"] = report->first_bad_position;
      o["problem"] = report->problem;
    }
    c->reply(json_response(200, o));
  });
  api.add("POST", "/v1/admin/clock", [](const CallPtr& c) {
    if (!c->api.engine.manual_clock())
      return c->reply(problem(404, "not_found", "the clock is not manual"));
    if (!require_roles(c, {"admin"})) return;
    auto body = body_object(c);
    if (!body) return;
    auto now = workflows::time_field(*body, "now");
    if (!now) return c->reply(field_problem(400, "invalid_field", "now", "now: an RFC 3339 time"));
    if (*now < c->api.engine.now())
      return c->reply(problem(422, "clock_backwards",
                              "the clock stands at " + format_rfc3339(c->api.engine.now())));
    // Firing the due timers waits on the writer: not on a server thread. ~Api waits for
    // the worker, so the answer never reaches into a destroyed Api.
    c->api.worker.run([c, to = *now] {
      auto moved = c->api.engine.advance_clock(to);
      c->api.post([c, moved] {
        if (!moved.ok()) return c->reply(problem(503, "unavailable", moved.status().to_string()));
        c->reply(json_response(200, {{"now", format_rfc3339(*moved)}}));
      });
    });
  });
}

}  // namespace brandledger::api
