// Subcommands that work on a data dir directly, safe while a server runs on it.
#pragma once

#include <filesystem>

namespace brandledger::app {

// Each prints to stdout, reports problems on stderr, and returns the process exit code.
int run_stats(const std::filesystem::path& data_dir);
int run_verify(const std::filesystem::path& data_dir);
int run_backup(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir);

}  // namespace brandledger::app
