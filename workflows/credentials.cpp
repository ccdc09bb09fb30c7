#include "workflows/credentials.h"

#include <boost/json.hpp>

#include <cstdlib>

#include "core/sha256.h"
#include "engine/domain.h"
#include "engine/engine.h"
#include "engine/json_text.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::workflows {
namespace {

constexpr std::string_view kAdoptedMarker = "adopted-logged-tokens";
// The id tokens adopted from the log get: they were issued before tokens had ids.
constexpr std::string_view kLoggedTokenId = "tk-initial";

std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

template <class Record>
Result<std::optional<Record>> lookup(const engine::Engine& engine, const storage::Txn& txn,
                                     const std::string& key,
                                     std::optional<Record> (*decode)(std::string_view)) {
  const storage::Table& secrets = engine.environment().log_tables().secrets;
  BL_ASSIGN_OR_RETURN(auto value, secrets.get(txn, key));
  if (!value) return std::optional<Record>();
  auto record = decode(*value);
  if (!record) return Status::Corruption("unreadable credential record " + key.substr(0, 8));
  return record;
}

}  // namespace

std::string token_key(std::string_view sha256_hex) {
  return "token/" + std::string(sha256_hex);
}
std::string user_token_key(std::string_view user, std::string_view token_id) {
  return "user-token/" + std::string(user) + "/" + std::string(token_id);
}
std::string password_key(std::string_view user) {
  return "password/" + std::string(user);
}
std::string session_key(std::string_view sha256_hex) {
  return "session/" + std::string(sha256_hex);
}
std::string user_session_key(std::string_view user, std::string_view session_id) {
  return "user-session/" + std::string(user) + "/" + std::string(session_id);
}

std::string encode(const TokenRecord& t) {
  boost::json::object o{{"user", t.user},
                        {"id", t.id},
                        {"name", t.name},
                        {"created_at", format_rfc3339(t.created_at)}};
  if (t.last_used) o["last_used"] = format_rfc3339(*t.last_used);
  return engine::to_text(o);
}

std::optional<TokenRecord> decode_token(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  TokenRecord t{str(*o, "user"), str(*o, "id"), str(*o, "name"),
                time_field(*o, "created_at").value_or(Timestamp{}), time_field(*o, "last_used")};
  if (t.user.empty() || t.id.empty()) return std::nullopt;
  return t;
}

std::string encode(const PasswordRecord& p) {
  return engine::to_text(boost::json::object{
      {"hash", p.hash}, {"set_at", format_rfc3339(p.set_at)}, {"set_by", p.set_by}});
}

std::optional<PasswordRecord> decode_password(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  PasswordRecord p{str(*o, "hash"), time_field(*o, "set_at").value_or(Timestamp{}),
                   str(*o, "set_by")};
  if (p.hash.empty()) return std::nullopt;
  return p;
}

std::string encode(const SessionRecord& s) {
  return engine::to_text(boost::json::object{{"user", s.user},
                                             {"id", s.id},
                                             {"csrf", s.csrf},
                                             {"created_at", format_rfc3339(s.created_at)},
                                             {"last_seen", format_rfc3339(s.last_seen)},
                                             {"address", s.address},
                                             {"user_agent", s.user_agent},
                                             {"serial", s.serial}});
}

std::optional<SessionRecord> decode_session(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  SessionRecord s{str(*o, "user"),
                  str(*o, "id"),
                  str(*o, "csrf"),
                  time_field(*o, "created_at").value_or(Timestamp{}),
                  time_field(*o, "last_seen").value_or(Timestamp{}),
                  str(*o, "address"),
                  str(*o, "user_agent"),
                  static_cast<std::uint64_t>(num(*o, "serial"))};
  if (s.user.empty() || s.id.empty() || s.csrf.empty()) return std::nullopt;
  return s;
}

std::string password_stamp(std::string_view record_text) {
  return to_hex(sha256(record_text));
}

std::vector<engine::SecretWrite> issue_token(const TokenRecord& token,
                                             std::string_view sha256_hex) {
  return {{token_key(sha256_hex), encode(token)},
          {user_token_key(token.user, token.id), std::string(sha256_hex)}};
}

engine::SecretWrite next_credentials_epoch(const engine::DecideContext& ctx) {
  auto current = ctx.secret(kCredentialsEpochKey);
  if (!current.ok()) throw engine::StorageFailure(current.status());
  std::uint64_t n = 0;
  if (*current) n = std::strtoull((*current)->c_str(), nullptr, 10);
  return {std::string(kCredentialsEpochKey), std::to_string(n + 1)};
}

Result<std::optional<TokenRecord>> token_by_hash(const engine::Engine& engine,
                                                 const storage::Txn& txn,
                                                 std::string_view sha256_hex) {
  return lookup<TokenRecord>(engine, txn, token_key(sha256_hex), &decode_token);
}

Result<std::optional<SessionRecord>> session_by_hash(const engine::Engine& engine,
                                                     const storage::Txn& txn,
                                                     std::string_view sha256_hex) {
  return lookup<SessionRecord>(engine, txn, session_key(sha256_hex), &decode_session);
}

Result<std::optional<StoredPassword>> stored_password(const engine::Engine& engine,
                                                      const storage::Txn& txn,
                                                      std::string_view user) {
  const storage::Table& secrets = engine.environment().log_tables().secrets;
  BL_ASSIGN_OR_RETURN(auto value, secrets.get(txn, password_key(user)));
  if (!value) return std::optional<StoredPassword>();
  auto record = decode_password(*value);
  if (!record) return Status::Corruption("unreadable password record");
  return std::optional<StoredPassword>(StoredPassword{std::string(*value), std::move(*record)});
}

Result<std::uint64_t> credentials_epoch(const engine::Engine& engine, const storage::Txn& txn) {
  const storage::Table& secrets = engine.environment().log_tables().secrets;
  BL_ASSIGN_OR_RETURN(auto value, secrets.get(txn, kCredentialsEpochKey));
  if (!value) return std::uint64_t{0};
  return static_cast<std::uint64_t>(std::strtoull(std::string(*value).c_str(), nullptr, 10));
}

Result<std::vector<TokenRecord>> tokens_of(const engine::Engine& engine, const storage::Txn& txn,
                                           std::string_view user) {
  const storage::Table& secrets = engine.environment().log_tables().secrets;
  std::vector<std::string> hashes;
  BL_RETURN_IF_ERROR(secrets.scan_prefix(txn, user_token_key(user, ""),
                                         [&](std::string_view, std::string_view hash) {
                                           hashes.emplace_back(hash);
                                           return true;
                                         }));
  std::vector<TokenRecord> out;
  for (const std::string& hash : hashes) {
    BL_ASSIGN_OR_RETURN(auto token, token_by_hash(engine, txn, hash));
    if (token) out.push_back(std::move(*token));
  }
  return out;
}

Status adopt_logged_tokens(const engine::Engine& engine, storage::WriteTxn& txn) {
  const storage::LogTables& t = engine.environment().log_tables();
  {
    BL_ASSIGN_OR_RETURN(auto done, t.secrets.get(txn, kAdoptedMarker));
    if (done) return Status::Ok();
    std::vector<std::string> users;
    BL_RETURN_IF_ERROR(t.streams.scan_prefix(txn, "user-", [&](std::string_view stream,
                                                                 std::string_view) {
      users.emplace_back(stream);
      return true;
    }));
    for (const std::string& stream : users) {
      BL_ASSIGN_OR_RETURN(auto events, engine.log().read_stream(txn, stream));
      for (const storage::Event& e : events) {
        if (e.type != "UserCreated") continue;
        boost::system::error_code ec;
        auto data = boost::json::parse(e.data, ec);
        if (ec || !data.is_object()) return Status::Corruption("unreadable UserCreated in " + stream);
        const std::string hash = str(data.as_object(), "token_sha256");
        if (hash.empty()) continue;
        const TokenRecord token{str(data.as_object(), "id"), std::string(kLoggedTokenId),
                                "初始令牌", e.occurred_at, std::nullopt};
        for (const engine::SecretWrite& w : issue_token(token, hash))
          BL_RETURN_IF_ERROR(t.secrets.put(txn, w.key, *w.value));
      }
    }
    return t.secrets.put(txn, kAdoptedMarker, "1");
  }
}

}  // namespace brandledger::workflows
