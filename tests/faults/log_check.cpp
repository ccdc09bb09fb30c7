#include "tests/faults/log_check.h"

#include <boost/json.hpp>

#include <sstream>

#include "support/command_line.h"

namespace brandledger::testing {

LogContents read_log(const std::filesystem::path& data_dir) {
  LogContents log;
  const std::string d = data_dir.string();
  Run verify = run("verify --data " + d);
  if (verify.code != 0) {
    log.problem = "verify exited " + std::to_string(verify.code) + ": " + verify.out;
    return log;
  }
  return read_exported(data_dir);
}

LogContents read_exported(const std::filesystem::path& data_dir) {
  LogContents log;
  const std::string d = data_dir.string();
  // stdout only: the events, one JSON object per line.
  Run exported =
      run_shell("(" + std::string(BRANDLEDGER_BINARY) + " export --data " + d + " 2>/dev/null)");
  if (exported.code != 0) {
    log.problem = "export exited " + std::to_string(exported.code);
    return log;
  }
  std::istringstream lines(exported.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      log.problem = "export printed a line that is no event: " + line.substr(0, 200);
      return log;
    }
    const auto& e = v.as_object();
    const auto p = e.at("position").to_number<std::uint64_t>();
    if (p != log.events + 1) {
      log.problem = "positions jump from " + std::to_string(log.events) + " to " + std::to_string(p);
      return log;
    }
    log.events = p;
    if (auto c = e.find("command_id"); c != e.end() && c->value().is_string())
      ++log.commands[std::string(c->value().as_string())];
  }
  return log;
}

std::string once(const LogContents& log, const std::string& command_id) {
  auto it = log.commands.find(command_id);
  const int found = it == log.commands.end() ? 0 : it->second;
  if (found == 1) return "";
  return "the acknowledged command " + command_id.substr(command_id.find('\x1f') + 1) +
         " is in the log " + std::to_string(found) + " times";
}

}  // namespace brandledger::testing
