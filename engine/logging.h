// Process-wide logging through spdlog: human-readable text, or one JSON object per line
// for log collectors. Tokens and request bodies are never logged.
#pragma once

#include <string_view>

namespace brandledger::engine {

enum class LogFormat { kText, kJson };

// REQUIRES: called once, before other threads log.
void configure_logging(LogFormat format);

// For the command-line tools: the same lines, written synchronously to stderr.
void configure_command_line_logging();

// Writes every line still queued, stops the logging thread, then drops the loggers.
// REQUIRES: every other thread that logs has stopped; nothing logs afterwards.
void stop_logging();

// "text" or "json"; false for anything else.
bool parse_log_format(std::string_view text, LogFormat* out);

// Names the calling thread for logs, top -H, perf and gdb (Linux keeps 15 characters).
void name_this_thread(const char* name);

}  // namespace brandledger::engine
