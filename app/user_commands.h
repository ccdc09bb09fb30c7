// `brandledger users ...`: account recovery on the server's machine, for an administrator
// who can no longer log in. Safe while a server runs on the data dir: the command goes
// through an engine of its own, whose write transaction LMDB serialises with the server's,
// and the server notices the log moved on (engine.h) and its credentials changed
// (credentials.h, the epoch).
#pragma once

#include <filesystem>
#include <istream>
#include <string>

namespace brandledger::app {

// Sets `user`'s password to the first line of `in` (asked for twice, without echo, when
// `in` is a terminal), as the operator: PasswordSet in the log, every session of the user
// ended. Returns the process exit code: 0 done, 1 failed (no such user, storage), 2 the
// password is unacceptable.
int run_set_password(const std::filesystem::path& data_dir, const std::string& user,
                     std::istream& in);

}  // namespace brandledger::app
