#include "storage/transaction.h"

#include <lmdb.h>

#include <utility>

#include "storage/lmdb_status.h"

namespace brandledger::storage {

Txn::Txn(Txn&& other) noexcept
    : txn_(std::exchange(other.txn_, nullptr)), map_lock_(std::move(other.map_lock_)) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = std::exchange(other.txn_, nullptr);
    map_lock_ = std::move(other.map_lock_);
  }
  return *this;
}

Txn::~Txn() {
  abort();
}

void Txn::abort() {
  if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
  if (map_lock_.owns_lock()) map_lock_.unlock();
}

Status WriteTxn::commit() {
  // mdb_txn_commit frees the handle even when it fails: clear ours first.
  MDB_txn* txn = std::exchange(txn_, nullptr);
  int rc = mdb_txn_commit(txn);
  if (map_lock_.owns_lock()) map_lock_.unlock();
  return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "mdb_txn_commit");
}

}  // namespace brandledger::storage
