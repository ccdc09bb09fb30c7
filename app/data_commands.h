// Subcommands that work on a data dir directly. stats, verify, backup and export are safe
// while a server runs on it; rebuild is refused while one does.
#pragma once

#include <filesystem>

#include "core/status.h"

namespace brandledger::app {

// Each prints to stdout, reports problems on stderr, and returns the process exit code.
int run_stats(const std::filesystem::path& data_dir);
// The hash chain, then the views: rebuilt from the log in a scratch copy and compared
// table by table with the ones kept inline.
int run_verify(const std::filesystem::path& data_dir);
int run_backup(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir);
// Every event as one JSON object per line, oldest first: API.md's event with its data as
// stored, plus stream_prev, schema_version and record_format (docs/FORMAT.md section 4).
int run_export(const std::filesystem::path& data_dir);
int run_rebuild(const std::filesystem::path& data_dir);

// Readies a data dir before a server takes it: opens it for maintenance, which upgrades
// its format and rebuilds views that are stale, and when it rebuilt them (or `rebuild`
// asks it to) compacts the file (storage::compact_data_dir), so that the pages of the
// old views do not slow every commit after. Call it holding the data dir's lock.
Status prepare_data_dir(const std::filesystem::path& data_dir, bool rebuild = false);

// Held by a server for its life, so that rebuild can refuse to run beside it. False when
// another process holds it.
bool lock_data_dir(const std::filesystem::path& data_dir);

}  // namespace brandledger::app
