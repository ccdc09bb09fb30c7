// One engine and Api on a scratch data dir, shared by the stateful fuzz targets: an org
// tree, a user of every role and a filed brand and a round to act on, all made through
// handle() as a client would. Inputs then run against it one after another (the state
// grows as a fuzzed command succeeds, as it would in service).
#pragma once

#include <array>
#include <memory>
#include <string>

#include "api/api.h"
#include "api/http.h"
#include "engine/engine.h"

namespace brandledger::fuzz {

enum Role { kAdmin, kCommittee, kUnit, kBranch, kExpert, kAuditor, kAnonymous, kRoles };

struct Fixture {
  std::string dir;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<api::Api> api;
  std::array<std::string, kRoles> tokens;  // kAnonymous: ""
  std::array<engine::Actor, kRoles> actors;
  std::string brand, round;  // ids

  // handle(), waiting for the answer.
  api::Response call(api::Request request);
  // `text` with "{brand}" and "{round}" replaced by their ids, so that a seed input can name
  // them (they are random).
  std::string with_ids(std::string text) const;
  // The same with a role's token.
  api::Response call(Role role, const std::string& method, const std::string& target,
                     const std::string& body = "");
};

// Made at the first call, kept for the process; its data dir is removed at exit.
Fixture& fixture();

}  // namespace brandledger::fuzz
