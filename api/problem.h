// Errors as application/problem+json: {"type","title","status","code","detail"}.
#pragma once

#include <string>
#include <string_view>

#include "api/http.h"
#include "engine/command.h"

namespace brandledger::api {

// `field`: the argument at fault, for field errors ("" leaves the member out).
Response problem(unsigned status, std::string_view code, std::string_view detail,
                 std::string_view field = {});

// 400 invalid, 403 forbidden, 404 not found, 409 illegal transition or duplicate,
// 412 version mismatch, 422 a business rule.
unsigned status_of(engine::RejectionKind kind);
Response problem(const engine::Rejection& rejection);

}  // namespace brandledger::api
