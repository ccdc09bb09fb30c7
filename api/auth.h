// Who is calling: bearer tokens and session cookies checked against the secrets table
// (workflows/credentials.h), the throttles on guessing them, the pool that hashes passwords,
// and the last-used times of tokens and sessions, kept in memory and written out now and then.
//
// Thread safety: every member function may be called from any thread at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http.h"
#include "api/job_threads.h"
#include "core/time.h"
#include "engine/engine.h"

namespace brandledger::api {

using SteadyTime = std::chrono::steady_clock::time_point;

// A user id as a log line may show it: what a client typed, so at most 64 characters and
// nothing that could forge another line.
std::string printable_id(std::string_view text);

// Failures per key (a user id, a client address) in a sliding window: once `limit` of them
// are in the window, the key is blocked until the oldest leaves it. Holds at most
// `max_keys` keys (expired ones are dropped first; past that, new keys are not limited and a
// warning says so), so that guessing from many addresses cannot exhaust memory.
class AttemptLimiter {
 public:
  AttemptLimiter(std::size_t limit, std::chrono::seconds window, std::size_t max_keys = 100'000)
      : limit_(limit), window_(window), max_keys_(max_keys) {}

  // How long `key` stays blocked from `now` (zero: not blocked). A blocked key's refusal
  // is counted for the next report.
  std::chrono::seconds check(const std::string& key, SteadyTime now);
  // Like check(), but for an attempt whose outcome comes later (a password being hashed):
  // when not blocked, the attempt counts against the limit until end() says how it went,
  // so that many attempts sent at once cannot all pass the check before the first fails.
  // Blocked only by attempts still in flight: wait a second.
  std::chrono::seconds begin(const std::string& key, SteadyTime now);
  void end(const std::string& key, SteadyTime now, bool failed);
  // Records a failure; returns how many failures of `key` are now in the window.
  std::size_t fail(const std::string& key, SteadyTime now);
  // Forgets `key`'s failures (a successful login for a user id).
  void clear(const std::string& key);

  // What happened to each key since the last report (for one aggregated log line each,
  // never one per attempt), dropping keys whose window has passed.
  struct Report {
    std::string key;
    std::size_t failures = 0;  // since the last report
    std::size_t refused = 0;   // attempts refused while blocked, since the last report
    bool blocked = false;
  };
  std::vector<Report> take_reports(SteadyTime now);

 private:
  struct Entry {
    std::deque<SteadyTime> failures;  // in the window, oldest first; at most limit_
    std::size_t in_flight = 0;        // begun, not yet ended
    std::size_t new_failures = 0;
    std::size_t refused = 0;
    bool idle() const {
      return failures.empty() && in_flight == 0 && new_failures == 0 && refused == 0;
    }
  };
  // The entry of `key`, made when there is room; nullptr when the limiter is full.
  // REQUIRES: mutex_ held.
  Entry* entry(const std::string& key, SteadyTime now);
  void expire(Entry& e, SteadyTime now) const;

  const std::size_t limit_;
  const std::chrono::seconds window_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
  bool warned_full_ = false;                         // guarded by mutex_
};

// A caller that came in with a session cookie.
struct SessionCaller {
  std::string id;    // public ("ss-..."), as in SessionStarted
  std::string hash;  // SHA-256 hex of the cookie's value: the secrets table's key
  std::string csrf;
};

struct Caller {
  engine::Actor actor;
  std::optional<SessionCaller> session;  // set when authenticated by the cookie
  std::string key;  // the credential's kind and hash, for recheck()
};

// API.md "Auth" figures.
struct AuthLimits {
  std::size_t login_failures_per_user = 5;
  std::size_t login_failures_per_address = 20;
  std::chrono::seconds login_window{15 * 60};
  // Failed bearer tokens and session cookies from one address. High enough that a console
  // with a stale cookie never meets it; low enough that guessing is refused, not answered.
  std::size_t credential_failures_per_address = 100;
  std::chrono::seconds credential_window{60};
};

inline constexpr std::string_view kSessionCookie = "bl_session";

class Authenticator {
 public:
  explicit Authenticator(engine::Engine& engine, AuthLimits limits = {});
  // Stops the housekeeping thread and writes the last-used times out.
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The caller of `req` (bearer token first, else the session cookie), or the answer to
  // give instead: 401 unauthorized (no or unknown credential, a disabled user), 429
  // too_many_attempts (this address failed too often), 503 (storage).
  struct Outcome {
    std::optional<Caller> caller;
    std::optional<Response> refusal;
  };
  Outcome authenticate(const Request& req);

  // The caller `key` (Caller::key) stands for now, without counting it as a use (an open
  // event stream does not keep a session from going idle); nullopt when it no longer
  // authenticates anyone.
  Result<std::optional<Caller>> recheck(const std::string& key) {
    if (key.size() < 2) return std::optional<Caller>();
    return lookup(key[0], key.substr(1), false);
  }

  // The session cookie's value in `req` ("" when none).
  static std::string session_cookie(const Request& req);

  // The last use of a token (by the SHA-256 of its text) this process saw but has not yet
  // written out, if any.
  std::optional<Timestamp> unwritten_last_use(const std::string& token_hash) const;
  // Writes the last-used times out now (the housekeeping thread does it every minute).
  void write_last_used();

  AttemptLimiter& login_by_user() { return login_by_user_; }
  AttemptLimiter& login_by_address() { return login_by_address_; }
  // Threads that hash and verify passwords (Argon2id takes tens of milliseconds and 19 MiB
  // each), off the server's I/O threads and the engine's writer.
  JobThreads& passwords() { return passwords_; }
  // An Argon2id hash of nothing anyone knows: unknown user ids are verified against it, so
  // that they take as long as a wrong password. Call on a passwords() thread.
  const std::string& decoy_hash();

  // Counters for /metrics (Prometheus text).
  std::atomic<std::uint64_t> logins{0};
  std::atomic<std::uint64_t> login_failures{0};
  std::atomic<std::uint64_t> credential_failures{0};  // bearer tokens and cookies
  std::atomic<std::uint64_t> throttled{0};
  std::string render_metrics() const;

 private:
  struct Cached {
    Caller caller;
    Timestamp created_at{};  // sessions: for the absolute expiry
    Timestamp last_seen{};   // sessions: the latest of the stored and the seen
  };
  // The caller for a credential (kind "t" token or "s" session, its hash), from the cache
  // or the secrets table; nullopt when unknown, expired or disabled.
  // `use`: count it as a use (last-used and last-seen times).
  Result<std::optional<Caller>> lookup(char kind, const std::string& hash, bool use = true);
  Response refuse_credential(const Request& req, bool by_cookie);
  void housekeeping();
  // Logs one line per address or user id that failed or was refused since the last call.
  void log_reports();

  engine::Engine& engine_;
  AuthLimits limits_;
  AttemptLimiter login_by_user_;
  AttemptLimiter login_by_address_;
  AttemptLimiter credentials_by_address_;

  mutable std::mutex mutex_;
  // Callers by credential, good while the credentials epoch (credentials.h) stands.
  std::unordered_map<std::string, Cached> cache_;         // guarded by mutex_
  std::uint64_t cache_epoch_ = UINT64_MAX;                // guarded by mutex_
  std::unordered_map<std::string, Timestamp> used_tokens_;    // hash -> last use; mutex_
  std::unordered_map<std::string, Timestamp> seen_sessions_;  // hash -> last seen; mutex_

  std::once_flag decoy_once_;
  std::string decoy_;

  std::mutex housekeeping_mutex_;
  std::condition_variable housekeeping_cv_;
  bool stopping_ = false;  // guarded by housekeeping_mutex_
  std::thread housekeeping_;
  // Last: its threads use the members above, so they are joined before those go.
  JobThreads passwords_;
};

}  // namespace brandledger::api
