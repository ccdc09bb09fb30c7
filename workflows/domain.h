// BrandLedger's domain for the engine: every command handler, the aggregates of org,
// user, brand, round and settings streams, and the views the decisions read.
#pragma once

#include "engine/domain.h"

namespace brandledger::workflows {

// The read-model projections (views/) are added by the caller.
engine::Domain make_domain();

}  // namespace brandledger::workflows
