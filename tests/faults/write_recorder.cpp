// An LD_PRELOAD library that records every write and every durability barrier a process
// makes to the files of one directory, for the power-loss test (powerloss_test.cpp; docs/RELIABILITY.md).
//
//   BL_RECORD_DIR=<data dir>     whose files are recorded (lock.mdb and serve.lock are not:
//                                LMDB rebuilds its reader table after a reboot, and the
//                                server's lock file holds no data)
//   BL_RECORD_OUT=<file>         where the recording goes (recording.h)
//   BL_RECORD_COUNTER=<file>     8 bytes, created by the caller: the number of records so far
//   BL_KILL_ARMED=<file>         (optional) once this file exists, the process SIGKILLs
//                                itself at its next durability barrier on a data file,
//                                before the barrier: a crash with a commit's pages written
//                                and not yet flushed, its meta page not yet written
//
// It interposes the libc functions a program writes files with (open*, write, pwrite*,
// writev, pwritev*, ftruncate, fallocate, fsync, fdatasync, sync, syncfs, dup*, close,
// mmap, rename*, unlink*). What the crash model cannot represent — a data file created or
// renamed during the recording, a writable shared mapping of one (stores through memory
// are invisible here), a descriptor past the table — is recorded as kUnsupported, and the
// generator refuses such a recording instead of trusting it.
//
// One lock is held around each operation on a data file together with its record, so that
// the records' order is the order in which the operations completed.
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "tests/faults/recording.h"

namespace {

using namespace brandledger::powerloss;

// The next definition of a libc function (libc's own). Resolved on first use without a
// static guard: dlsym may allocate, and an allocator may open files, which come back here.
template <typename F>
F resolve(std::atomic<void*>& slot, const char* name) {
  void* p = slot.load(std::memory_order_acquire);
  if (p == nullptr) {
    p = dlsym(RTLD_NEXT, name);
    if (p == nullptr) abort();
    slot.store(p, std::memory_order_release);
  }
  return reinterpret_cast<F>(p);
}
#define REAL(name)                                   \
  ([]() {                                            \
    static std::atomic<void*> slot{nullptr};         \
    return resolve<decltype(&::name)>(slot, #name); \
  }())

// mmap straight to the kernel: allocators map memory while dlsym itself may be allocating.
void* raw_mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  return reinterpret_cast<void*>(syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
}

constexpr int kMaxFd = 1 << 16;
constexpr int kMaxFiles = 64;

struct State {
  bool active = false;
  char dir[PATH_MAX] = {};  // the data dir, resolved
  char kill_armed[PATH_MAX] = {};  // BL_KILL_ARMED, or empty
  dev_t dir_device = 0;
  int out = -1;
  std::atomic<std::uint64_t>* counter = nullptr;
  std::uint64_t records = 0;
  char names[kMaxFiles][NAME_MAX + 1] = {};
  int files = 0;
  // Per descriptor: 0 untracked, else (file number + 1) | (kDataSyncBit if O_DSYNC).
  std::atomic<std::uint32_t> fds[kMaxFd] = {};
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
};
constexpr std::uint32_t kDataSyncBit = 1u << 31;

State g;
pthread_once_t g_once = PTHREAD_ONCE_INIT;

void init() {
  const char* dir = getenv("BL_RECORD_DIR");
  const char* out = getenv("BL_RECORD_OUT");
  const char* counter = getenv("BL_RECORD_COUNTER");
  if (dir == nullptr || out == nullptr || counter == nullptr) return;
  if (realpath(dir, g.dir) == nullptr) return;
  if (const char* armed = getenv("BL_KILL_ARMED"); armed != nullptr)
    strncpy(g.kill_armed, armed, sizeof g.kill_armed - 1);
  struct stat st {};
  if (stat(g.dir, &st) != 0) return;
  g.dir_device = st.st_dev;
  g.out = REAL(open)(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int cfd = REAL(open)(counter, O_RDWR | O_CLOEXEC);
  if (g.out < 0 || cfd < 0) abort();
  void* p = raw_mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
  if (p == MAP_FAILED) abort();
  REAL(close)(cfd);
  g.counter = static_cast<std::atomic<std::uint64_t>*>(p);
  g.active = true;
}

bool active() {
  pthread_once(&g_once, init);
  return g.active;
}

void write_all(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = REAL(write)(g.out, p, n);
    if (w <= 0) abort();  // a lost record would make every later conclusion wrong
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// Appends one record (lock held) and publishes the count.
void emit(RecordKind kind, std::uint32_t file, std::uint64_t offset, std::uint64_t length,
          std::uint32_t flags, const iovec* payload = nullptr, int pieces = 0,
          size_t payload_bytes = 0) {
  RecordHeader h{kind, file, offset, length, flags, static_cast<std::uint32_t>(payload_bytes)};
  write_all(&h, sizeof h);
  size_t left = payload_bytes;
  for (int i = 0; i < pieces && left > 0; ++i) {
    const size_t n = payload[i].iov_len < left ? payload[i].iov_len : left;
    write_all(payload[i].iov_base, n);
    left -= n;
  }
  g.counter->store(++g.records, std::memory_order_release);
}

void emit_text(RecordKind kind, std::uint32_t file, const char* text) {
  iovec v{const_cast<char*>(text), strlen(text)};
  emit(kind, file, 0, 0, 0, &v, 1, v.iov_len);
}

// The data file name of `path` opened relative to `dirfd`, or nullptr when it is not one.
const char* data_file_name(int dirfd, const char* path, char (&name)[NAME_MAX + 1]) {
  if (path == nullptr) return nullptr;
  char full[PATH_MAX];
  if (path[0] == '/') {
    if (strlen(path) >= sizeof full) return nullptr;
    strcpy(full, path);
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (getcwd(base, sizeof base) == nullptr) return nullptr;
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      ssize_t n = readlink(link, base, sizeof base - 1);
      if (n <= 0) return nullptr;
      base[n] = '\0';
    }
    const size_t b = strlen(base), p = strlen(path);
    if (b + 1 + p >= sizeof full) return nullptr;
    memcpy(full, base, b);
    full[b] = '/';
    memcpy(full + b + 1, path, p + 1);
  }
  char* slash = strrchr(full, '/');
  if (slash == nullptr || strlen(slash + 1) > NAME_MAX || slash[1] == '\0') return nullptr;
  strcpy(name, slash + 1);
  *slash = '\0';
  char parent[PATH_MAX];
  if (realpath(full[0] == '\0' ? "/" : full, parent) == nullptr || strcmp(parent, g.dir) != 0)
    return nullptr;
  if (strcmp(name, "lock.mdb") == 0 || strcmp(name, "serve.lock") == 0) return nullptr;
  return name;
}

std::uint32_t file_number(const char* name) {
  for (int i = 0; i < g.files; ++i)
    if (strcmp(g.names[i], name) == 0) return static_cast<std::uint32_t>(i);
  if (g.files == kMaxFiles) {
    emit_text(RecordKind::kUnsupported, kEveryFile, "more data files than the recorder holds");
    return kEveryFile;
  }
  strcpy(g.names[g.files], name);
  emit_text(RecordKind::kFile, static_cast<std::uint32_t>(g.files), name);
  return static_cast<std::uint32_t>(g.files++);
}

struct Locked {
  Locked() { pthread_mutex_lock(&g.lock); }
  ~Locked() { pthread_mutex_unlock(&g.lock); }
};

template <typename Call>
int opened(int dirfd, const char* path, int flags, Call call) {
  char buffer[NAME_MAX + 1];
  const char* name = active() ? data_file_name(dirfd, path, buffer) : nullptr;
  if (name == nullptr) return call();
  Locked locked;
  struct stat st {};
  const bool existed = fstatat(dirfd, path, &st, 0) == 0;
  const int fd = call();
  if (fd < 0) return fd;
  const std::uint32_t file = file_number(name);
  if (!existed) {
    char what[NAME_MAX + 32];
    snprintf(what, sizeof what, "created %s", name);
    emit_text(RecordKind::kUnsupported, file, what);
  } else if ((flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != O_RDONLY) {
    emit(RecordKind::kTruncate, file, 0, 0, 0);
  }
  if (fd >= kMaxFd) {
    emit_text(RecordKind::kUnsupported, file, "descriptor past the recorder's table");
  } else {
    g.fds[fd].store((file + 1) | ((flags & O_DSYNC) == O_DSYNC ? kDataSyncBit : 0u));
  }
  return fd;
}

std::uint32_t tracked(int fd) {
  return fd >= 0 && fd < kMaxFd && g.active ? g.fds[fd].load() : 0;
}

bool all_zero(const iovec* iov, int pieces, size_t bytes) {
  for (int i = 0; i < pieces && bytes > 0; ++i) {
    const unsigned char* p = static_cast<const unsigned char*>(iov[i].iov_base);
    const size_t n = iov[i].iov_len < bytes ? iov[i].iov_len : bytes;
    for (size_t j = 0; j < n; ++j)
      if (p[j] != 0) return false;
    bytes -= n;
  }
  return true;
}

// A write of `pieces` at `offset` (-1: the descriptor's position), done by `call`.
template <typename Call>
ssize_t written(int fd, const iovec* iov, int pieces, off_t offset, bool data_sync, Call call) {
  if (tracked(fd) == 0) return call();
  Locked locked;
  const std::uint32_t t = g.fds[fd].load();
  if (t == 0) return call();
  const off_t at = offset >= 0 ? offset : lseek(fd, 0, SEEK_CUR);
  const ssize_t n = call();
  if (n > 0) {
    const std::uint32_t file = (t & ~kDataSyncBit) - 1;
    std::uint32_t flags = ((t & kDataSyncBit) != 0 || data_sync) ? kDataSync : 0u;
    const size_t bytes = static_cast<size_t>(n);
    if (all_zero(iov, pieces, bytes))
      emit(RecordKind::kWrite, file, static_cast<std::uint64_t>(at), bytes, flags | kZeros);
    else
      emit(RecordKind::kWrite, file, static_cast<std::uint64_t>(at), bytes, flags, iov, pieces,
           bytes);
  }
  return n;
}

template <typename Call>
int synced(int fd, Call call) {
  if (tracked(fd) == 0) return call();
  if (g.kill_armed[0] != '\0' && access(g.kill_armed, F_OK) == 0) kill(getpid(), SIGKILL);
  Locked locked;
  const std::uint32_t t = g.fds[fd].load();
  const int rc = call();
  if (rc == 0 && t != 0) emit(RecordKind::kBarrier, (t & ~kDataSyncBit) - 1, 0, 0, 0);
  return rc;
}

template <typename Call>
int truncated(int fd, off_t length, Call call) {
  if (tracked(fd) == 0) return call();
  Locked locked;
  const std::uint32_t t = g.fds[fd].load();
  const int rc = call();
  if (rc == 0 && t != 0)
    emit(RecordKind::kTruncate, (t & ~kDataSyncBit) - 1, 0, static_cast<std::uint64_t>(length), 0);
  return rc;
}

template <typename Call>
int allocated(int fd, int mode, off_t offset, off_t length, Call call) {
  if (tracked(fd) == 0) return call();
  Locked locked;
  const std::uint32_t t = g.fds[fd].load();
  const int rc = call();
  if (rc == 0 && t != 0)
    emit(RecordKind::kAllocate, (t & ~kDataSyncBit) - 1, static_cast<std::uint64_t>(offset),
         static_cast<std::uint64_t>(length), static_cast<std::uint32_t>(mode));
  return rc;
}

int duplicated(int from, int to) {
  if (to >= 0 && to < kMaxFd && active()) {
    Locked locked;
    g.fds[to].store(tracked(from));
  }
  return to;
}

void changed_name(int dirfd, const char* path, const char* what) {
  char buffer[NAME_MAX + 1];
  if (!active()) return;
  const char* name = data_file_name(dirfd, path, buffer);
  if (name == nullptr) return;
  Locked locked;
  char text[NAME_MAX + 32];
  snprintf(text, sizeof text, "%s %s", what, name);
  emit_text(RecordKind::kUnsupported, kEveryFile, text);
}

// A mapping; a writable shared one of a data file is recorded as unsupported (stores through
// memory are invisible here).
void* mapped(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  if (tracked(fd) != 0 && (prot & PROT_WRITE) != 0 && (flags & MAP_SHARED) != 0) {
    Locked locked;
    emit_text(RecordKind::kUnsupported, (tracked(fd) & ~kDataSyncBit) - 1,
              "a writable shared mapping of a data file");
  }
  return raw_mmap(addr, length, prot, flags, fd, offset);
}

mode_t mode_of(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? static_cast<mode_t>(va_arg(ap, unsigned)) : 0;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  return opened(AT_FDCWD, path, flags, [&] { return REAL(open)(path, flags, mode); });
}
int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  return opened(AT_FDCWD, path, flags, [&] { return REAL(open64)(path, flags, mode); });
}
int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  return opened(dirfd, path, flags, [&] { return REAL(openat)(dirfd, path, flags, mode); });
}
int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_of(flags, ap);
  va_end(ap);
  return opened(dirfd, path, flags, [&] { return REAL(openat64)(dirfd, path, flags, mode); });
}

int close(int fd) {
  if (tracked(fd) != 0) {
    Locked locked;
    g.fds[fd].store(0);
  }
  return REAL(close)(fd);
}

ssize_t write(int fd, const void* buf, size_t n) {
  iovec v{const_cast<void*>(buf), n};
  return written(fd, &v, 1, -1, false, [&] { return REAL(write)(fd, buf, n); });
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  iovec v{const_cast<void*>(buf), n};
  return written(fd, &v, 1, offset, false, [&] { return REAL(pwrite)(fd, buf, n, offset); });
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) {
  iovec v{const_cast<void*>(buf), n};
  return written(fd, &v, 1, offset, false, [&] { return REAL(pwrite64)(fd, buf, n, offset); });
}
ssize_t writev(int fd, const iovec* iov, int count) {
  return written(fd, iov, count, -1, false, [&] { return REAL(writev)(fd, iov, count); });
}
ssize_t pwritev(int fd, const iovec* iov, int count, off_t offset) {
  return written(fd, iov, count, offset, false,
                 [&] { return REAL(pwritev)(fd, iov, count, offset); });
}
ssize_t pwritev64(int fd, const iovec* iov, int count, off_t offset) {
  return written(fd, iov, count, offset, false,
                 [&] { return REAL(pwritev64)(fd, iov, count, offset); });
}
ssize_t pwritev2(int fd, const iovec* iov, int count, off_t offset, int flags) {
  return written(fd, iov, count, offset, (flags & (RWF_DSYNC | RWF_SYNC)) != 0,
                 [&] { return REAL(pwritev2)(fd, iov, count, offset, flags); });
}

int ftruncate(int fd, off_t length) {
  return truncated(fd, length, [&] { return REAL(ftruncate)(fd, length); });
}
int ftruncate64(int fd, off_t length) {
  return truncated(fd, length, [&] { return REAL(ftruncate64)(fd, length); });
}
int fallocate(int fd, int mode, off_t offset, off_t length) {
  return allocated(fd, mode, offset, length,
                   [&] { return REAL(fallocate)(fd, mode, offset, length); });
}
int fallocate64(int fd, int mode, off_t offset, off_t length) {
  return allocated(fd, mode, offset, length,
                   [&] { return REAL(fallocate64)(fd, mode, offset, length); });
}

int fsync(int fd) {
  return synced(fd, [&] { return REAL(fsync)(fd); });
}
int fdatasync(int fd) {
  return synced(fd, [&] { return REAL(fdatasync)(fd); });
}
void sync() {
  if (!active()) return REAL(sync)();
  Locked locked;
  REAL(sync)();
  emit(RecordKind::kBarrier, kEveryFile, 0, 0, 0);
}
int syncfs(int fd) {
  struct stat st {};
  if (!active() || fstat(fd, &st) != 0 || st.st_dev != g.dir_device) return REAL(syncfs)(fd);
  Locked locked;
  const int rc = REAL(syncfs)(fd);
  if (rc == 0) emit(RecordKind::kBarrier, kEveryFile, 0, 0, 0);
  return rc;
}

int dup(int fd) {
  return duplicated(fd, REAL(dup)(fd));
}
int dup2(int fd, int to) {
  return duplicated(fd, REAL(dup2)(fd, to));
}
int dup3(int fd, int to, int flags) {
  return duplicated(fd, REAL(dup3)(fd, to, flags));
}

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  return mapped(addr, length, prot, flags, fd, offset);
}
void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  return mapped(addr, length, prot, flags, fd, offset);
}

int rename(const char* from, const char* to) {
  changed_name(AT_FDCWD, from, "renamed");
  changed_name(AT_FDCWD, to, "replaced");
  return REAL(rename)(from, to);
}
int renameat(int fromfd, const char* from, int tofd, const char* to) {
  changed_name(fromfd, from, "renamed");
  changed_name(tofd, to, "replaced");
  return REAL(renameat)(fromfd, from, tofd, to);
}
int unlink(const char* path) {
  changed_name(AT_FDCWD, path, "removed");
  return REAL(unlink)(path);
}
int unlinkat(int dirfd, const char* path, int flags) {
  changed_name(dirfd, path, "removed");
  return REAL(unlinkat)(dirfd, path, flags);
}

}  // extern "C"
