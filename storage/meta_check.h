// A check of LMDB's two meta pages before LMDB maps the file.
//
// LMDB trusts its meta pages: the page size, the last page and the roots are read from
// them without a checksum, and a damaged one can make LMDB map a page size it cannot use or
// touch pages past the file's end, which kills the process with SIGBUS instead of failing
// the open. This check reads the meta page LMDB will choose (the one with the larger
// transaction id) and refuses the file, with what is wrong, when that page is not one LMDB
// could have written. It cannot tell an intact older meta page made newest by a flipped
// transaction id from the real one: LMDB then opens the previous commit (docs/RELIABILITY.md).
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/status.h"

namespace brandledger::storage {

// Ok for a file LMDB can open safely (or none at all); Corruption naming the damage else.
Status check_meta_pages(const std::filesystem::path& data_file);

// The transaction id of the file's last commit (the larger of its meta pages'): what a
// commit by any process moves.
Result<std::uint64_t> last_commit_id(const std::filesystem::path& data_file);

}  // namespace brandledger::storage
