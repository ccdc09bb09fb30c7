#include "storage/transaction.h"

#include <lmdb.h>

#include <utility>

#include "storage/lmdb_status.h"

namespace brandledger::storage {

Txn::Txn(Txn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = std::exchange(other.txn_, nullptr);
  }
  return *this;
}

Txn::~Txn() {
  abort();
}

void Txn::abort() {
  if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
}

Status WriteTxn::commit() {
  // mdb_txn_commit frees the handle even when it fails: clear ours first.
  MDB_txn* txn = std::exchange(txn_, nullptr);
  const auto start = std::chrono::steady_clock::now();
  int rc = mdb_txn_commit(txn);
  commit_time_ = std::chrono::steady_clock::now() - start;
  return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "mdb_txn_commit");
}

}  // namespace brandledger::storage
