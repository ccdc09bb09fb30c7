// Move-only RAII LMDB transactions.
//
// The destructor aborts whatever was not committed; commit() clears the handle first, so a
// transaction is finished exactly once. Read transactions are MDB_NOTLS: they may be handed
// between threads, and they never block the writer (LMDB's MVCC).
//
// Every transaction holds the environment's map lock in shared mode, which lets the
// environment grow the memory map only when no transaction of this process is open.
//
// Thread safety: a transaction is used by one thread at a time.
#pragma once

#include <mutex>
#include <shared_mutex>

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
  Txn(MDB_txn* txn, std::shared_lock<std::shared_mutex> map_lock)
      : txn_(txn), map_lock_(std::move(map_lock)) {}

  MDB_txn* txn_ = nullptr;
  std::shared_lock<std::shared_mutex> map_lock_;
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

 private:
  using Txn::Txn;
  friend class Environment;
};

}  // namespace brandledger::storage
