#include "storage/preallocator.h"

#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "storage/environment.h"
#include "storage/lmdb_status.h"

namespace brandledger::storage {
namespace {

constexpr std::size_t kStep = std::size_t{256} << 10;  // zeros written per hold of the lock
constexpr auto kInterval = std::chrono::milliseconds(20);
const char kZeros[kStep] = {};

Status io_error(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

}  // namespace

Preallocator::Preallocator(Environment& env, std::size_t ahead) : env_(env), ahead_(ahead) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "bl-prealloc");
    loop();
  });
}

Preallocator::~Preallocator() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Preallocator::loop() {
  std::unique_lock lock(mutex_);
  while (!cv_.wait_for(lock, kInterval, [&] { return stopping_; })) {
    lock.unlock();
    // A failure only means commits keep growing the file themselves: log it and go on.
    if (auto done = run_once(); !done.ok())
      spdlog::warn("preallocating {}: {}", env_.dir().string(), done.status().to_string());
    lock.lock();
  }
}

Result<std::uint64_t> Preallocator::run_once() {
  int fd = -1;
  if (int rc = mdb_env_get_fd(env_.env_, &fd); rc != MDB_SUCCESS)
    return status_from_lmdb(rc, "mdb_env_get_fd");
  // Where LMDB's last committed page ends, and where the file ends.
  struct Extent {
    std::uint64_t used = 0, end = 0;
  };
  auto extent = [&]() -> Result<Extent> {
    MDB_envinfo info{};
    MDB_stat st{};
    mdb_env_info(env_.env_, &info);
    mdb_env_stat(env_.env_, &st);
    struct stat file {};
    if (::fstat(fd, &file) != 0) return io_error("fstat data.mdb");
    Extent e;
    e.used = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
    e.end = std::max(e.used, static_cast<std::uint64_t>(file.st_size));
    return e;
  };
  // Refill only when under half is left, so that the file grows in large steps; most
  // rounds find that out without taking LMDB's write lock.
  BL_ASSIGN_OR_RETURN(Extent now, extent());
  if (now.end - now.used >= ahead_ / 2) return std::uint64_t{0};

  std::uint64_t written = 0;
  for (;;) {
    off_t at = 0;
    std::size_t length = 0;
    Status s = env_.write([&](WriteTxn& txn) -> Status {
      // LMDB's write lock is ours until abort: no commit writes pages meanwhile, so the
      // extent is exact and nothing else writes past it.
      BL_ASSIGN_OR_RETURN(Extent e, extent());
      const std::uint64_t goal = std::min<std::uint64_t>(e.used + ahead_, env_.map_size());
      if (e.end < goal) {
        at = static_cast<off_t>(e.end);
        length = static_cast<std::size_t>(std::min<std::uint64_t>(kStep, goal - e.end));
        if (::pwrite(fd, kZeros, length, at) != static_cast<ssize_t>(length)) {
          txn.abort();
          return io_error("writing zeros ahead");
        }
      }
      txn.abort();  // nothing to commit: LMDB's tables are untouched
      return Status::Ok();
    });
    BL_RETURN_IF_ERROR(s);
    if (length == 0) break;
    written += length;
    // Outside the lock: push the zeros to the disk so that commits do not carry them.
    if (::sync_file_range(
            fd, at, static_cast<off_t>(length),
            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0)
      return io_error("sync_file_range");
  }
  // The new size and blocks, once per round.
  if (written > 0 && ::fdatasync(fd) != 0) return io_error("fdatasync");
  return written;
}

}  // namespace brandledger::storage
