#include "workflows/credentials.h"

#include <boost/json.hpp>

#include "engine/engine.h"
#include "engine/json_text.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::workflows {
namespace {

constexpr std::string_view kAdoptedMarker = "adopted-logged-tokens";
// The id tokens adopted from the log get: they were issued before tokens had ids.
constexpr std::string_view kLoggedTokenId = "tk-initial";

std::string encode(const TokenRecord& t) {
  return engine::to_text(boost::json::object{{"user", t.user},
                                             {"id", t.id},
                                             {"name", t.name},
                                             {"created_at", format_rfc3339(t.created_at)}});
}

std::optional<TokenRecord> decode(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  TokenRecord t{str(o, "user"), str(o, "id"), str(o, "name"),
                time_field(o, "created_at").value_or(Timestamp{})};
  if (t.user.empty() || t.id.empty()) return std::nullopt;
  return t;
}

}  // namespace

std::string token_key(std::string_view sha256_hex) {
  return "token/" + std::string(sha256_hex);
}

std::string user_token_key(std::string_view user, std::string_view token_id) {
  return "user-token/" + std::string(user) + "/" + std::string(token_id);
}

std::vector<engine::SecretWrite> issue_token(const TokenRecord& token,
                                             std::string_view sha256_hex) {
  return {{token_key(sha256_hex), encode(token)},
          {user_token_key(token.user, token.id), std::string(sha256_hex)}};
}

Result<std::optional<TokenRecord>> token_by_hash(const engine::Engine& engine,
                                                 const storage::Txn& txn,
                                                 std::string_view sha256_hex) {
  const storage::Table& secrets = engine.environment().log_tables().secrets;
  BL_ASSIGN_OR_RETURN(auto value, secrets.get(txn, token_key(sha256_hex)));
  if (!value) return std::optional<TokenRecord>();
  auto token = decode(*value);
  if (!token) return Status::Corruption("unreadable credential record");
  return token;
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
                                "初始令牌", e.occurred_at};
        for (const engine::SecretWrite& w : issue_token(token, hash))
          BL_RETURN_IF_ERROR(t.secrets.put(txn, w.key, *w.value));
      }
    }
    return t.secrets.put(txn, kAdoptedMarker, "1");
  }
}

}  // namespace brandledger::workflows
