// Format upgrades. Each step rewrites what changed between two on-disk formats
// (storage/codec.h) inside the one write transaction that also stamps the new version, so
// that a data dir is upgraded entirely or not at all, and a crash mid-way leaves the old
// format for the next open to upgrade again.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace brandledger::storage {

struct LogTables;
class WriteTxn;

// The oldest format this build can upgrade from.
inline constexpr std::uint32_t kOldestUpgradableFormat = 1;

// Brings the log's tables from format `from` to kSchemaVersion and stamps it.
// REQUIRES: kOldestUpgradableFormat <= from < kSchemaVersion.
Status upgrade_format(const LogTables& tables, WriteTxn& txn, std::uint32_t from);

}  // namespace brandledger::storage
