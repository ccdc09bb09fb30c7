// The demo dataset: 宣城市直机关工委 with ten units and forty branches of all three org
// types (the seeds' real names first), their brands over three years of rounds, a
// re-review with every outcome, an appeal, and brands left in every state — all made
// through the same commands users issue, dated step by step up to now.
#pragma once

#include <string>

#include "core/status.h"
#include "engine/engine.h"

namespace brandledger::app {

// On a data dir without orgs: loads the dataset and returns how to log in: every demo user
// with its id and `password` (a random one when empty; printed either way), and a bearer
// token per role. Otherwise loads nothing and says so. `admin_token` is the bootstrap
// administrator's token when one was given (it is not printed again).
Result<std::string> load_demo(engine::Engine& engine, const std::string& admin_token,
                              std::string password = {});

}  // namespace brandledger::app
