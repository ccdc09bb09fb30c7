// Subcommands that work on a data dir directly. stats, verify, backup and export are safe
// while a server runs on it; rebuild is refused while one does.
#pragma once

#include <filesystem>

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

// Held by a server for its life, so that rebuild can refuse to run beside it. False when
// another process holds it.
bool lock_data_dir(const std::filesystem::path& data_dir);

}  // namespace brandledger::app
