#include "storage/upgrade.h"

#include <string>
#include <utility>
#include <vector>

#include <lmdb.h>

#include "storage/codec.h"
#include "storage/environment.h"
#include "storage/lmdb_status.h"

namespace brandledger::storage {
namespace {

// Format 1 kept the whole append result in the idempotency table:
//   value := first_position:u64 last_position:u64 count:u32 (stream:str head_version:u64){count}
// Format 2 keeps the positions only (the rest is read back from the events), which halves
// what an idempotent append writes. The prefix is the same, so the step cuts each value.
Status commands_keep_positions_only(const LogTables& t, WriteTxn& txn) {
  constexpr std::size_t kPositions = 16;
  std::vector<std::pair<std::string, std::string>> rewritten;
  Status bad;
  BL_RETURN_IF_ERROR(t.commands.scan(txn, "", [&](std::string_view key, std::string_view value) {
    const auto entry = value.size() >= kPositions
                           ? decode_command_entry(value.substr(0, kPositions))
                           : std::nullopt;
    if (!entry) {
      bad = Status::Corruption("unreadable format-1 entry of command " + std::string(key));
      return false;
    }
    rewritten.emplace_back(std::string(key), encode_command_entry(*entry));
    return true;
  }));
  BL_RETURN_IF_ERROR(bad);
  for (const auto& [key, value] : rewritten) BL_RETURN_IF_ERROR(t.commands.put(txn, key, value));
  return Status::Ok();
}

// Format 3 keeps credentials in the secrets table only. Format 2 data dirs also held each
// token hash in a view ("view.users_by_token") that no build reads any more: dropped, so
// that no copy stays behind outside the secrets table (the events keep theirs).
Status drop_token_view(WriteTxn& txn) {
  MDB_dbi dbi = 0;
  int rc = mdb_dbi_open(txn.handle(), "view.users_by_token", 0, &dbi);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "open view.users_by_token");
  rc = mdb_drop(txn.handle(), dbi, 1);
  return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "drop view.users_by_token");
}

}  // namespace

Status upgrade_format(const LogTables& tables, WriteTxn& txn, std::uint32_t from) {
  if (from < kOldestUpgradableFormat || from >= kSchemaVersion)
    return Status::InvalidArgument("no upgrade from format " + std::to_string(from));
  if (from < 2) BL_RETURN_IF_ERROR(commands_keep_positions_only(tables, txn));
  // 2 -> 3: the secrets table, which open() has just created empty. The domain moves the
  // credentials older versions logged into it (workflows/credentials.h).
  if (from < 3) BL_RETURN_IF_ERROR(drop_token_view(txn));
  return tables.meta.put(txn, kSchemaVersionKey, encode_u32(kSchemaVersion));
}

}  // namespace brandledger::storage
