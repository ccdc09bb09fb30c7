#include "engine/views.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <span>
#include <utility>

#include "storage/codec.h"

namespace brandledger::engine {
namespace {

std::string timer_key(Timestamp due, std::string_view id) {
  std::string key;
  storage::append_time_be(&key, due);
  key.append(id);
  return key;
}

}  // namespace

Result<const storage::Table*> ViewReader::table(std::string_view name) const {
  const storage::Table* t = env_.view_table(name);
  if (t == nullptr) return Status::InvalidArgument("no view table " + std::string(name));
  return t;
}

Result<std::optional<std::string>> ViewReader::get(std::string_view name,
                                                   std::string_view key) const {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  BL_ASSIGN_OR_RETURN(auto value, t->get(txn_, key));
  if (!value) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*value));
}

Status ViewReader::scan_prefix(std::string_view name, std::string_view prefix,
                               const storage::Visitor& visit) const {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->scan_prefix(txn_, prefix, visit);
}

Status ViewReader::scan(std::string_view name, std::string_view from,
                        const storage::Visitor& visit) const {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->scan(txn_, from, visit);
}

Status ViewReader::scan_backward(std::string_view name, std::string_view from,
                                 const storage::Visitor& visit) const {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->scan_backward(txn_, from, visit);
}

Result<bool> ViewReader::has_position(std::string_view name, std::string_view key,
                                      std::uint64_t position) const {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->has_position(txn_, key, position);
}

Status ViewReader::scan_positions(std::string_view name, std::string_view key, std::uint64_t from,
                                  storage::Table::Direction direction,
                                  const std::function<bool(std::uint64_t)>& visit) const {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->scan_positions(txn_, key, from, direction, visit);
}

Status ViewWriter::put(std::string_view name, std::string_view key, std::string_view value) {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->put(write_txn_, key, value);
}

Status ViewWriter::append(std::string_view name, std::string_view key, std::string_view value) {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->put(write_txn_, key, value, /*append=*/true);
}

Status ViewWriter::add_position(std::string_view name, std::string_view key,
                                std::uint64_t position) {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  if (deferred_ == nullptr) return t->add_position(write_txn_, key, position);
  if (key.empty()) return Status::InvalidArgument("an empty key in " + t->name());
  deferred_->add(*t, key, position);
  return Status::Ok();
}

Result<bool> ViewWriter::has_position(std::string_view name, std::string_view key,
                                      std::uint64_t position) const {
  if (deferred_ != nullptr) return held_back(name);
  return ViewReader::has_position(name, key, position);
}

Status ViewWriter::scan_positions(std::string_view name, std::string_view key, std::uint64_t from,
                                  storage::Table::Direction direction,
                                  const std::function<bool(std::uint64_t)>& visit) const {
  if (deferred_ != nullptr) return held_back(name);
  return ViewReader::scan_positions(name, key, from, direction, visit);
}

Status ViewWriter::held_back(std::string_view name) {
  return Status::Internal("a projection read position set " + std::string(name) +
                          " while its entries are held back (a rebuild)");
}

void DeferredPositions::add(const storage::Table& table, std::string_view key,
                            std::uint64_t position) {
  auto t = std::find(tables_.begin(), tables_.end(), &table);
  if (t == tables_.end()) t = tables_.insert(tables_.end(), &table);
  Entry e{{0, 0},
          keys_.size(),
          position,
          static_cast<std::uint32_t>(key.size()),
          static_cast<std::uint32_t>(t - tables_.begin())};
  unsigned char head[16] = {};
  std::memcpy(head, key.data(), std::min<std::size_t>(key.size(), sizeof head));
  for (int half = 0; half < 2; ++half)
    for (int i = 0; i < 8; ++i) e.prefix[half] = e.prefix[half] << 8 | head[half * 8 + i];
  keys_.append(key);
  entries_.push_back(e);
}

Status DeferredPositions::write(storage::WriteTxn& txn) {
  // By table, then key in LMDB's order (bytes, then length); stable, so that each key's
  // positions stay in the order they came, the log's.
  auto before = [this](const Entry& a, const Entry& b) {
    if (a.table != b.table) return a.table < b.table;
    if (a.prefix[0] != b.prefix[0]) return a.prefix[0] < b.prefix[0];
    if (a.prefix[1] != b.prefix[1]) return a.prefix[1] < b.prefix[1];
    if (a.key_size <= 16 && b.key_size <= 16) return a.key_size < b.key_size;
    return key(a) < key(b);
  };
  std::stable_sort(entries_.begin(), entries_.end(), before);
  std::vector<std::uint64_t> positions;
  positions.reserve(entries_.size());
  for (const Entry& e : entries_) positions.push_back(e.position);
  std::vector<storage::Table::PositionRun> runs;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= entries_.size(); ++i) {
    if (i < entries_.size() && entries_[i].table == entries_[start].table &&
        key(entries_[i]) == key(entries_[start]))
      continue;
    runs.push_back({key(entries_[start]), std::span(positions).subspan(start, i - start)});
    if (i == entries_.size() || entries_[i].table != entries_[start].table) {
      BL_RETURN_IF_ERROR(tables_[entries_[start].table]->add_positions(txn, runs));
      runs.clear();
    }
    start = i;
  }
  entries_.clear();
  keys_.clear();
  return Status::Ok();
}

Status ViewWriter::erase(std::string_view name, std::string_view key) {
  BL_ASSIGN_OR_RETURN(const storage::Table* t, table(name));
  return t->erase(write_txn_, key).status();
}

Status ViewWriter::schedule_timer(const TimerSpec& timer) {
  BL_RETURN_IF_ERROR(cancel_timer(timer.id));
  const std::string key = timer_key(timer.due, timer.id);
  BL_RETURN_IF_ERROR(put(kTimersTable, key, encode_timer(timer)));
  return put(kTimerIdsTable, timer.id, key);
}

Status ViewWriter::cancel_timer(std::string_view id) {
  BL_ASSIGN_OR_RETURN(auto key, get(kTimerIdsTable, id));
  if (!key) return Status::Ok();
  BL_RETURN_IF_ERROR(erase(kTimersTable, *key));
  return erase(kTimerIdsTable, id);
}

std::string encode_timer(const TimerSpec& timer) {
  boost::json::object o;
  o["id"] = timer.id;
  o["due"] = to_micros(timer.due);
  o["command"] = timer.command;
  o["stream"] = timer.stream;
  o["args"] = boost::json::parse(timer.args_json);
  return boost::json::serialize(o);
}

std::optional<TimerSpec> decode_timer(std::string_view value) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(value, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  TimerSpec t;
  auto str = [&](const char* k) -> std::string {
    auto* p = o.if_contains(k);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  t.id = str("id");
  t.command = str("command");
  t.stream = str("stream");
  auto* due = o.if_contains("due");
  auto* args = o.if_contains("args");
  if (t.id.empty() || !due || !due->is_int64() || !args) return std::nullopt;
  t.due = from_micros(due->as_int64());
  t.args_json = boost::json::serialize(*args);
  return t;
}

}  // namespace brandledger::engine
