#include "storage/table.h"

#include <lmdb.h>

#include "storage/codec.h"
#include "storage/lmdb_status.h"

namespace brandledger::storage {
namespace {

MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
std::string_view from_val(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

std::string big_endian(std::uint64_t v) {
  std::string out;
  append_u64be(&out, v);
  return out;
}

// Closes the cursor on every path out of a scan.
class Cursor {
 public:
  Cursor() = default;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }
  Status open(MDB_txn* txn, unsigned dbi, const std::string& table) {
    int rc = mdb_cursor_open(txn, dbi, &cursor_);
    return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "mdb_cursor_open " + table);
  }
  // MDB_SUCCESS, MDB_NOTFOUND, or an error.
  int get(MDB_val* key, MDB_val* value, MDB_cursor_op op) {
    return mdb_cursor_get(cursor_, key, value, op);
  }
  int put(MDB_val* key, MDB_val* value, unsigned flags) {
    return mdb_cursor_put(cursor_, key, value, flags);
  }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace

Result<std::optional<std::string_view>> Table::get(const Txn& txn, std::string_view key) const {
  MDB_val k = to_val(key), v{};
  int rc = mdb_get(txn.handle(), dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_get " + name_);
  return std::optional<std::string_view>(from_val(v));
}

Status Table::put(WriteTxn& txn, std::string_view key, std::string_view value, bool append) const {
  MDB_val k = to_val(key), v = to_val(value);
  int rc = mdb_put(txn.handle(), dbi_, &k, &v, append ? MDB_APPEND : 0);
  return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "mdb_put " + name_);
}

Result<char*> Table::reserve(WriteTxn& txn, std::string_view key, std::size_t size,
                             bool append) const {
  MDB_val k = to_val(key), v{size, nullptr};
  int rc = mdb_put(txn.handle(), dbi_, &k, &v, MDB_RESERVE | (append ? MDB_APPEND : 0u));
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_put " + name_);
  return static_cast<char*>(v.mv_data);
}

Result<std::optional<std::string_view>> Table::put_new(WriteTxn& txn, std::string_view key,
                                                       std::string_view value) const {
  MDB_val k = to_val(key), v = to_val(value);
  int rc = mdb_put(txn.handle(), dbi_, &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_SUCCESS) return std::optional<std::string_view>();
  if (rc == MDB_KEYEXIST) return std::optional<std::string_view>(from_val(v));
  return status_from_lmdb(rc, "mdb_put " + name_);
}

Result<bool> Table::erase(WriteTxn& txn, std::string_view key) const {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn.handle(), dbi_, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_del " + name_);
  return true;
}

Status Table::scan(const Txn& txn, std::string_view from, const Visitor& visit) const {
  Cursor cursor;
  BL_RETURN_IF_ERROR(cursor.open(txn.handle(), dbi_, name_));
  MDB_val k = to_val(from), v{};
  int rc = from.empty() ? cursor.get(&k, &v, MDB_FIRST) : cursor.get(&k, &v, MDB_SET_RANGE);
  while (rc == MDB_SUCCESS) {
    if (!visit(from_val(k), from_val(v))) return Status::Ok();
    rc = cursor.get(&k, &v, MDB_NEXT);
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : status_from_lmdb(rc, "scan " + name_);
}

Status Table::scan_prefix(const Txn& txn, std::string_view prefix, const Visitor& visit) const {
  return scan(txn, prefix, [&](std::string_view key, std::string_view value) {
    return key.starts_with(prefix) && visit(key, value);
  });
}

Status Table::scan_backward(const Txn& txn, std::string_view from, const Visitor& visit) const {
  Cursor cursor;
  BL_RETURN_IF_ERROR(cursor.open(txn.handle(), dbi_, name_));
  MDB_val k = to_val(from), v{};
  int rc;
  if (from.empty()) {
    rc = cursor.get(&k, &v, MDB_LAST);
  } else {
    // Land on the first key >= from, then step back unless it is `from` itself.
    rc = cursor.get(&k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) {
      rc = cursor.get(&k, &v, MDB_LAST);
    } else if (rc == MDB_SUCCESS && from_val(k) != from) {
      rc = cursor.get(&k, &v, MDB_PREV);
    }
  }
  while (rc == MDB_SUCCESS) {
    if (!visit(from_val(k), from_val(v))) return Status::Ok();
    rc = cursor.get(&k, &v, MDB_PREV);
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : status_from_lmdb(rc, "scan back " + name_);
}

Status Table::add_position(WriteTxn& txn, std::string_view key, std::uint64_t position) const {
  if (key.empty()) return Status::InvalidArgument("an empty key in " + name_);  // LMDB's refusal
  const std::string value = big_endian(position);
  MDB_val k = to_val(key), v = to_val(value);
  int rc = mdb_put(txn.handle(), dbi_, &k, &v, MDB_APPENDDUP);
  if (rc == MDB_KEYEXIST) {  // not past the last one: an ordered insert
    v = to_val(value);
    rc = mdb_put(txn.handle(), dbi_, &k, &v, MDB_NODUPDATA);
    if (rc == MDB_KEYEXIST) return Status::Ok();
  }
  return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "mdb_put " + name_);
}

Status Table::add_positions(WriteTxn& txn, std::span<const PositionRun> runs) const {
  Cursor cursor;
  BL_RETURN_IF_ERROR(cursor.open(txn.handle(), dbi_, name_));
  std::string packed;
  for (const PositionRun& run : runs) {
    if (run.positions.empty()) continue;
    if (run.key.empty()) return Status::InvalidArgument("an empty key in " + name_);
    packed.clear();
    for (std::uint64_t p : run.positions) append_u64be(&packed, p);
    for (std::size_t done = 0; done < run.positions.size();) {
      MDB_val k = to_val(run.key);
      // MDB_MULTIPLE: [0] one element's size and the first, [1] how many; LMDB leaves in
      // [1] how many went in.
      MDB_val v[2] = {{8, packed.data() + 8 * done}, {run.positions.size() - done, nullptr}};
      int rc = cursor.put(&k, v, MDB_MULTIPLE | MDB_APPENDDUP);
      if (rc == MDB_SUCCESS) break;
      if (rc != MDB_KEYEXIST) return status_from_lmdb(rc, "mdb_cursor_put " + name_);
      // That one is not past the set's last (a repeat, or older): in order, or left
      // alone if there; then the rest in bulk again.
      done += v[1].mv_size;
      BL_RETURN_IF_ERROR(add_position(txn, run.key, run.positions[done]));
      ++done;
    }
  }
  return Status::Ok();
}

Result<bool> Table::has_position(const Txn& txn, std::string_view key,
                                 std::uint64_t position) const {
  if (key.empty()) return false;  // never added
  Cursor cursor;
  BL_RETURN_IF_ERROR(cursor.open(txn.handle(), dbi_, name_));
  const std::string value = big_endian(position);
  MDB_val k = to_val(key), v = to_val(value);
  int rc = cursor.get(&k, &v, MDB_GET_BOTH);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "has_position " + name_);
  return true;
}

Status Table::scan_positions(const Txn& txn, std::string_view key, std::uint64_t from,
                             Direction direction,
                             const std::function<bool(std::uint64_t)>& visit) const {
  if (key.empty()) return Status::Ok();  // never added
  Cursor cursor;
  BL_RETURN_IF_ERROR(cursor.open(txn.handle(), dbi_, name_));
  const bool ascending = direction == Direction::kAscending;
  const std::string start = big_endian(from);
  MDB_val k = to_val(key), v = to_val(start);
  // The first position >= from; descending, the one before it unless it is `from`.
  int rc = cursor.get(&k, &v, MDB_GET_BOTH_RANGE);
  if (!ascending) {
    if (rc == MDB_NOTFOUND) {  // no key, or every position below `from`: its last
      k = to_val(key);
      rc = cursor.get(&k, &v, MDB_SET);
      if (rc == MDB_SUCCESS) rc = cursor.get(&k, &v, MDB_LAST_DUP);
    } else if (rc == MDB_SUCCESS && from_val(v) != start) {
      rc = cursor.get(&k, &v, MDB_PREV_DUP);
    }
  }
  while (rc == MDB_SUCCESS) {
    auto position = decode_u64be(from_val(v));
    if (!position) return Status::Corruption("a position of " + name_ + " is not 8 bytes");
    if (!visit(*position)) return Status::Ok();
    rc = cursor.get(&k, &v, ascending ? MDB_NEXT_DUP : MDB_PREV_DUP);
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : status_from_lmdb(rc, "scan positions " + name_);
}

Result<std::optional<KeyValue>> Table::last(const Txn& txn) const {
  Cursor cursor;
  BL_RETURN_IF_ERROR(cursor.open(txn.handle(), dbi_, name_));
  MDB_val k{}, v{};
  int rc = cursor.get(&k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) return std::optional<KeyValue>();
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "last " + name_);
  return std::optional<KeyValue>(KeyValue{from_val(k), from_val(v)});
}

Result<std::uint64_t> Table::count(const Txn& txn) const {
  MDB_stat st{};
  int rc = mdb_stat(txn.handle(), dbi_, &st);
  if (rc != MDB_SUCCESS) return status_from_lmdb(rc, "mdb_stat " + name_);
  return static_cast<std::uint64_t>(st.ms_entries);
}

Status Table::clear(WriteTxn& txn) const {
  int rc = mdb_drop(txn.handle(), dbi_, 0);
  return rc == MDB_SUCCESS ? Status::Ok() : status_from_lmdb(rc, "mdb_drop " + name_);
}

}  // namespace brandledger::storage
