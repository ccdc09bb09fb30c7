#include "storage/environment.h"

#include <lmdb.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "storage/codec.h"
#include "storage/lmdb_status.h"
#include "storage/meta_check.h"
#include "storage/preallocator.h"
#include "storage/upgrade.h"

namespace brandledger::storage {
namespace {

// Below this many free bytes a failed commit is taken for a full disk (a commit writes whole
// pages, and most of its pages at once).
constexpr std::uint64_t kFullDiskBytes = std::uint64_t{1} << 20;

std::uint64_t file_size_or_zero(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

}  // namespace

Result<std::unique_ptr<Environment>> Environment::open(const std::filesystem::path& dir,
                                                       EnvironmentOptions options) {
  std::unique_ptr<Environment> env(new Environment());
  env->dir_ = dir;
  env->read_only_ = options.read_only;

  std::error_code ec;
  if (options.read_only) {
    if (!std::filesystem::exists(dir / "data.mdb", ec))
      return Status::NotFound("no BrandLedger data in " + dir.string());
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create " + dir.string() + ": " + ec.message());
  }

  // Before LMDB maps the file: a damaged meta page must be refused, not crash the process.
  BL_RETURN_IF_ERROR(check_meta_pages(dir / "data.mdb"));

  int rc = mdb_env_create(&env->env_);
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_env_create");
  // Room beyond the tables opened here for the stale ones drop_unregistered_views opens.
  const auto max_dbs = static_cast<MDB_dbi>(64 + options.view_tables.size());
  // Reserved once, never resized (environment.h). Without MDB_WRITEMAP LMDB writes pages
  // with pwrite, so the file is not extended to the map's size, read-only opens included.
  const std::size_t map_size = std::max<std::size_t>(
      options.map_size, static_cast<std::size_t>(file_size_or_zero(dir / "data.mdb")));
  if ((rc = mdb_env_set_maxdbs(env->env_, max_dbs)) != MDB_SUCCESS ||
      (rc = mdb_env_set_maxreaders(env->env_, options.max_readers)) != MDB_SUCCESS ||
      (rc = mdb_env_set_mapsize(env->env_, map_size)) != MDB_SUCCESS)
    return status_from_lmdb(rc, "configure environment");

  // MDB_NOTLS: read transactions belong to no thread, so a request may move between threads.
  unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0u) |
                   (options.unsafe_no_sync ? MDB_NOSYNC : 0u);
  rc = mdb_env_open(env->env_, dir.c_str(), flags, 0644);
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "open " + dir.string());

  rc = mdb_reader_check(env->env_, &env->stale_readers_cleared_);
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_reader_check");

  MDB_envinfo info{};
  mdb_env_info(env->env_, &info);
  env->map_size_ = info.me_mapsize;

  BL_RETURN_IF_ERROR(env->open_tables(options));
  if (options.preallocate_ahead > 0 && !options.read_only)
    env->preallocator_ = std::make_unique<Preallocator>(*env, options.preallocate_ahead);
  return env;
}

Environment::~Environment() {
  preallocator_.reset();
  if (env_ != nullptr) mdb_env_close(env_);
}

Status Environment::open_tables(const EnvironmentOptions& options) {
  const unsigned create = read_only_ ? 0u : MDB_CREATE;
  BL_ASSIGN_OR_RETURN(MDB_txn * txn, begin(read_only_ ? MDB_RDONLY : 0u));

  auto open_one = [&](const std::string& name, unsigned flags, Table* out) -> Status {
    MDB_dbi dbi = 0;
    int rc = mdb_dbi_open(txn, name.c_str(), flags | create, &dbi);
    if (rc == MDB_NOTFOUND)
      return Status::NotFound("no table " + name + " in " + dir_.string() +
                              ": not a BrandLedger data dir");
    if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "open table " + name);
    *out = Table(dbi, name);
    return Status::Ok();
  };

  Status s = open_one("events", MDB_INTEGERKEY, &log_.events);
  if (s.ok()) s = open_one("streams", 0, &log_.streams);
  if (s.ok()) s = open_one("commands", 0, &log_.commands);
  if (s.ok()) s = open_one("meta", 0, &log_.meta);
  if (s.ok()) {
    s = open_one("secrets", 0, &log_.secrets);
    // Format 3 added it; reading an older data dir goes on to say it must be upgraded.
    if (s.code() == Status::Code::kNotFound && read_only_) s = Status::Ok();
  }
  for (std::size_t i = 0; s.ok() && i < options.view_tables.size(); ++i) {
    Table view;
    const ViewTableSpec& spec = options.view_tables[i];
    // Position sets: each key's positions as 8-byte sorted duplicates, packed in pages
    // of their own (MDB_DUPFIXED) instead of a key per position.
    s = open_one("view." + spec.name, spec.position_set ? MDB_DUPSORT | MDB_DUPFIXED : 0u, &view);
    // A view table that a newer build added is created at the next writable open (which
    // rebuilds the views); reading without it must still work.
    if (s.code() == Status::Code::kNotFound && read_only_) {
      s = Status::Ok();
      continue;
    }
    if (s.ok()) views_.push_back(std::move(view));
  }

  // The schema stamp: written on a new data dir, checked on every other.
  std::uint32_t upgrade_from = 0;
  if (s.ok()) {
    MDB_val key{kSchemaVersionKey.size(), const_cast<char*>(kSchemaVersionKey.data())}, value{};
    int rc = mdb_get(txn, log_.meta.dbi_, &key, &value);
    if (rc == MDB_NOTFOUND) {
      MDB_stat st{};
      mdb_stat(txn, log_.events.dbi_, &st);
      if (st.ms_entries != 0) {
        s = Status::Corruption(dir_.string() + " holds events but no schema version");
      } else if (!read_only_) {
        std::string stamp = encode_u32(kSchemaVersion);
        MDB_val v{stamp.size(), stamp.data()};
        rc = mdb_put(txn, log_.meta.dbi_, &key, &v, 0);
        if (rc != MDB_SUCCESS) s = status_from_lmdb(rc, "stamp schema version");
      }
    } else if (rc != MDB_SUCCESS) {
      s = status_from_lmdb(rc, "read schema version");
    } else {
      auto found = decode_u32({static_cast<const char*>(value.mv_data), value.mv_size});
      if (!found) {
        s = Status::Corruption("unreadable schema version in " + dir_.string());
      } else if (*found > kSchemaVersion) {
        s = Status::Unsupported("the data in " + dir_.string() + " has format version " +
                                std::to_string(*found) + ", newer than this build's " +
                                std::to_string(kSchemaVersion) + "; run a newer brandledger on it");
      } else if (*found < kOldestUpgradableFormat) {
        s = Status::Unsupported("the data in " + dir_.string() + " has format version " +
                                std::to_string(*found) + ", which this build cannot upgrade");
      } else if (*found < kSchemaVersion && read_only_) {
        s = Status::Unsupported("the data in " + dir_.string() + " has format version " +
                                std::to_string(*found) + "; open it for writing once (e.g. " +
                                "brandledger serve or rebuild) to upgrade it to " +
                                std::to_string(kSchemaVersion));
      } else if (*found < kSchemaVersion) {
        upgrade_from = *found;
      }
    }
  }
  if (!s.ok()) {
    mdb_txn_abort(txn);
    return s;
  }
  // Committing makes the table handles usable by every later transaction (read-only too).
  int rc = mdb_txn_commit(txn);
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "commit table creation");
  if (upgrade_from == 0) return Status::Ok();
  return write([&](WriteTxn& w) { return upgrade_format(log_, w, upgrade_from); });
}

Result<MDB_txn*> Environment::begin(unsigned flags) const {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, flags, &txn);
  if (rc == MDB_MAP_RESIZED)
    // Another process, opened with a larger map_size, has written past this map. Adopting
    // its size would need every transaction of this process closed: refuse instead.
    return Status::MapFull("the data in " + dir_.string() + " has outgrown this process's map (" +
                           std::to_string(map_size_) +
                           " bytes): reopen it with map_size at least that of the process "
                           "writing it");
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_txn_begin");
  return txn;
}

Result<ReadTxn> Environment::begin_read() const {
  BL_ASSIGN_OR_RETURN(MDB_txn * txn, begin(MDB_RDONLY));
  return ReadTxn(txn);
}

Status Environment::write(const std::function<Status(WriteTxn&)>& body,
                          std::chrono::steady_clock::duration* commit_time) {
  if (read_only_) return Status::InvalidArgument("the environment was opened read-only");
  BL_ASSIGN_OR_RETURN(MDB_txn * handle, begin(0));
  WriteTxn txn(handle);
  Status s = body(txn);
  if (s.ok() && txn.is_open()) s = txn.commit();
  if (s.ok() && commit_time != nullptr) *commit_time = txn.commit_time();
  if (s.code() == Status::Code::kMapFull)
    return Status::MapFull(s.message() + "; the map (" + std::to_string(map_size_) +
                           " bytes, map_size) is used up");
  // LMDB answers a write the disk cut short (it filled up part way) with EIO, not ENOSPC:
  // a failed commit on a disk with less free than a page's worth is a full disk.
  if (s.code() == Status::Code::kIoError) {
    struct statvfs fs {};
    if (::statvfs(dir_.c_str(), &fs) == 0 &&
        static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < kFullDiskBytes)
      return Status::NoSpace(s.message() + "; the disk holding " + dir_.string() + " is full");
  }
  return s;
}

const Table* Environment::view_table(std::string_view name) const {
  for (const Table& t : views_)
    if (std::string_view(t.name()).substr(5) == name) return &t;  // past "view."
  return nullptr;
}

Result<std::vector<std::string>> Environment::drop_unregistered_views() {
  std::vector<std::string> dropped;
  Status s = write([&](WriteTxn& txn) -> Status {
    dropped.clear();
    // The named tables are the keys of LMDB's main table.
    MDB_dbi main = 0;
    int rc = mdb_dbi_open(txn.handle(), nullptr, 0, &main);
    if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "open the main table");
    MDB_cursor* cursor = nullptr;
    if ((rc = mdb_cursor_open(txn.handle(), main, &cursor)) != MDB_SUCCESS)
      return status_from_lmdb(rc, "mdb_cursor_open main");
    constexpr std::string_view kPrefix = "view.";
    MDB_val k{kPrefix.size(), const_cast<char*>(kPrefix.data())}, v{};
    for (rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      const std::string_view name(static_cast<const char*>(k.mv_data), k.mv_size);
      if (!name.starts_with(kPrefix)) break;
      if (view_table(name.substr(kPrefix.size())) == nullptr) dropped.emplace_back(name);
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return status_from_lmdb(rc, "list tables");
    for (const std::string& name : dropped) {
      MDB_dbi dbi = 0;
      if ((rc = mdb_dbi_open(txn.handle(), name.c_str(), 0, &dbi)) != MDB_SUCCESS)
        return status_from_lmdb(rc, "open table " + name);
      // Deletes the table and closes the handle.
      if ((rc = mdb_drop(txn.handle(), dbi, 1)) != MDB_SUCCESS)
        return status_from_lmdb(rc, "drop table " + name);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return dropped;
}

Status Environment::backup(const std::filesystem::path& out_dir) const {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::IoError("cannot create " + out_dir.string() + ": " + ec.message());
  if (std::filesystem::exists(out_dir / "data.mdb", ec))
    return Status::InvalidArgument(out_dir.string() + " already holds a data file");
  int rc = mdb_env_copy2(env_, out_dir.c_str(), MDB_CP_COMPACT);
  return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "backup to " + out_dir.string());
}

Result<EnvironmentStats> Environment::stats() const {
  EnvironmentStats out;
  BL_ASSIGN_OR_RETURN(ReadTxn txn, begin_read());
  MDB_envinfo info{};
  MDB_stat env_stat{};
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &env_stat);
  out.page_size = env_stat.ms_psize;
  out.map_size = info.me_mapsize;
  out.map_used = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * env_stat.ms_psize;
  out.readers = info.me_numreaders;
  out.file_bytes = file_size_or_zero(dir_ / "data.mdb");

  auto add = [&](const Table& t) -> Status {
    MDB_stat st{};
    int rc = mdb_stat(txn.handle(), t.dbi_, &st);
    if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_stat " + t.name());
    const std::uint64_t pages = st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
    out.tables.push_back({t.name(), st.ms_entries, pages * st.ms_psize});
    return Status::Ok();
  };
  for (const Table* t : {&log_.events, &log_.streams, &log_.commands, &log_.meta})
    BL_RETURN_IF_ERROR(add(*t));
  for (const Table& t : views_) BL_RETURN_IF_ERROR(add(t));
  out.events = out.tables[0].entries;
  out.streams = out.tables[1].entries;

  BL_ASSIGN_OR_RETURN(auto schema, log_.meta.get(txn, kSchemaVersionKey));
  if (schema) out.schema_version = decode_u32(*schema).value_or(0);
  return out;
}

Status compact_data_dir(const std::filesystem::path& dir) {
  const std::filesystem::path data_file = dir / "data.mdb", scratch = dir / "compacting";
  const std::filesystem::path copy = scratch / "data.mdb";
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  if (ec) return Status::IoError("cannot remove " + scratch.string() + ": " + ec.message());
  auto fail = [&](Status s) {  // leaves data.mdb as it was, and no copy behind
    std::filesystem::remove_all(scratch, ec);
    return s;
  };
  auto sync_path = [](const std::filesystem::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    const bool ok = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    return ok;
  };
  // Taken before the copy's snapshot: if it is the last commit still once nobody else has
  // the file open, the copy holds every commit (a commit in between makes it Busy).
  BL_ASSIGN_OR_RETURN(const std::uint64_t copied_commit, last_commit_id(data_file));
  {
    EnvironmentOptions options;
    options.read_only = true;
    auto env = Environment::open(dir, options);
    if (!env.ok()) return fail(env.status());
    if (Status copied = (*env)->backup(scratch); !copied.ok()) return fail(copied);
  }  // closed: its descriptors, and the fcntl locks LMDB holds through them, are gone
  struct stat original {};
  if (::stat(data_file.c_str(), &original) != 0)
    return fail(Status::IoError("cannot stat " + data_file.string()));
  // The copy as the file was: its owner and mode (a rebuild run as root must not leave
  // the service's user a file it cannot write), and on the disk before the swap.
  if (::chmod(copy.c_str(), original.st_mode & 07777) != 0 ||
      (::chown(copy.c_str(), original.st_uid, original.st_gid) != 0 && ::geteuid() == 0))
    return fail(Status::IoError("cannot give " + copy.string() + " the data file's owner and mode"));
  if (!sync_path(copy, O_RDONLY)) return fail(Status::IoError("cannot sync " + copy.string()));

  // LMDB's own test for other processes: whoever opens an environment holds a shared lock
  // on lock.mdb's first byte, so an exclusive one is had only when nobody else does. An
  // opener meanwhile waits for it.
  const std::filesystem::path lock_file = dir / "lock.mdb";
  const int lock_fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC);
  if (lock_fd < 0) return fail(Status::IoError("cannot open " + lock_file.string()));
  struct flock excl {};
  excl.l_type = F_WRLCK;
  excl.l_whence = SEEK_SET;
  excl.l_start = 0;
  excl.l_len = 1;
  if (::fcntl(lock_fd, F_SETLK, &excl) != 0) {
    ::close(lock_fd);
    return fail(Status::Busy("another process has " + dir.string() + " open; left as it is"));
  }
  Status s;
  bool swapped = false;
  auto committed = last_commit_id(data_file);
  if (!committed.ok()) {
    s = committed.status();
  } else if (*committed != copied_commit) {
    s = Status::Busy("another process wrote to " + dir.string() + " during the copy; left as it is");
  } else if (std::filesystem::rename(copy, data_file, ec); ec) {
    s = Status::IoError("cannot move the compacted copy into " + dir.string() + ": " + ec.message());
  } else if (swapped = true; !sync_path(dir, O_RDONLY | O_DIRECTORY)) {
    s = Status::IoError("cannot sync " + dir.string());
  }
  // The lock file's shared state (its last transaction id) belongs to the old file. An
  // opener that waited for the lock takes it shared and would trust that state: emptied,
  // it fails to open instead, and the next opener, alone, sets the file up afresh.
  if (swapped && ::ftruncate(lock_fd, 0) != 0 && s.ok())
    s = Status::IoError("cannot reset " + lock_file.string());
  ::close(lock_fd);  // releases the lock
  std::filesystem::remove_all(scratch, ec);
  return s;
}

}  // namespace brandledger::storage
