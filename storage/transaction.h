// Move-only RAII LMDB transactions.
//
// The destructor aborts whatever was not committed; commit() clears the handle first, so a
// transaction is finished exactly once. Read transactions are MDB_NOTLS: they may be handed
// between threads and ended on any of them, and they never block the writer (LMDB's MVCC).
// A transaction holds no lock of this process (the map is never resized: environment.h).
//
// Thread safety: a transaction is used by one thread at a time.
#pragma once

#include <chrono>

#include "core/status.h"

struct MDB_txn;

namespace brandledger::storage {

class Txn {
 public:
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&& other) noexcept;
  ~Txn();

  MDB_txn* handle() const { return txn_; }
  bool is_open() const { return txn_ != nullptr; }

  // Aborts now (a no-op when already finished).
  void abort();

 protected:
  explicit Txn(MDB_txn* txn) : txn_(txn) {}

  MDB_txn* txn_ = nullptr;
};

class ReadTxn : public Txn {
  using Txn::Txn;
  friend class Environment;
};

class WriteTxn : public Txn {
 public:
  // Makes every change durable (fsync) before returning ok.
  // REQUIRES: is_open().
  Status commit();
  // How long the last commit() took (mdb_txn_commit: page writes and fsync); zero before.
  std::chrono::steady_clock::duration commit_time() const { return commit_time_; }

 private:
  using Txn::Txn;
  friend class Environment;
  std::chrono::steady_clock::duration commit_time_{};
};

}  // namespace brandledger::storage
