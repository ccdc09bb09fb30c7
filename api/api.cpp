#include "api/api.h"

#include <arpa/inet.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/routes.h"
#include "core/passwords.h"
#include "core/sha256.h"
#include "engine/json_text.h"
#include "views/projections.h"
#include "views/queries.h"
#include "views/render.h"
#include "workflows/credentials.h"
#include "workflows/json_fields.h"
#include "workflows/lookups.h"
#include "workflows/model.h"

namespace brandledger::api {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const auto j = path.find('/', i);
    out.emplace_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return out;
}

bool match(const Route& route, const std::vector<std::string>& segments,
           std::vector<std::string>* params) {
  if (route.pattern.size() != segments.size()) return false;
  params->clear();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (route.pattern[i] == "{}")
      params->push_back(segments[i]);
    else if (route.pattern[i] != segments[i])
      return false;
  }
  return true;
}

std::string_view content_type_for(const std::filesystem::path& p) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

// The console's pages run only our own scripts, talk only to us, and are never framed;
// Element Plus sets inline styles, so styles may be inline (scripts never).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

std::optional<std::string> read_whole(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether Accept-Encoding lists gzip with a weight above zero (RFC 9110 12.5.3).
bool accepts_gzip(const Request& req) {
  std::string_view rest = req.header("accept-encoding");
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto semi = item.find(';');
    if (trimmed(item.substr(0, semi)) != "gzip") continue;
    if (semi == std::string_view::npos) return true;
    const std::string_view param = trimmed(item.substr(semi + 1));
    if (!param.starts_with("q=")) return true;
    return std::strtod(std::string(param.substr(2)).c_str(), nullptr) > 0;
  }
  return false;
}

// The console's files (a Vite build): hashed assets cached for good, index.html always
// revalidated, a precompressed .gz beside a file served to clients that take gzip, and any
// other path outside /assets/ answered with index.html (the console's own routes).
std::optional<Response> static_file(const std::filesystem::path& root, const Request& req) {
  std::error_code ec;
  const auto base = std::filesystem::weakly_canonical(root, ec);
  if (ec) return std::nullopt;
  auto file =
      std::filesystem::weakly_canonical(base / std::filesystem::path(req.path).relative_path(), ec);
  // Never outside the root: the file must be the root or below it, component by component.
  const auto rel = file.lexically_relative(base);
  if (ec || rel.empty() || *rel.begin() == "..") return std::nullopt;
  const bool asset = *rel.begin() == "assets";
  if (std::filesystem::is_directory(file, ec) || !std::filesystem::exists(file, ec)) {
    if (asset) return std::nullopt;  // a missing script is a 404, not the page
    file = base / "index.html";
  }
  Response r;
  r.content_type = std::string(content_type_for(file));
  std::optional<std::string> body;
  if (accepts_gzip(req) && std::filesystem::exists(file.string() + ".gz", ec)) {
    body = read_whole(file.string() + ".gz");
    if (body) r.headers.emplace_back("Content-Encoding", "gzip");
  }
  if (!body) body = read_whole(file);
  if (!body) return std::nullopt;
  r.body = std::move(*body);
  r.headers.emplace_back("Vary", "Accept-Encoding");
  r.headers.emplace_back("Cache-Control",
                         asset ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

// If-Match (RFC 9110 13.1.1): "*", or a list of entity tags compared strongly, so a weak
// tag (W/"3") never matches. Ours are "<version>"; any other opaque tag matches nothing.
struct IfMatch {
  bool any = false;                     // "*"
  std::vector<std::uint64_t> versions;  // the strong tags that are versions
};
std::optional<IfMatch> parse_if_match(std::string_view text) {
  auto skip_space = [&text] {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  };
  skip_space();
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  IfMatch out;
  if (text == "*") {
    out.any = true;
    return out;
  }
  bool any_tag = false;
  while (true) {
    skip_space();
    if (text.empty()) break;
    if (text.front() == ',') {
      text.remove_prefix(1);
      continue;
    }
    const bool weak = text.starts_with("W/");
    if (weak) text.remove_prefix(2);
    if (!text.starts_with('"')) return std::nullopt;
    const auto close = text.find('"', 1);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view tag = text.substr(1, close - 1);
    text.remove_prefix(close + 1);
    skip_space();
    if (!text.empty() && text.front() != ',') return std::nullopt;
    any_tag = true;
    std::uint64_t version = 0;
    const auto [end, err] = std::from_chars(tag.data(), tag.data() + tag.size(), version);
    if (!weak && !tag.empty() && err == std::errc() && end == tag.data() + tag.size())
      out.versions.push_back(version);
  }
  if (!any_tag) return std::nullopt;
  return out;
}

bool changes_state(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

bool secure_cookies(const ApiOptions& options) {
  return options.secure_cookies || options.public_origin.starts_with("https://");
}

bool same_origin(const Request& req, const ApiOptions& options) {
  const std::string_view origin = req.header("origin");
  if (origin.empty()) return true;  // not a browser's cross-origin request
  if (!options.public_origin.empty()) return origin == options.public_origin;
  return origin == std::string(options.secure_cookies ? "https://" : "http://") +
                       std::string(req.header("host"));
}

Api::Api(engine::Engine& engine, Post post, ApiOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(post), std::move(options))) {
  impl_->add(
      "GET", "/healthz",
      [](const CallPtr& c) {
        // Degraded (still serving) when the background walk found the chain broken.
        const auto chain = c->api.engine.chain_status();
        boost::json::object o{{"ok", chain.ok}, {"status", chain.ok ? "ok" : "degraded"}};
        boost::json::object check{{"checked", chain.checked}, {"ok", chain.ok}};
        if (chain.checked) {
          check["events"] = chain.events;
          check["at"] = format_rfc3339(chain.at);
        }
        if (!chain.ok) {
          check["first_bad_position"] = chain.first_bad_position;
          check["problem"] = chain.problem;
        }
        o["chain"] = std::move(check);
        if (const auto& replication = c->api.options.replication) {
          const engine::ReplicationStatus r = c->api.engine.replication_status();
          const auto [events, seconds] = replication->behind();
          boost::json::object rep{{"role", engine::role_name(r.role)},
                                  {"sequence", r.sequence},
                                  {"behind", events},
                                  {"behind_seconds", seconds}};
          if (r.degraded) {
            rep["degraded"] = true;
            rep["problem"] = r.problem;
            o["ok"] = false;
            o["status"] = "degraded";
          }
          o["replication"] = std::move(rep);
        }
        c->reply(json_response(200, o));
      },
      false);
  impl_->add(
      "GET", "/metrics",
      [](const CallPtr& c) {
        Response r;
        r.content_type = "text/plain; version=0.0.4";
        r.body = c->api.engine.render_metrics() + c->api.auth.render_metrics();
        if (const auto& replication = c->api.options.replication) r.body += replication->metrics();
        c->reply(std::move(r));
      },
      false);
  add_org_routes(*impl_);
  add_account_routes(*impl_);
  add_brand_routes(*impl_);
  add_round_routes(*impl_);
  add_report_routes(*impl_);
  add_log_routes(*impl_);
}

Api::~Api() = default;

std::vector<std::string> Api::route_table() const {
  std::vector<std::string> out;
  for (const Route& r : impl_->routes) {
    std::string line = r.method + " ";
    for (const std::string& segment : r.pattern) line += "/" + segment;
    out.push_back(std::move(line));
  }
  return out;
}

void Api::handle(Request request, Reply reply) {
  impl_->dispatch(std::move(request), std::move(reply));
}

void Api::Impl::add(std::string method, std::string_view path, RouteHandler handler,
                    bool authenticated) {
  std::vector<std::string> pattern = split_path(path);
  routes.push_back({std::move(method), std::move(pattern), authenticated, std::move(handler)});
}

void Api::Impl::dispatch(Request request, Reply reply) {
  // API.md: under Accept-Language preferring Chinese a problem's title and detail are
  // Chinese (its code never changes).
  if (prefers_chinese(request.header("accept-language")))
    reply = [inner = std::move(reply)](Response r) {
      localize_problem(r);
      inner(std::move(r));
    };
  // Behind a trusted proxy the client is the last address its X-Forwarded-For names.
  if (!options.trusted_proxies.empty() &&
      std::find(options.trusted_proxies.begin(), options.trusted_proxies.end(), request.remote) !=
          options.trusted_proxies.end()) {
    std::string_view forwarded = request.header("x-forwarded-for");
    if (const auto comma = forwarded.rfind(','); comma != std::string_view::npos)
      forwarded.remove_prefix(comma + 1);
    while (forwarded.starts_with(' ')) forwarded.remove_prefix(1);
    while (forwarded.ends_with(' ')) forwarded.remove_suffix(1);
    // Only an address: anything else in the header is a client's, not the proxy's, word.
    const std::string candidate(forwarded);
    unsigned char bytes[16];
    if (inet_pton(AF_INET, candidate.c_str(), bytes) == 1 ||
        inet_pton(AF_INET6, candidate.c_str(), bytes) == 1)
      request.remote = candidate;
  }
  const auto segments = split_path(request.path);
  std::vector<std::string> params;
  const Route* found = nullptr;
  std::set<std::string> allowed;  // the path's methods, for a 405's Allow
  for (const Route& r : routes)
    if (match(r, segments, &params)) {
      if (r.method == request.method) {
        found = &r;
        break;
      }
      allowed.insert(r.method);
    }
  if (found == nullptr) {
    if (!allowed.empty()) {
      std::string allow;
      for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      Response r =
          problem(405, "method_not_allowed",
                  request.method + " is not allowed on " + request.path + " (" + allow + ")");
      r.headers.emplace_back("Allow", std::move(allow));
      return reply(std::move(r));
    }
    if (options.web_root && request.method == "GET" && !request.path.starts_with("/v1"))
      if (auto file = static_file(*options.web_root, request)) return reply(std::move(*file));
    return reply(problem(404, "not_found", "no such endpoint: " + request.path));
  }
  auto call = std::make_shared<Call>(
      Call{*this, std::move(request), std::move(params), {}, std::move(reply), {}, {}, {}});
  if (found->authenticated) {
    auto outcome = auth.authenticate(call->req);
    if (!outcome.caller) return call->reply(std::move(*outcome.refusal));
    call->actor = std::move(outcome.caller->actor);
    call->session = std::move(outcome.caller->session);
    call->credential = std::move(outcome.caller->key);
    // A cookie travels with every request the browser makes, a forged one included: a
    // change made by cookie must show the session's CSRF token and come from our origin.
    if (call->session && changes_state(call->req.method)) {
      if (!secrets_equal(call->req.header("x-csrf-token"), call->session->csrf))
        return call->reply(problem(403, "csrf",
                                   "a request by session cookie that changes anything must carry "
                                   "X-CSRF-Token (from POST or GET /v1/session)"));
      if (!same_origin(call->req, options))
        return call->reply(problem(403, "csrf", "the request's Origin is not this server's"));
    }
  }
  try {
    found->handler(call);
  } catch (const std::exception& e) {
    spdlog::error("handler {} {} threw: {}", call->req.method, call->req.path, e.what());
    call->reply(problem(500, "internal", "the server failed to answer"));
  }
}

Result<std::string> Api::sse_events(const storage::Actor& reader, const std::string& credential,
                                    std::uint64_t* after, std::size_t limit) {
  if (!credential.empty()) {
    BL_ASSIGN_OR_RETURN(auto caller, impl_->auth.recheck(credential));
    if (!caller || caller->actor.id != reader.id || caller->actor.role != reader.role ||
        caller->actor.org != reader.org)
      return Status::Unsupported("the stream's credential no longer holds");
  }
  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, impl_->engine.begin_read());
  BL_ASSIGN_OR_RETURN(ReadableEvents page,
                      readable_events(impl_->engine, txn, reader, *after, limit));
  // Unnamed events: a browser's EventSource.onmessage sees every one (a named event only
  // reaches listeners of that name). The type is in the data.
  std::string out;
  for (const auto& item : page.items) {
    const auto position = item.as_object().at("position").to_number<std::uint64_t>();
    out += "id: " + std::to_string(position) + "\ndata: " + engine::to_text(item) + "\n\n";
  }
  if (page.last != 0) *after = page.last;
  return out;
}

// --- helpers ---

Response json_response(unsigned status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.body = engine::to_text(body);
  return r;
}

Response entity_response(unsigned status, const boost::json::object& body) {
  const auto* v = body.if_contains("version");
  if (v == nullptr) return json_response(status, body);
  return entity_response(status, engine::to_text(body), v->to_number<std::uint64_t>());
}

Response entity_response(unsigned status, std::string json_text, std::uint64_t version) {
  Response r;
  r.status = status;
  r.body = std::move(json_text);
  r.headers.emplace_back("ETag", "\"" + std::to_string(version) + "\"");
  return r;
}

Response view_document(engine::Engine& engine, std::string_view table, const std::string& id,
                       unsigned status) {
  auto txn = engine.begin_read();
  if (!txn.ok()) return problem(503, "unavailable", txn.status().to_string());
  engine::ViewReader v(engine.environment(), *txn);
  auto doc = table == views::kOrgs ? views::get_org(v, id) : views::get_user(v, id);
  if (!doc.ok()) return problem(503, "unavailable", doc.status().to_string());
  if (!*doc) return problem(404, "not_found", std::string(table) + " " + id + " does not exist");
  return json_response(status, **doc);
}

std::optional<boost::json::object> body_object(const CallPtr& call) {
  const std::string& body = call->req.body;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return boost::json::object{};
  // Boost.JSON calls bad UTF-8 a syntax error; the client is told which it is.
  if (!valid_utf8(body)) {
    call->reply(problem(400, "invalid_utf8", "the body is not valid UTF-8"));
    return std::nullopt;
  }
  boost::json::parse_options options;
  options.max_depth = 32;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, {}, options);
  if (ec) {
    call->reply(problem(400, "invalid_json", "the body is not valid JSON: " + ec.message()));
    return std::nullopt;
  }
  if (!v.is_object()) {
    call->reply(problem(400, "invalid_json", "the body must be a JSON object"));
    return std::nullopt;
  }
  return std::move(v.as_object());
}

void run_command(const CallPtr& call, engine::Command command,
                 std::function<Response(const engine::CommandOutcome&)> done) {
  command.actor = call->actor;
  const std::string_view key = call->req.header("idempotency-key");
  if (key.size() > 200)
    return call->reply(problem(400, "invalid_field", "Idempotency-Key is longer than 200"));
  command.idempotency_key = std::string(key);
  if (!key.empty()) {
    // A key belongs to its request: the same key with another method, path or body is
    // refused (422 idempotency_key_reused), never answered with another request's answer.
    const std::string request = call->req.method + '\n' + call->req.path + '\n' +
                                call->digest_body.value_or(call->req.body);
    const Sha256Digest digest = sha256(request);
    command.request_digest.assign(reinterpret_cast<const char*>(digest.data()),
                                  storage::kRequestDigestSize);
  }
  if (const std::string_view header = call->req.header("if-match"); !header.empty()) {
    auto match = parse_if_match(header);
    if (!match)
      return call->reply(
          field_problem(400, "invalid_field", "If-Match",
                        "If-Match: *, or entity tags like \"3\" separated by commas"));
    if (!match->any && match->versions.size() == 1) {
      command.expected_version = match->versions.front();  // checked in the command's batch
    } else {
      // "*" or a list: compare with the stream's head now; the command then expects that
      // very version, so a write in between still fails it.
      auto txn = read_txn(call);
      if (!txn) return;
      auto current = call->api.engine.log().stream_version(*txn, command.stream);
      if (!current.ok())
        return call->reply(problem(503, "unavailable", current.status().to_string()));
      const bool listed = std::find(match->versions.begin(), match->versions.end(), *current) !=
                          match->versions.end();
      if (match->any ? *current == 0 : !listed)
        return call->reply(problem(412, "version_mismatch",
                                   command.stream + " is at version " + std::to_string(*current) +
                                       ", which If-Match does not match"));
      if (!match->any) command.expected_version = *current;
    }
  }
  if (const auto* comment = command.args.if_contains("comment")) {
    if (!comment->is_string())
      return call->reply(
          field_problem(400, "invalid_field", "comment", "comment: must be a string"));
    command.comment = std::string(comment->as_string());
  }
  command.correlation_id = std::string(call->req.header("x-request-id"));
  Api::Impl& api = call->api;
  api.engine.submit(
      std::move(command), [call, done = std::move(done)](engine::CommandOutcome outcome) {
        call->api.post([call, done, outcome = std::move(outcome)] {
          if (outcome.rejection) return call->reply(problem(*outcome.rejection));
          if (!outcome.error.ok()) {
            spdlog::error("command {} failed: {}", call->req.path, outcome.error.to_string());
            return call->reply(command_failure(outcome.error));
          }
          try {
            call->reply(done(outcome));
          } catch (const std::exception& e) {
            spdlog::error("answering {} failed: {}", call->req.path, e.what());
            call->reply(problem(500, "internal", "the server failed to answer"));
          }
        });
      });
}

std::optional<storage::ReadTxn> read_txn(const CallPtr& call) {
  auto txn = call->api.engine.begin_read();
  if (!txn.ok()) {
    call->reply(problem(503, "unavailable", txn.status().to_string()));
    return std::nullopt;
  }
  return std::move(txn).value();
}

bool require_roles(const CallPtr& call, std::initializer_list<std::string_view> roles) {
  for (std::string_view r : roles)
    if (call->actor.role == r) return true;
  call->reply(problem(403, "forbidden", "role " + call->actor.role + " may not read this"));
  return false;
}

bool sees_scores(const engine::Actor& actor) {
  return actor.role == "committee" || actor.role == "auditor" || actor.role == "admin";
}

bool can_see(const engine::Actor& actor, std::string_view unit, std::string_view branch) {
  if (actor.role == "unit") return unit == actor.org;
  if (actor.role == "branch") return branch == actor.org;
  return true;
}

bool can_see_brand(const engine::Actor& actor, const boost::json::object& brand) {
  return can_see(actor, workflows::str(brand, "unit"), workflows::str(brand, "branch"));
}

Result<boost::json::object> brand_at_version(engine::Engine& engine, const std::string& id,
                                             std::uint64_t version) {
  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
  BL_ASSIGN_OR_RETURN(engine::StreamState s,
                      engine.replay(txn, workflows::brand_stream(id), version));
  return views::render_brand(*s.as<workflows::BrandState>(), s.version);
}

Result<boost::json::object> round_at_version(engine::Engine& engine, const std::string& id,
                                             std::uint64_t version) {
  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
  // The document in the view when it is at that version; rounds can hold thousands of scores.
  engine::ViewReader v(engine.environment(), txn);
  BL_ASSIGN_OR_RETURN(auto doc, views::get_round(v, id));
  if (doc && doc->at("version").to_number<std::uint64_t>() == version) return *doc;
  BL_ASSIGN_OR_RETURN(engine::StreamState s,
                      engine.replay(txn, workflows::round_stream(id), version));
  return views::render_round(*s.as<workflows::RoundState>(), s.version);
}

std::uint64_t version_after(const engine::CommandOutcome& outcome, std::string_view stream) {
  for (const auto& head : outcome.append.streams)
    if (head.stream == stream) return head.version;
  return 0;
}

std::optional<std::size_t> limit_param(const CallPtr& call, std::size_t fallback, std::size_t max) {
  const std::string text = call->req.param("limit");
  if (text.empty()) return fallback;
  std::size_t n = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (err != std::errc() || end != text.data() + text.size() || n == 0 || n > max) {
    call->reply(field_problem(400, "invalid_field", "limit",
                              "limit: a whole number from 1 to " + std::to_string(max)));
    return std::nullopt;
  }
  return n;
}

std::optional<Timestamp> time_param(const CallPtr& call, std::string_view name) {
  const std::string text = call->req.param(name);
  auto t = parse_rfc3339(text);
  if (!t) {
    call->reply(
        field_problem(400, "invalid_field", name,
                      std::string(name) +
                          ": an RFC 3339 time, like 2026-11-22T10:00:00Z, or a date, 2026-11-22"));
    return t;
  }
  // A date alone is the whole of that day in the committee's time zone (Asia/Shanghai,
  // UTC+8 all year): its last microsecond.
  if (text.size() == 10)
    *t += std::chrono::days(1) - std::chrono::hours(8) - std::chrono::microseconds(1);
  return t;
}

std::optional<std::string> format_param(const CallPtr& call,
                                        std::span<const std::string_view> files) {
  const std::string format = call->req.param("format");
  if (format.empty() || format == "json") return std::string();
  for (std::string_view f : files)
    if (format == f) return format;
  std::string supported = "json";
  for (std::string_view f : files) supported += ", " + std::string(f);
  call->reply(field_problem(400, "invalid_field", "format",
                            "format: " + format + " is not offered here; one of " + supported));
  return std::nullopt;
}

void reply_file(const CallPtr& call, FileMaker make) {
  const bool queued = call->api.exports.try_run([call, make = std::move(make)] {
    Result<Response> file = Status::Internal("the export did not run");
    try {
      auto txn = call->api.engine.begin_read();
      file = txn.ok() ? make(*txn) : Result<Response>(txn.status());
    } catch (const std::exception& e) {
      file = Status::Internal(e.what());
    }
    call->api.post([call, file = std::move(file)]() mutable {
      if (file.ok()) return call->reply(std::move(*file));
      spdlog::error("export {} failed: {}", call->req.path, file.status().to_string());
      if (file.status().code() == Status::Code::kInternal)
        return call->reply(problem(500, "internal", "the server failed to write the file"));
      call->reply(problem(503, "unavailable", "the file could not be written: try again later"));
    });
  });
  if (!queued)
    call->reply(problem(503, "unavailable", "too many files are being written: try again shortly",
                        {}, std::chrono::seconds(10)));
}

boost::json::object event_json(const engine::Engine& engine, const storage::Event& e) {
  storage::EventView view;
  view.position = e.position;
  view.type = e.type;
  view.schema_version = e.schema_version;
  view.data = e.data;
  auto data = engine.event_data(view);
  return {
      {"position", e.position},
      {"stream", e.stream},
      {"version", e.version},
      {"type", e.type},
      {"occurred_at", format_rfc3339(e.occurred_at)},
      {"recorded_at", format_rfc3339(e.recorded_at)},
      {"actor",
       {{"id", e.actor.id}, {"name", e.actor.name}, {"role", e.actor.role}, {"org", e.actor.org}}},
      {"command_id", e.command_id},
      {"correlation_id", e.correlation_id},
      {"comment", e.comment},
      {"data", data.ok() ? boost::json::value(std::move(*data)) : boost::json::value(nullptr)},
      {"prev_hash", to_hex(e.prev_hash)},
      {"hash", to_hex(e.hash)}};
}

std::string new_token() {
  return random_hex(32);
}

std::string new_token_id() {
  return "tk-" + random_hex(6);
}

Status bootstrap_admin(engine::Engine& engine, const std::string& token) {
  {
    BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
    engine::ViewReader views(engine.environment(), txn);
    bool has_admin = false;
    BL_RETURN_IF_ERROR(views.scan(views::kUsers, "", [&](std::string_view, std::string_view value) {
      has_admin = workflows::str(boost::json::parse(value).as_object(), "role") == "admin";
      return !has_admin;
    }));
    if (has_admin) return Status::Ok();
  }
  engine::Command c;
  c.type = "user.create";
  c.stream = workflows::user_stream("admin");
  c.actor = {"system", "系统", "admin", ""};
  c.comment = "bootstrap administrator";
  c.args = {{"id", "admin"},
            {"name", "系统管理员"},
            {"role", "admin"},
            {"token_sha256", to_hex(sha256(token))},
            {"token_id", new_token_id()}};
  auto outcome = engine.execute(std::move(c));
  if (outcome.rejection)
    return Status::InvalidArgument(outcome.rejection->code + ": " + outcome.rejection->detail);
  return outcome.error;
}

}  // namespace brandledger::api
