// What a fresh process finds in a stopped data dir: `brandledger verify` (the hash chain,
// and every view equal to a rebuild from the log) and `brandledger export` (every event).
// Shared by the power-loss and the kill tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace brandledger::testing {

struct LogContents {
  std::string problem;  // "" when verify passed and positions run 1..events with no gap
  std::uint64_t events = 0;
  std::map<std::string, int> commands;  // command_id -> events that carry it
};

LogContents read_log(const std::filesystem::path& data_dir);
// `export` alone, for a caller that ran verify itself.
LogContents read_exported(const std::filesystem::path& data_dir);

// The log's command_id for a command sent by `actor` with an Idempotency-Key.
inline std::string command_id(const std::string& actor, const std::string& key) {
  return actor + '\x1f' + key;
}

// "" when the command with this id is in the log exactly once (one event), else what is wrong.
std::string once(const LogContents& log, const std::string& command_id);

}  // namespace brandledger::testing
