// Runs a shell command line from a test and collects what it printed and how it exited.
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace brandledger::testing {

struct Run {
  int code;  // the exit status; -1 when the command did not exit normally
  std::string out;
};

// `command` runs under /bin/sh with stderr joined to stdout.
inline Run run_shell(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The brandledger command with these arguments.
inline Run run(const std::string& args) {
  return run_shell(std::string(BRANDLEDGER_BINARY) + " " + args);
}

}  // namespace brandledger::testing
