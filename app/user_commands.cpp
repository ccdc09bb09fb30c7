#include "app/user_commands.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "core/passwords.h"
#include "engine/engine.h"
#include "views/projections.h"
#include "views/queries.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::app {
namespace {

// A line from the terminal with echo off, asked on stderr.
std::string ask_hidden(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios before{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &before) == 0;
  if (tty) {
    termios quiet = before;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &before);
  std::cerr << "\n";
  return line;
}

}  // namespace

int run_set_password(const std::filesystem::path& data_dir, const std::string& user,
                     std::istream& in) {
  std::string password;
  if (&in == &std::cin && ::isatty(STDIN_FILENO)) {
    password = ask_hidden("new password: ");
    if (ask_hidden("again: ") != password) {
      std::cerr << "brandledger: the two passwords differ; nothing changed\n";
      return 2;
    }
  } else {
    std::getline(in, password);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() > kMaxPasswordBytes || workflows::char_count(password) < kMinPasswordChars) {
    std::cerr << "brandledger: a password has at least " << kMinPasswordChars
              << " characters and at most " << kMaxPasswordBytes << " bytes; nothing changed\n";
    return 2;
  }

  engine::EngineOptions options;
  options.data_dir = data_dir;
  // The server's timers are its own to fire; the clock starts where a manual one was left,
  // so the event is not dated before the log's last (the engine would lift it anyway).
  options.fire_timers = false;
  options.manual_clock = true;
  // Beside a replicated writer, the password's record waits for the writer's next batch.
  options.beside_replicated_writer = true;
  auto engine = engine::Engine::open(options, views::make_full_domain());
  if (!engine.ok()) {
    std::cerr << "brandledger: " << engine.status().to_string() << "\n";
    return 1;
  }
  engine::Command c;
  c.type = "password.set";
  c.stream = workflows::user_stream(user);
  // Not a user of the programme: whoever runs this on the server's machine, recorded so.
  const char* login = std::getenv("USER");
  c.actor = {"operator",
             std::string("服务器操作员 (") +
                 (login != nullptr ? login : "uid " + std::to_string(::getuid())) + ")",
             "admin", ""};
  c.comment = "brandledger users set-password (recovery on the server)";
  c.args = {{"password_hash", hash_password(password)}};
  auto outcome = (*engine)->execute(std::move(c));
  std::string disabled;
  if (outcome.accepted()) {
    auto txn = (*engine)->begin_read();
    if (txn.ok()) {
      auto doc = views::get_user(engine::ViewReader((*engine)->environment(), *txn), user);
      if (doc.ok() && *doc && workflows::flag(**doc, "disabled"))
        disabled =
            "; note: the user is disabled, so it cannot log in until an administrator "
            "enables it";
    }
  }
  (*engine)->stop();
  if (outcome.rejection) {
    std::cerr << "brandledger: " << outcome.rejection->detail << "; nothing changed\n";
    return 1;
  }
  if (!outcome.error.ok()) {
    std::cerr << "brandledger: " << outcome.error.to_string() << "; nothing changed\n";
    return 1;
  }
  std::cout << "password of " << user << " set; its sessions ended" << disabled << "\n";
  return 0;
}

}  // namespace brandledger::app
