// Credentials: what lets a caller in. They never enter the event log, where every auditor
// reads them: they live in the secrets table (storage::LogTables::secrets), written in the
// same transaction as the events that record, without any secret, that a credential was
// issued, changed or revoked (TokenIssued, TokenRevoked, PasswordSet, SessionStarted,
// SessionEnded: short public ids, never a hash).
//
// Secrets table layout (keys and values are UTF-8 text):
//   token/<sha256 hex of the token>     -> {"user","id","name","created_at","last_used"?}
//   user-token/<user>/<token id>        -> <sha256 hex>             (listing, revoking)
//   password/<user>                     -> {"hash" (Argon2id, encoded),"set_at","set_by"}
//   session/<sha256 hex of the cookie>  -> {"user","id","csrf","created_at","last_seen",
//                                           "address","user_agent","serial"}
//   user-session/<user>/<session id>    -> <sha256 hex>             (ending them all)
//   credentials-epoch                   -> a decimal counter, moved by every command that
//                                          takes a credential away or changes who a user is
//                                          (the API's cache of callers is good while it stands)
//   adopted-logged-tokens               -> "1": the token hashes that versions before format 3
//                                          logged in UserCreated were copied here (once)
// last_used and last_seen are kept in memory by the API and written out now and then
// (Engine::write_secrets), never once per request.
//
// Thread safety: plain functions over the caller's transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "engine/command.h"
#include "storage/transaction.h"

namespace brandledger::engine {
class Engine;
class DecideContext;
}  // namespace brandledger::engine

namespace brandledger::workflows {

// API.md "Auth": sessions end after 8 hours idle and 7 days in all.
inline constexpr std::chrono::hours kSessionIdle{8};
inline constexpr std::chrono::hours kSessionLifetime{24 * 7};
// A user keeps at most this many sessions; a login past it ends the oldest.
inline constexpr std::size_t kMaxSessionsPerUser = 20;
inline constexpr std::size_t kMaxTokensPerUser = 50;

struct TokenRecord {
  std::string user;
  std::string id;    // short and public: events and listings name the token by it
  std::string name;  // what its owner calls it
  Timestamp created_at{};
  std::optional<Timestamp> last_used;
};

struct PasswordRecord {
  std::string hash;  // Argon2id, encoded
  Timestamp set_at{};
  std::string set_by;
};

struct SessionRecord {
  std::string user;
  std::string id;    // short and public ("ss-" and 8 hex digits)
  std::string csrf;  // the token cookie requests that change anything must repeat
  Timestamp created_at{};
  Timestamp last_seen{};
  std::string address;
  std::string user_agent;
  // The user stream's version when it started: orders sessions started at one instant.
  std::uint64_t serial = 0;

  // Whether it is still good at `now`, given when it was last seen.
  bool live_at(Timestamp now, Timestamp seen) const {
    return now < created_at + kSessionLifetime && now < seen + kSessionIdle;
  }
};

std::string token_key(std::string_view sha256_hex);
std::string user_token_key(std::string_view user, std::string_view token_id);
std::string password_key(std::string_view user);
std::string session_key(std::string_view sha256_hex);
std::string user_session_key(std::string_view user, std::string_view session_id);
inline constexpr std::string_view kCredentialsEpochKey = "credentials-epoch";

std::string encode(const TokenRecord& token);
std::optional<TokenRecord> decode_token(std::string_view text);
std::string encode(const PasswordRecord& password);
std::optional<PasswordRecord> decode_password(std::string_view text);
std::string encode(const SessionRecord& session);
std::optional<SessionRecord> decode_session(std::string_view text);

// What identifies a stored password record: a verification made against one record holds
// only while the record is the same (a password changed meanwhile voids it). Never leaves
// the server's memory.
std::string password_stamp(std::string_view record_text);

// The secret writes that issue `token` under the hash of its text.
std::vector<engine::SecretWrite> issue_token(const TokenRecord& token, std::string_view sha256_hex);

// The write that moves the credentials epoch on, as the commands before this one left it.
engine::SecretWrite next_credentials_epoch(const engine::DecideContext& ctx);

// Lookups over the caller's transaction (nullopt: none).
Result<std::optional<TokenRecord>> token_by_hash(const engine::Engine& engine,
                                                 const storage::Txn& txn,
                                                 std::string_view sha256_hex);
Result<std::optional<SessionRecord>> session_by_hash(const engine::Engine& engine,
                                                     const storage::Txn& txn,
                                                     std::string_view sha256_hex);
// The stored record's text (see password_stamp) and the record.
struct StoredPassword {
  std::string text;
  PasswordRecord record;
};
Result<std::optional<StoredPassword>> stored_password(const engine::Engine& engine,
                                                      const storage::Txn& txn,
                                                      std::string_view user);
Result<std::uint64_t> credentials_epoch(const engine::Engine& engine, const storage::Txn& txn);
// The user's tokens, by id.
Result<std::vector<TokenRecord>> tokens_of(const engine::Engine& engine, const storage::Txn& txn,
                                           std::string_view user);

// Versions before format 3 kept each user's token hash in its UserCreated event (and in a
// view). Copies those into the secrets table, once; the events keep theirs (the log is
// append-only), which is why OPERATIONS.md asks for new tokens after the upgrade.
// Registered as a Domain::on_open step.
Status adopt_logged_tokens(const engine::Engine& engine, storage::WriteTxn& txn);

}  // namespace brandledger::workflows
