// The log itself: /v1/events, /v1/events/stream (SSE), /v1/streams/{stream}, /v1/audit,
// and /v1/admin/verify and /v1/admin/clock.
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "api/routes.h"
#include "api/sheets.h"
#include "engine/json_text.h"
#include "views/keys.h"
#include "views/projections.h"
#include "views/queries.h"
#include "workflows/brand_lifecycle.h"
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
  auto format = format_param(call, kFileFormats);
  if (!format) return;
  // Newest first (API.md); `after` is the last position of the page before.
  auto next_page = [call, f](const storage::ReadTxn& txn, std::size_t n,
                             std::uint64_t from) -> Result<views::Page> {
    BL_ASSIGN_OR_RETURN(
        auto page, views::audit(call->api.engine, txn, f, n, from, views::Order::kNewestFirst));
    for (auto& item : page.items)
      BL_RETURN_IF_ERROR(
          hide_unpublished_results(call->api.engine, txn, call->actor, item.as_object()));
    return page;
  };
  if (!format->empty()) {
    // Every matching entry (no `after`, no `limit`), page after page, each written out
    // before the next is read: a file has no silent cap and no size the server holds at once.
    return reply_file(
        call, [next_page, format = *format](const storage::ReadTxn& txn) -> Result<Response> {
          BL_ASSIGN_OR_RETURN(auto writer, SheetWriter::open(format, "审计追溯", audit_columns()));
          std::uint64_t cursor = 0;
          for (;;) {
            BL_ASSIGN_OR_RETURN(auto page, next_page(txn, 1000, cursor));
            for (const auto& item : page.items)
              BL_RETURN_IF_ERROR(writer->row(audit_row(item.as_object())));
            if (!page.next) break;
            cursor = std::stoull(*page.next);
          }
          return writer->finish();
        });
  }
  auto limit = limit_param(call, 100, 10000);
  if (!limit) return;
  auto after = position_param(call, call->req.param("after"), "after");
  if (!after) return;
  auto txn = read_txn(call);
  if (!txn) return;
  auto page = next_page(*txn, *limit, *after);
  if (!page.ok()) return call->reply(problem(503, "unavailable", page.status().to_string()));
  call->reply(json_response(
      200, {{"items", std::move(page->items)},
            {"next", page->next ? boost::json::value(*page->next) : boost::json::value(nullptr)}}));
}

}  // namespace

bool reads_every_event(const engine::Actor& reader) {
  return sees_scores(reader);
}

bool reads_scoped_events(const engine::Actor& reader) {
  return reader.role == "unit" || reader.role == "branch";
}

Status hide_unpublished_results(const engine::Engine& engine, const storage::ReadTxn& txn,
                                const engine::Actor& reader, boost::json::object& entry) {
  if (sees_scores(reader)) return Status::Ok();
  const auto* type = entry.if_contains("type");
  if (type == nullptr || !type->is_string() ||
      (type->as_string() != "BrandProposed" && type->as_string() != "BrandNotSelected"))
    return Status::Ok();
  auto* data = entry.if_contains("data");
  if (data == nullptr || !data->is_object()) return Status::Ok();
  const std::string round = workflows::str(data->as_object(), "round");
  BL_ASSIGN_OR_RETURN(auto doc,
                      views::get_round(engine::ViewReader(engine.environment(), txn), round));
  const std::string state = doc ? workflows::str(*doc, "state") : "";
  if (state == "notice" || state == "finalized") return Status::Ok();
  data->as_object().erase("final");
  data->as_object().erase("rank");
  return Status::Ok();
}

Result<ReadableEvents> readable_events(const engine::Engine& engine, const storage::ReadTxn& txn,
                                       const engine::Actor& reader, std::uint64_t after,
                                       std::size_t limit) {
  ReadableEvents out;
  auto add = [&](const storage::Event& e) -> Status {
    boost::json::object item = event_json(engine, e);
    BL_RETURN_IF_ERROR(hide_unpublished_results(engine, txn, reader, item));
    out.items.push_back(std::move(item));
    out.last = e.position;
    return Status::Ok();
  };
  if (reads_every_event(reader)) {
    BL_ASSIGN_OR_RETURN(auto events, engine.log().read_all(txn, after, limit + 1));
    out.more = events.size() > limit;
    for (std::size_t i = 0; i < events.size() && i < limit; ++i) BL_RETURN_IF_ERROR(add(events[i]));
    return out;
  }
  if (!reads_scoped_events(reader)) return out;
  // The positions filed under the reader's org, in order, from the one after `after`.
  std::vector<std::uint64_t> positions;
  BL_RETURN_IF_ERROR(engine::ViewReader(engine.environment(), txn)
                         .scan_positions(views::kAuditByOrg, reader.org, after + 1,
                                         storage::Table::Direction::kAscending,
                                         [&](std::uint64_t p) {
                                           positions.push_back(p);
                                           return positions.size() <= limit;
                                         }));
  out.more = positions.size() > limit;
  for (std::size_t i = 0; i < positions.size() && i < limit; ++i) {
    BL_ASSIGN_OR_RETURN(auto event, engine.log().get(txn, positions[i]));
    if (!event)
      return Status::Corruption("the audit index names missing position " +
                                std::to_string(positions[i]));
    BL_RETURN_IF_ERROR(add(*event));
  }
  return out;
}

void add_log_routes(Api::Impl& api) {
  api.add("GET", "/v1/events", [](const CallPtr& c) {
    if (!reads_every_event(c->actor) && !reads_scoped_events(c->actor))
      return c->reply(problem(403, "forbidden", "role " + c->actor.role + " reads no events"));
    auto after = position_param(c, c->req.param("after"), "after");
    auto limit = after ? limit_param(c, 100, 10000) : std::nullopt;
    if (!after || !limit) return;
    auto txn = read_txn(c);
    if (!txn) return;
    auto page = readable_events(c->api.engine, *txn, c->actor, *after, *limit);
    if (!page.ok()) return c->reply(problem(503, "unavailable", page.status().to_string()));
    boost::json::value next = nullptr;
    if (page->more) next = page->last;
    c->reply(json_response(200, {{"items", std::move(page->items)}, {"next", next}}));
  });
  api.add("GET", "/v1/events/stream", [](const CallPtr& c) {
    if (!reads_every_event(c->actor) && !reads_scoped_events(c->actor))
      return c->reply(problem(403, "forbidden", "role " + c->actor.role + " reads no events"));
    // A reconnecting client's Last-Event-ID wins over ?after.
    // (A string, not a view: param() answers a temporary.)
    std::string from(c->req.header("last-event-id"));
    if (from.empty()) from = c->req.param("after");
    auto after = position_param(c, from, "after");
    if (!after) return;
    Response r;
    r.content_type = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy (nginx) must not hold events back
    r.sse_after = *after;
    r.sse_reader = c->actor;  // the stream carries what this caller may read, and no more
    r.sse_credential = c->credential;
    c->reply(std::move(r));
  });
  api.add("GET", "/v1/streams/{}", [](const CallPtr& c) {
    const bool all = reads_every_event(c->actor);
    if (!all && !reads_scoped_events(c->actor))
      return c->reply(problem(403, "forbidden", "role " + c->actor.role + " reads no events"));
    auto txn = read_txn(c);
    if (!txn) return;
    engine::Engine& engine = c->api.engine;
    auto events = engine.log().read_stream(*txn, c->param(0));
    if (!events.ok()) return c->reply(problem(503, "unavailable", events.status().to_string()));
    if (events->empty())
      return c->reply(problem(404, "not_found", "stream " + c->param(0) + " has no events"));
    const engine::ViewReader views(engine.environment(), *txn);
    boost::json::array items;
    for (const auto& e : *events) {
      if (!all) {  // only the events filed under the caller's org
        auto filed = views.has_position(views::kAuditByOrg, c->actor.org, e.position);
        if (!filed.ok()) return c->reply(problem(503, "unavailable", filed.status().to_string()));
        if (!*filed) continue;
      }
      boost::json::object item = event_json(engine, e);
      if (Status s = hide_unpublished_results(engine, *txn, c->actor, item); !s.ok())
        return c->reply(problem(503, "unavailable", s.to_string()));
      items.push_back(std::move(item));
    }
    if (items.empty())
      return c->reply(
          problem(403, "forbidden", "stream " + c->param(0) + " is outside your scope"));
    c->reply(json_response(200, {{"stream", c->param(0)}, {"items", std::move(items)}}));
  });
  api.add("GET", "/v1/audit", audit);

  // The chain, then the views against a rebuild from the log (API.md): a whole-log walk
  // and a rebuild in a scratch copy, so on the worker, never on a server thread.
  api.add("GET", "/v1/admin/verify", [](const CallPtr& c) {
    if (!require_roles(c, {"admin", "auditor"})) return;
    const bool queued = c->api.worker.try_run([c] {
      engine::Engine& engine = c->api.engine;
      Response answer = [&]() -> Response {
        auto txn = engine.begin_read();
        if (!txn.ok()) return problem(503, "unavailable", txn.status().to_string());
        auto report = engine.log().verify(*txn);
        txn->abort();
        if (!report.ok()) return problem(503, "unavailable", report.status().to_string());
        boost::json::object o{
            {"ok", report->ok}, {"events", report->events}, {"head", to_hex(report->head.hash)}};
        if (!report->ok) {
          o["first_bad_position"] = report->first_bad_position;
          o["problem"] = report->problem;
          return json_response(200, o);
        }
        static std::atomic<int> scratches{0};
        const auto scratch =
            std::filesystem::temp_directory_path() /
            ("brandledger-views-" + std::to_string(::getpid()) + "-" + std::to_string(scratches++));
        auto differing = engine.views_differing_from_log(scratch);
        if (!differing.ok()) return problem(503, "unavailable", differing.status().to_string());
        boost::json::array tables;
        for (const std::string& t : *differing) tables.push_back(boost::json::string(t));
        o["views_ok"] = differing->empty();
        o["views_differing"] = std::move(tables);
        if (!differing->empty()) o["ok"] = false;
        return json_response(200, o);
      }();
      c->api.post([c, answer = std::move(answer)]() mutable { c->reply(std::move(answer)); });
    });
    if (!queued) c->reply(problem(503, "unavailable", "the server is stopping"));
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
    const bool queued = c->api.worker.try_run([c, to = *now] {
      auto moved = c->api.engine.advance_clock(to);
      c->api.post([c, moved] {
        if (!moved.ok()) return c->reply(problem(503, "unavailable", moved.status().to_string()));
        c->reply(json_response(200, {{"now", format_rfc3339(*moved)}}));
      });
    });
    if (!queued) c->reply(problem(503, "unavailable", "the server is stopping"));
  });

  // Failover (docs/SCALE-OUT.md): a replica catches up with the replicated log and becomes
  // the writer. Catching up waits on the stream: on the worker, never a server thread.
  api.add("POST", "/v1/admin/promote", [](const CallPtr& c) {
    if (!require_roles(c, {"admin"})) return;
    if (!c->api.options.replication)
      return c->reply(problem(409, "illegal_transition",
                              "this server is a single node: there is nothing to promote"));
    const bool queued = c->api.worker.try_run([c] {
      const Status promoted = c->api.options.replication->promote();
      c->api.post([c, promoted] {
        if (promoted.code() == Status::Code::kUnavailable)
          return c->reply(problem(503, "unavailable", promoted.message()));
        if (!promoted.ok()) return c->reply(problem(409, "illegal_transition", promoted.message()));
        const engine::ReplicationStatus r = c->api.engine.replication_status();
        spdlog::warn("promoted to writer by {} after batch {} (position {})", c->actor.id,
                     r.sequence, r.position);
        c->reply(json_response(200, {{"role", engine::role_name(r.role)},
                                     {"sequence", r.sequence},
                                     {"position", r.position}}));
      });
    });
    if (!queued) c->reply(problem(503, "unavailable", "the server is stopping"));
  });
}

}  // namespace brandledger::api
