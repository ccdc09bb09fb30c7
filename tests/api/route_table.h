// The API's routes as the Api itself lists them ("GET /v1/brands/{}"), from an Api built
// in-process over a scratch data dir: the authorization matrices check their rows against it,
// so that a new endpoint without a row fails them.
#pragma once

#include <set>
#include <string>

namespace brandledger::testing {

std::set<std::string> api_routes();

}  // namespace brandledger::testing
