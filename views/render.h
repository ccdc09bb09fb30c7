// The JSON shapes of API.md, rendered from the domain's aggregates.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>

#include "workflows/model.h"

namespace brandledger::views {

// API.md's brand shape, and a little more (round, rectify_by, objections, progress).
boost::json::object render_brand(const workflows::BrandState& brand, std::uint64_t version);

// API.md's round shape; `results` only when asked (they carry every score).
boost::json::object render_round(const workflows::RoundState& round, std::uint64_t version);

}  // namespace brandledger::views
