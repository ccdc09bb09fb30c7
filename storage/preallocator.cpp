#include "storage/preallocator.h"

#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

std::uint64_t preallocation_goal(std::uint64_t used, std::uint64_t end, std::uint64_t ahead,
                                 std::uint64_t free, std::uint64_t total) {
  const std::uint64_t floor = std::max<std::uint64_t>(std::uint64_t{64} << 20, total / 20);
  const std::uint64_t budget = free > floor ? (free - floor) / 2 : 0;
  const std::uint64_t wanted = used + ahead;
  if (end >= wanted) return end;
  return end + std::min(wanted - end, budget);
}

void Preallocator::report(State state, const std::string& detail) {
  if (state == state_) return;
  state_ = state;
  switch (state) {
    case State::kFilling:
      spdlog::info("preallocating {}: keeping zeros ahead again", env_.dir().string());
      break;
    case State::kHoldingBack:
      spdlog::warn("preallocating {}: holding back, {}", env_.dir().string(), detail);
      break;
    case State::kFailing:
      spdlog::error("preallocating {}: {}", env_.dir().string(), detail);
      break;
  }
}

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
    // A failure only means commits keep growing the file themselves: say so once and go on.
    auto done = run_once();
    if (!done.ok())
      report(State::kFailing, done.status().to_string());
    else if (done->held_back)
      report(State::kHoldingBack, "too little free space on the disk");
    else
      report(State::kFilling, "");
    lock.lock();
  }
}

Result<Preallocator::Round> Preallocator::run_once() {
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
  auto space = [&]() -> Result<std::pair<std::uint64_t, std::uint64_t>> {
    struct statvfs fs {};
    if (::fstatvfs(fd, &fs) != 0) return io_error("fstatvfs data.mdb");
    return std::pair<std::uint64_t, std::uint64_t>{
        static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize,
        static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize};
  };
  // Refill only when under half is left, so that the file grows in large steps; most
  // rounds find that out without taking LMDB's write lock.
  BL_ASSIGN_OR_RETURN(Extent now, extent());
  if (now.end - now.used >= ahead_ / 2) return Round{};
  {
    BL_ASSIGN_OR_RETURN(auto fs, space());
    if (preallocation_goal(now.used, now.end, ahead_, fs.first, fs.second) <= now.end)
      return Round{0, true};  // the disk has no room to spare
  }

  std::uint64_t written = 0;
  for (;;) {
    off_t at = 0;
    std::size_t length = 0;
    Status s = env_.write([&](WriteTxn& txn) -> Status {
      // LMDB's write lock is ours until abort: no commit writes pages meanwhile, so the
      // extent is exact and nothing else writes past it.
      BL_ASSIGN_OR_RETURN(Extent e, extent());
      BL_ASSIGN_OR_RETURN(auto fs, space());
      const std::uint64_t goal = std::min<std::uint64_t>(
          preallocation_goal(e.used, e.end, ahead_, fs.first, fs.second), env_.map_size());
      if (e.end < goal) {
        at = static_cast<off_t>(e.end);
        length = static_cast<std::size_t>(std::min<std::uint64_t>(kStep, goal - e.end));
        const ssize_t n = ::pwrite(fd, kZeros, length, at);
        if (n < 0) {
          txn.abort();
          return io_error("writing zeros ahead");
        }
        // A short write is a disk that filled meanwhile: keep what was written, stop here.
        if (static_cast<std::size_t>(n) < length) length = static_cast<std::size_t>(n);
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
  return Round{written, false};
}

}  // namespace brandledger::storage
