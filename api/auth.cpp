#include "api/auth.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "api/problem.h"
#include "core/passwords.h"
#include "core/sha256.h"
#include "engine/logging.h"
#include "views/projections.h"
#include "views/queries.h"
#include "workflows/credentials.h"
#include "workflows/json_fields.h"

namespace brandledger::api {
namespace {

std::chrono::seconds seconds_until(SteadyTime then, SteadyTime now) {
  const auto left = std::chrono::ceil<std::chrono::seconds>(then - now);
  return std::max(left, std::chrono::seconds(1));
}

// "Bearer <token>" with the scheme in any case (RFC 9110 11.1); "" when not that shape.
std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kBearer = "bearer";
  if (authorization.size() <= kBearer.size() || authorization[kBearer.size()] != ' ') return {};
  for (std::size_t i = 0; i < kBearer.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kBearer[i]) return {};
  std::string_view token = authorization.substr(kBearer.size());
  while (token.starts_with(' ')) token.remove_prefix(1);
  return token;
}

}  // namespace

std::string printable_id(std::string_view text) {
  std::string out;
  for (char ch : text.substr(0, 64))
    out += (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ? '?' : ch;
  return out;
}

// --- AttemptLimiter ---

void AttemptLimiter::expire(Entry& e, SteadyTime now) const {
  while (!e.failures.empty() && e.failures.front() + window_ <= now) e.failures.pop_front();
}

std::chrono::seconds AttemptLimiter::check(const std::string& key, SteadyTime now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::chrono::seconds(0);
  expire(it->second, now);
  if (it->second.failures.size() < limit_) return std::chrono::seconds(0);
  ++it->second.refused;
  return seconds_until(it->second.failures.front() + window_, now);
}

AttemptLimiter::Entry* AttemptLimiter::entry(const std::string& key, SteadyTime now) {
  if (auto it = entries_.find(key); it != entries_.end()) return &it->second;
  if (entries_.size() >= max_keys_) {
    for (auto e = entries_.begin(); e != entries_.end();) {
      expire(e->second, now);
      e = e->second.idle() ? entries_.erase(e) : std::next(e);
    }
    if (entries_.size() >= max_keys_) {
      if (!warned_full_)
        spdlog::warn("attempt limiter full ({} keys): new keys go unlimited until some expire",
                     max_keys_);
      warned_full_ = true;
      return nullptr;
    }
  }
  return &entries_.emplace(key, Entry{}).first->second;
}

std::size_t AttemptLimiter::fail(const std::string& key, SteadyTime now) {
  std::lock_guard lock(mutex_);
  Entry* e = entry(key, now);
  if (e == nullptr) return 0;
  expire(*e, now);
  e->failures.push_back(now);
  if (e->failures.size() > limit_) e->failures.pop_front();
  ++e->new_failures;
  return e->failures.size();
}

std::chrono::seconds AttemptLimiter::begin(const std::string& key, SteadyTime now) {
  std::lock_guard lock(mutex_);
  Entry* e = entry(key, now);
  if (e == nullptr) return std::chrono::seconds(0);
  expire(*e, now);
  if (e->failures.size() >= limit_) {
    ++e->refused;
    return seconds_until(e->failures.front() + window_, now);
  }
  if (e->failures.size() + e->in_flight >= limit_) {
    ++e->refused;
    return std::chrono::seconds(1);
  }
  ++e->in_flight;
  return std::chrono::seconds(0);
}

void AttemptLimiter::end(const std::string& key, SteadyTime now, bool failed) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.in_flight > 0) --it->second.in_flight;
  }
  if (failed) fail(key, now);
}

void AttemptLimiter::clear(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

std::vector<AttemptLimiter::Report> AttemptLimiter::take_reports(SteadyTime now) {
  std::vector<Report> out;
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    expire(e, now);
    if (e.new_failures != 0 || e.refused != 0)
      out.push_back({it->first, e.new_failures, e.refused, e.failures.size() >= limit_});
    e.new_failures = 0;
    e.refused = 0;
    it = e.idle() ? entries_.erase(it) : std::next(it);
  }
  warned_full_ = false;
  return out;
}

// --- Authenticator ---

Authenticator::Authenticator(engine::Engine& engine, AuthLimits limits)
    : engine_(engine),
      limits_(limits),
      login_by_user_(limits.login_failures_per_user, limits.login_window),
      login_by_address_(limits.login_failures_per_address, limits.login_window),
      credentials_by_address_(limits.credential_failures_per_address, limits.credential_window),
      passwords_("bl-passwords", 2, 64) {
  housekeeping_ = std::thread([this] {
    engine::name_this_thread("bl-auth");
    housekeeping();
  });
}

Authenticator::~Authenticator() {
  {
    std::lock_guard lock(housekeeping_mutex_);
    stopping_ = true;
  }
  housekeeping_cv_.notify_all();
  housekeeping_.join();
  log_reports();  // what the last 10 s saw is not lost at a stop
  write_last_used();
}

std::string Authenticator::session_cookie(const Request& req) {
  for (const auto& [name, value] : req.headers) {
    if (name != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (pair.starts_with(' ')) pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != kSessionCookie) continue;
      std::string_view v = pair.substr(eq + 1);
      while (v.ends_with(' ')) v.remove_suffix(1);
      return std::string(v);
    }
  }
  return {};
}

Authenticator::Outcome Authenticator::authenticate(const Request& req) {
  const std::string_view authorization = req.header("authorization");
  const bool by_cookie = authorization.empty();
  std::string credential =
      by_cookie ? session_cookie(req) : std::string(bearer_token(authorization));
  if (credential.empty())
    return {std::nullopt,
            problem(401, "unauthorized", "a bearer token or a session cookie is required")};

  const auto now = std::chrono::steady_clock::now();
  if (auto wait = credentials_by_address_.check(req.remote, now); wait.count() > 0) {
    throttled.fetch_add(1, std::memory_order_relaxed);
    return {std::nullopt,
            problem(429, "too_many_attempts",
                    "too many failed authentications from this address; try again later", {},
                    wait)};
  }
  if (credential.size() > 512) return {std::nullopt, refuse_credential(req, by_cookie)};
  const std::string hash = to_hex(sha256(credential));
  auto caller = lookup(by_cookie ? 's' : 't', hash);
  if (!caller.ok()) {
    spdlog::error("authentication could not read credentials: {}", caller.status().to_string());
    return {std::nullopt, problem(503, "unavailable", "credentials cannot be read now")};
  }
  if (!*caller) return {std::nullopt, refuse_credential(req, by_cookie)};
  return {std::move(**caller), std::nullopt};
}

Response Authenticator::refuse_credential(const Request& req, bool by_cookie) {
  credential_failures.fetch_add(1, std::memory_order_relaxed);
  // Counted per address and logged in aggregate by housekeeping(): a line per failure would
  // itself be a flood.
  credentials_by_address_.fail(req.remote, std::chrono::steady_clock::now());
  Response r = problem(401, "unauthorized",
                       by_cookie ? "the session has ended or is unknown; log in again"
                                 : "the bearer token is unknown, revoked or its user disabled");
  if (by_cookie)  // the browser drops the dead cookie
    r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) +
                                             "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  return r;
}

Result<std::optional<Caller>> Authenticator::lookup(char kind, const std::string& hash, bool use) {
  const std::string key = std::string(1, kind) + hash;
  const Timestamp now = engine_.now();
  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine_.begin_read());
  BL_ASSIGN_OR_RETURN(std::uint64_t epoch, workflows::credentials_epoch(engine_, txn));
  {
    std::lock_guard lock(mutex_);
    if (epoch != cache_epoch_) {
      cache_.clear();
      cache_epoch_ = epoch;
    }
    if (auto it = cache_.find(key); it != cache_.end()) {
      Cached& c = it->second;
      if (kind == 't') {
        if (use) used_tokens_[hash] = now;
        return std::optional<Caller>(c.caller);
      }
      const workflows::SessionRecord limits{{}, {}, {}, c.created_at, {}, {}, {}};
      if (!limits.live_at(now, c.last_seen)) {
        cache_.erase(it);
        return std::optional<Caller>();
      }
      if (use) {
        c.last_seen = std::max(c.last_seen, now);
        seen_sessions_[hash] = c.last_seen;
      }
      return std::optional<Caller>(c.caller);
    }
  }

  Cached entry;
  std::string user;
  if (kind == 't') {
    BL_ASSIGN_OR_RETURN(auto token, workflows::token_by_hash(engine_, txn, hash));
    if (!token) return std::optional<Caller>();
    user = token->user;
  } else {
    BL_ASSIGN_OR_RETURN(auto session, workflows::session_by_hash(engine_, txn, hash));
    if (!session) return std::optional<Caller>();
    Timestamp seen = session->last_seen;
    {
      std::lock_guard lock(mutex_);
      if (auto it = seen_sessions_.find(hash); it != seen_sessions_.end())
        seen = std::max(seen, it->second);
    }
    if (!session->live_at(now, seen)) return std::optional<Caller>();
    user = session->user;
    entry.created_at = session->created_at;
    entry.last_seen = use ? std::max(seen, now) : seen;
    entry.caller.session = SessionCaller{session->id, hash, session->csrf};
  }
  engine::ViewReader views(engine_.environment(), txn);
  BL_ASSIGN_OR_RETURN(auto doc, views::get_user(views, user));
  if (!doc || workflows::flag(*doc, "disabled")) return std::optional<Caller>();
  entry.caller.actor = {workflows::str(*doc, "id"), workflows::str(*doc, "name"),
                        workflows::str(*doc, "role"), workflows::str(*doc, "org")};
  entry.caller.key = key;
  std::lock_guard lock(mutex_);
  if (use && kind == 't')
    used_tokens_[hash] = now;
  else if (use)
    seen_sessions_[hash] = entry.last_seen;
  // Only while the epoch read in this very transaction is still the cache's: a command that
  // took a credential away in between has moved it, and its clearing must not be undone.
  if (epoch == cache_epoch_) {
    if (cache_.size() > 10000) cache_.clear();
    cache_.emplace(key, entry);
  }
  return std::optional<Caller>(std::move(entry.caller));
}

std::optional<Timestamp> Authenticator::unwritten_last_use(const std::string& token_hash) const {
  std::lock_guard lock(mutex_);
  if (auto it = used_tokens_.find(token_hash); it != used_tokens_.end()) return it->second;
  return std::nullopt;
}

void Authenticator::write_last_used() {
  std::unordered_map<std::string, Timestamp> tokens, sessions;
  {
    std::lock_guard lock(mutex_);
    tokens.swap(used_tokens_);
    sessions = seen_sessions_;  // kept: the idle expiry reads them until they are written
  }
  if (tokens.empty() && sessions.empty()) return;
  Status s = engine_.write_secrets([&](storage::WriteTxn& txn, const storage::Table& secrets) {
    // Only records still there: one revoked or logged out meanwhile stays gone.
    for (const auto& [hash, used] : tokens) {
      BL_ASSIGN_OR_RETURN(auto text, secrets.get(txn, workflows::token_key(hash)));
      if (!text) continue;
      auto token = workflows::decode_token(*text);
      if (!token || (token->last_used && *token->last_used >= used)) continue;
      token->last_used = used;
      BL_RETURN_IF_ERROR(secrets.put(txn, workflows::token_key(hash), workflows::encode(*token)));
    }
    for (const auto& [hash, seen] : sessions) {
      BL_ASSIGN_OR_RETURN(auto text, secrets.get(txn, workflows::session_key(hash)));
      if (!text) continue;
      auto session = workflows::decode_session(*text);
      if (!session || session->last_seen >= seen) continue;
      session->last_seen = seen;
      BL_RETURN_IF_ERROR(
          secrets.put(txn, workflows::session_key(hash), workflows::encode(*session)));
    }
    return Status::Ok();
  });
  std::lock_guard lock(mutex_);
  if (!s.ok()) {
    spdlog::warn("could not write the last-used times of credentials: {}", s.to_string());
    for (const auto& [hash, used] : tokens) used_tokens_.try_emplace(hash, used);
    return;
  }
  // Written: what memory still holds only matters if it moved on since.
  for (const auto& [hash, seen] : sessions)
    if (auto it = seen_sessions_.find(hash); it != seen_sessions_.end() && it->second <= seen)
      seen_sessions_.erase(it);
}

const std::string& Authenticator::decoy_hash() {
  std::call_once(decoy_once_, [this] { decoy_ = hash_password(random_hex(16)); });
  return decoy_;
}

void Authenticator::housekeeping() {
  using namespace std::chrono_literals;
  int ticks = 0;
  std::unique_lock lock(housekeeping_mutex_);
  while (!housekeeping_cv_.wait_for(lock, 10s, [this] { return stopping_; })) {
    lock.unlock();
    log_reports();
    if (++ticks % 6 == 0) write_last_used();
    lock.lock();
  }
}

void Authenticator::log_reports() {
  const auto now = std::chrono::steady_clock::now();
  {
    for (const auto& r : credentials_by_address_.take_reports(now))
      spdlog::warn("{} failed authentications (bearer token or session cookie) from {} in the "
                   "last period{}{}",
                   r.failures, r.key, r.blocked ? "; the address is refused for now" : "",
                   r.refused ? fmt::format(" ({} attempts refused unchecked)", r.refused) : "");
    for (const auto& r : login_by_address_.take_reports(now))
      if (r.refused) spdlog::warn("{} logins from {} refused unchecked (too many failures)",
                                  r.refused, r.key);
    for (const auto& r : login_by_user_.take_reports(now))
      if (r.refused) spdlog::warn("{} logins as user id {} refused unchecked (too many failures)",
                                  r.refused, printable_id(r.key));
  }
}

std::string Authenticator::render_metrics() const {
  auto line = [](std::string_view name, std::string_view help, std::uint64_t v) {
    return fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  return line("brandledger_logins_total", "Sessions started by a password login.", logins.load()) +
         line("brandledger_login_failures_total",
              "Logins refused for a wrong user id or password.", login_failures.load()) +
         line("brandledger_credential_failures_total",
              "Requests refused for an unknown bearer token or session cookie.",
              credential_failures.load()) +
         line("brandledger_auth_throttled_total",
              "Logins and requests refused unchecked after too many failures (429).",
              throttled.load());
}

}  // namespace brandledger::api
