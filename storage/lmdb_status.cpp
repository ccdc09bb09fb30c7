#include "storage/lmdb_status.h"

#include <lmdb.h>

#include <cerrno>
#include <string>

namespace brandledger::storage {

Status status_from_lmdb(int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND: return Status::NotFound(std::move(msg));
    case MDB_MAP_FULL: return Status::MapFull(std::move(msg));
    case ENOSPC:
    case EDQUOT: return Status::NoSpace(std::move(msg));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH: return Status::Corruption(std::move(msg));
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL: return Status::Busy(std::move(msg));
    case MDB_BAD_VALSIZE:
    case MDB_BAD_DBI:
    case MDB_INCOMPATIBLE:
    case EINVAL: return Status::InvalidArgument(std::move(msg));
    default: return Status::IoError(std::move(msg));
  }
}

}  // namespace brandledger::storage
