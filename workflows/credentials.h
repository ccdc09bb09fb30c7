// Credentials: what lets a caller in. They never enter the event log, where every auditor
// reads them: they live in the secrets table (storage::LogTables::secrets), written in the
// same transaction as the events that record, without any secret, that a credential was
// issued or revoked (TokenIssued, TokenRevoked: a short token id, never a hash).
//
// Secrets table layout (keys and values are UTF-8 text):
//   token/<sha256 hex of the token>   -> {"user","id","name","created_at"}   (authentication)
//   user-token/<user>/<token id>      -> <sha256 hex>                         (listing, revoking)
//   adopted-logged-tokens             -> "1": the token hashes that versions before format 3
//                                        logged in UserCreated were copied here (once)
//
// Thread safety: plain functions over the caller's transaction.
#pragma once

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
}

namespace brandledger::workflows {

struct TokenRecord {
  std::string user;
  std::string id;    // short and public: events and listings name the token by it
  std::string name;  // what its owner calls it
  Timestamp created_at{};
};

std::string token_key(std::string_view sha256_hex);
std::string user_token_key(std::string_view user, std::string_view token_id);

// The secret writes that issue `token` under the hash of its text.
std::vector<engine::SecretWrite> issue_token(const TokenRecord& token, std::string_view sha256_hex);

// The token whose text hashes to `sha256_hex`, if one is issued. The hash is the only
// lookup key: the token text itself is never stored.
Result<std::optional<TokenRecord>> token_by_hash(const engine::Engine& engine,
                                                 const storage::Txn& txn,
                                                 std::string_view sha256_hex);

// Versions before format 3 kept each user's token hash in its UserCreated event (and in a
// view). Copies those into the secrets table, once; the events keep theirs (the log is
// append-only), which is why OPERATIONS.md asks for new tokens after the upgrade.
// Registered as a Domain::on_open step.
Status adopt_logged_tokens(const engine::Engine& engine, storage::WriteTxn& txn);

}  // namespace brandledger::workflows
