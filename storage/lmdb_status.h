// Internal to storage/: the one place LMDB return codes become a Status.
#pragma once

#include <string_view>

#include "core/status.h"

namespace brandledger::storage {

// REQUIRES: rc != MDB_SUCCESS. `what` names the operation ("mdb_put events").
Status status_from_lmdb(int rc, std::string_view what);

}  // namespace brandledger::storage
