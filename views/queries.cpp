#include "views/queries.h"

#include <algorithm>
#include <boost/json.hpp>

#include <cmath>
#include <map>

#include "views/keys.h"
#include "views/projections.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::views {
namespace {

using engine::ViewReader;
using workflows::str;

Result<std::optional<boost::json::object>> get_doc(const ViewReader& views, std::string_view table,
                                                   std::string_view id) {
  BL_ASSIGN_OR_RETURN(auto text, views.get(table, id));
  if (!text) return std::optional<boost::json::object>();
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_object())
    return Status::Corruption("unreadable view " + std::string(table) + "/" + std::string(id));
  return std::optional<boost::json::object>(std::move(v.as_object()));
}

double ratio(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0
                    : std::round(10000.0 * static_cast<double>(part) / static_cast<double>(whole)) /
                          10000.0;
}

// Latin letters folded to lower case; every other byte (Chinese has no case) kept as is.
std::string ascii_lower(std::string text) {
  for (char& ch : text)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return text;
}

std::string org_name(const ViewReader& views, const std::string& id) {
  auto org = get_doc(views, kOrgs, id);
  return org.ok() && *org ? str(**org, "name") : std::string();
}

}  // namespace

Result<std::optional<boost::json::object>> get_brand(const ViewReader& v, std::string_view id) {
  return get_doc(v, kBrands, id);
}
Result<std::optional<StoredBrand>> get_stored_brand(const ViewReader& v, std::string_view id) {
  BL_ASSIGN_OR_RETURN(auto keys, v.get(kBrandKeys, id));
  if (!keys) return std::optional<StoredBrand>();
  BL_ASSIGN_OR_RETURN(auto json, v.get(kBrands, id));
  if (!json) return Status::Corruption("brand " + std::string(id) + " has keys but no document");
  BrandKeys k = BrandKeys::decode(*keys);
  return std::optional<StoredBrand>(
      StoredBrand{std::move(*json), std::move(k.unit), std::move(k.branch)});
}
Result<std::optional<boost::json::object>> get_round(const ViewReader& v, std::string_view id) {
  return get_doc(v, kRounds, id);
}
Result<std::optional<boost::json::object>> get_org(const ViewReader& v, std::string_view id) {
  return get_doc(v, kOrgs, id);
}
Result<std::optional<boost::json::object>> get_user(const ViewReader& v, std::string_view id) {
  return get_doc(v, kUsers, id);
}

Result<Page> list_brands(const ViewReader& views, const BrandFilter& f, std::size_t limit,
                         const std::string& after) {
  // Walk the most selective index; check the other filters on each document.
  std::string_view table = kBrands;
  std::string prefix;
  if (!f.branch.empty())
    table = kBrandsByBranch, prefix = f.branch;
  else if (!f.unit.empty())
    table = kBrandsByUnit, prefix = f.unit;
  else if (!f.title.empty())
    table = kBrandsByTitle, prefix = f.title;
  else if (!f.state.empty())
    table = kBrandsByState, prefix = f.state;
  const bool indexed = table != kBrands;
  if (indexed) prefix.push_back('\0');

  const std::string q = ascii_lower(f.q);
  Page page;
  Status bad;
  const std::string from = prefix + after + (after.empty() ? "" : std::string(1, '\0'));
  BL_RETURN_IF_ERROR(views.scan(table, from, [&](std::string_view key, std::string_view value) {
    if (!key.starts_with(prefix)) return false;
    const std::string id(indexed ? key.substr(prefix.size()) : key);
    if (id == after) return true;
    boost::json::object doc;
    if (indexed) {
      auto d = get_doc(views, kBrands, id);
      if (!d.ok() || !*d) {
        bad = d.ok() ? Status::Corruption("index points at missing brand " + id) : d.status();
        return false;
      }
      doc = std::move(**d);
    } else {
      doc = boost::json::parse(value).as_object();
    }
    auto mismatch = [&](const std::string& want, std::string_view field) {
      return !want.empty() && str(doc, field) != want;
    };
    if (mismatch(f.state, "state") || mismatch(f.unit, "unit") || mismatch(f.branch, "branch") ||
        mismatch(f.title, "title"))
      return true;
    if (!q.empty() && ascii_lower(str(doc, "name")).find(q) == std::string::npos &&
        ascii_lower(str(doc, "branch_name")).find(q) == std::string::npos)
      return true;
    if (page.items.size() == limit) {
      page.next = boost::json::value_to<std::string>(page.items.back().as_object().at("id"));
      return false;
    }
    page.items.push_back(std::move(doc));
    return true;
  }));
  BL_RETURN_IF_ERROR(bad);
  return page;
}

Result<boost::json::array> list_table(const ViewReader& views, std::string_view table) {
  boost::json::array out;
  BL_RETURN_IF_ERROR(views.scan(table, "", [&](std::string_view, std::string_view value) {
    out.push_back(boost::json::parse(value));
    return true;
  }));
  return out;
}

Result<boost::json::array> re_reviews_due(const ViewReader& views, Timestamp before) {
  boost::json::array out;
  const std::string limit = time_part(before);
  std::vector<std::string> ids;
  BL_RETURN_IF_ERROR(views.scan(kReReviewDue, "", [&](std::string_view key, std::string_view) {
    if (key.substr(0, 8) > limit) return false;
    ids.emplace_back(key.substr(8));
    return true;
  }));
  for (const auto& id : ids) {
    BL_ASSIGN_OR_RETURN(auto doc, get_doc(views, kBrands, id));
    if (doc) out.push_back(std::move(*doc));
  }
  return out;
}

namespace {

// Every unit's figures as they stood at `as_of`: for each unit in unit_figures, the last
// entry at or before it (a seek to the unit's first key, then one back from `as_of`).
Result<std::map<std::string, UnitFigures>> figures_as_of(const ViewReader& views,
                                                          Timestamp as_of) {
  std::map<std::string, UnitFigures> out;
  const std::string until = time_part(as_of);
  std::string from;
  for (;;) {
    std::optional<std::string> unit;
    BL_RETURN_IF_ERROR(views.scan(kUnitFigures, from, [&](std::string_view key, std::string_view) {
      unit = std::string(first_part(key));
      return false;
    }));
    if (!unit) return out;
    BL_ASSIGN_OR_RETURN(auto figures, last_at_or_before(views, kUnitFigures, *unit, until));
    if (figures) out.emplace(*unit, UnitFigures::decode(*figures));
    from = *unit + '\x01';  // after every key of this unit (unit 0x00 ...)
  }
}

}  // namespace

Result<boost::json::object> coverage(const ViewReader& views, Timestamp as_of) {
  BL_ASSIGN_OR_RETURN(auto units, figures_as_of(views, as_of));
  boost::json::array rows;
  std::int64_t branches = 0, filed = 0;
  for (const auto& [unit, f] : units) {
    const std::int64_t unit_filed = f.filed();
    rows.push_back({{"unit", unit},
                    {"name", org_name(views, unit)},
                    {"branches", f.branches},
                    {"filed", unit_filed},
                    {"coverage", ratio(unit_filed, f.branches)}});
    branches += f.branches;
    filed += unit_filed;
  }
  return boost::json::object{{"as_of", format_rfc3339(as_of)},
                             {"units", std::move(rows)},
                             {"total",
                              {{"branches", branches},
                               {"filed", filed},
                               {"coverage", ratio(filed, branches)}}}};
}

Result<boost::json::object> titles_report(const ViewReader& views, int year) {
  boost::json::object by_title{{"top10", 0}, {"demonstration", 0}, {"excellent", 0}};
  boost::json::object by_org_type{{"党委", 0}, {"党总支", 0}, {"党支部", 0}};
  std::int64_t total = 0;
  const std::string prefix = std::to_string(year) + '\0';
  BL_RETURN_IF_ERROR(
      views.scan_prefix(kTitles, prefix, [&](std::string_view key, std::string_view value) {
        const std::string_view rest = key.substr(prefix.size());
        const std::string title(first_part(rest));
        const std::string org_type(last_part(rest));
        const std::int64_t n = std::stoll(std::string(value));
        by_title[title] = by_title[title].to_number<std::int64_t>() + n;
        by_org_type[org_type] = by_org_type[org_type].to_number<std::int64_t>() + n;
        total += n;
        return true;
      }));
  BL_ASSIGN_OR_RETURN(auto nominations, views.get(kNominations, std::to_string(year)));
  return boost::json::object{{"year", year},
                             {"by_title", std::move(by_title)},
                             {"by_org_type", std::move(by_org_type)},
                             {"total", total},
                             {"nominations", nominations ? std::stoll(*nominations) : 0}};
}

namespace {

// {"units":[{"unit","name","by_state"}],"total"} from counts by unit and state.
boost::json::object pipeline_rows(
    const ViewReader& views,
    const std::map<std::string, std::map<std::string, std::int64_t>>& counts) {
  boost::json::array rows;
  boost::json::object total;
  for (const auto& [unit, by_state] : counts) {
    boost::json::object states;
    for (const auto& [state, n] : by_state) {
      states[state] = n;
      total[state] = (total.contains(state) ? total[state].to_number<std::int64_t>() : 0) + n;
    }
    rows.push_back(
        {{"unit", unit}, {"name", org_name(views, unit)}, {"by_state", std::move(states)}});
  }
  return boost::json::object{{"units", std::move(rows)}, {"total", std::move(total)}};
}

}  // namespace

Result<boost::json::object> pipeline(const ViewReader& views) {
  std::map<std::string, std::map<std::string, std::int64_t>> counts;
  BL_RETURN_IF_ERROR(views.scan(kPipeline, "", [&](std::string_view key, std::string_view value) {
    counts[std::string(first_part(key))][std::string(last_part(key))] =
        std::stoll(std::string(value));
    return true;
  }));
  return pipeline_rows(views, counts);
}

Result<boost::json::object> pipeline_as_of(const ViewReader& views, Timestamp as_of) {
  BL_ASSIGN_OR_RETURN(auto units, figures_as_of(views, as_of));
  std::map<std::string, std::map<std::string, std::int64_t>> counts;
  for (const auto& [unit, f] : units)
    for (const auto& [state, n] : f.states) counts[unit][state] = n;
  boost::json::object out = pipeline_rows(views, counts);
  out["as_of"] = format_rfc3339(as_of);
  return out;
}

Result<boost::json::object> assessment(const engine::Engine& engine, const storage::ReadTxn& txn,
                                       int year, const AssessmentFilter& filter) {
  const ViewReader views(engine.environment(), txn);
  const Timestamp year_end =
      *parse_rfc3339(std::to_string(year + 1) + "-01-01") - std::chrono::microseconds(1);
  const std::string until = time_part(year_end);
  BL_ASSIGN_OR_RETURN(engine::StreamState settings_state,
                      engine.replay(txn, workflows::kSettingsStream));
  const auto& settings = *settings_state.as<workflows::SettingsState>();
  auto bonus_of = [&](std::string_view title) {
    auto it = settings.title_bonus.find(std::string(title));
    return it == settings.title_bonus.end() ? Decimal() : it->second;
  };

  // The rows: brands in id order (of the branch or the unit asked for), each as it stood at
  // the year's end, from its last brand_status_log entry by then; those not filed by then,
  // or cancelled, earn nothing and are left out.
  boost::json::array branches;
  std::optional<std::string> next;
  Status bad;
  auto row = [&](std::string_view id) -> bool {
    if (filter.limit != 0 && branches.size() == filter.limit) {
      next = branches.back().as_object().at("brand").as_string().c_str();
      return false;
    }
    auto found = last_at_or_before(views, kBrandStatusLog, id, until);
    if (!found.ok()) {
      bad = found.status();
      return false;
    }
    const std::optional<std::string>& status = *found;
    if (!status || !counts_as_filed(first_part(*status))) return true;
    auto keys = views.get(kBrandKeys, id);
    if (!keys.ok() || !*keys) {
      bad = keys.ok() ? Status::Corruption("no brand_keys for " + std::string(id)) : keys.status();
      return false;
    }
    const BrandKeys k = BrandKeys::decode(**keys);
    const std::string title(last_part(*status));
    const Decimal bonus = title.empty() ? Decimal() : bonus_of(title);
    branches.push_back({{"branch", k.branch},
                        {"branch_name", org_name(views, k.branch)},
                        {"unit", k.unit},
                        {"brand", id},
                        {"state", first_part(*status)},
                        {"title", title.empty() ? boost::json::value(nullptr) : boost::json::value(title)},
                        {"filed_points", workflows::decimal_json(settings.filed_points)},
                        {"title_bonus", workflows::decimal_json(bonus)},
                        {"points", workflows::decimal_json(settings.filed_points + bonus)}});
    return true;
  };
  auto by_index = [&](std::string_view table, const std::string& value) -> Status {
    const std::string prefix = join(value, "");
    const std::string from = filter.after.empty() ? prefix : prefix + filter.after + '\x01';
    return views.scan(table, from, [&](std::string_view key, std::string_view) {
      return key.starts_with(prefix) && row(key.substr(prefix.size()));
    });
  };
  if (!filter.branch.empty())
    BL_RETURN_IF_ERROR(by_index(kBrandsByBranch, filter.branch));
  else if (!filter.unit.empty())
    BL_RETURN_IF_ERROR(by_index(kBrandsByUnit, filter.unit));
  else
    BL_RETURN_IF_ERROR(views.scan(kBrandKeys, filter.after.empty() ? "" : filter.after + '\x01',
                                  [&](std::string_view key, std::string_view) { return row(key); }));
  BL_RETURN_IF_ERROR(bad);

  // Per unit: its filed brands' points, from its figures at the year's end.
  boost::json::array unit_rows;
  if (filter.branch.empty()) {
    BL_ASSIGN_OR_RETURN(auto units, figures_as_of(views, year_end));
    for (const auto& [unit, f] : units) {
      if (!filter.unit.empty() && unit != filter.unit) continue;
      const std::int64_t filed = f.filed();
      if (filed == 0) continue;
      Decimal points = settings.filed_points.times(filed);
      for (const auto& [title, n] : f.titles) points += bonus_of(title).times(n);
      unit_rows.push_back({{"unit", unit},
                           {"name", org_name(views, unit)},
                           {"points", workflows::decimal_json(points)},
                           {"branches", filed}});
    }
  }
  boost::json::object out{
      {"year", year}, {"branches", std::move(branches)}, {"units", std::move(unit_rows)}};
  if (filter.limit != 0) out["next"] = next ? boost::json::value(*next) : nullptr;
  return out;
}

Result<boost::json::object> audit_entry(const engine::Engine& engine, const storage::ReadTxn& txn,
                                        const storage::Event& e) {
  const ViewReader views(engine.environment(), txn);
  BL_ASSIGN_OR_RETURN(auto states, views.get(kTransitions, position_part(e.position)));
  boost::json::value from = nullptr, to = nullptr;
  if (states) {
    const std::string_view moved = *states;
    const std::size_t cut = moved.find('\0');
    if (cut == std::string_view::npos) return Status::Corruption("unreadable transition");
    if (cut != 0) from = moved.substr(0, cut);
    to = moved.substr(cut + 1);
  }
  storage::EventView view;
  view.position = e.position;
  view.type = e.type;
  view.schema_version = e.schema_version;
  view.data = e.data;
  BL_ASSIGN_OR_RETURN(boost::json::object data, engine.event_data(view));
  return boost::json::object{
      {"position", e.position},
      {"stream", e.stream},
      {"version", e.version},
      {"type", e.type},
      {"occurred_at", format_rfc3339(e.occurred_at)},
      {"actor",
       {{"id", e.actor.id}, {"name", e.actor.name}, {"role", e.actor.role}, {"org", e.actor.org}}},
      {"comment", e.comment},
      {"from_state", from},
      {"to_state", to},
      {"data", std::move(data)}};
}

Result<Page> audit(const engine::Engine& engine, const storage::ReadTxn& txn, const AuditFilter& f,
                   std::size_t limit, std::uint64_t after, Order order) {
  const ViewReader views(engine.environment(), txn);
  const bool newest_first = order == Order::kNewestFirst;
  // The positions to look at: past the cursor, and within the time bounds, which the time
  // index turns into positions (time order is position order).
  std::uint64_t lo = 1, hi = UINT64_MAX;
  if (after != 0) (newest_first ? hi : lo) = newest_first ? after - 1 : after + 1;
  Status bad;
  auto position_of = [&](std::string_view key) -> std::optional<std::uint64_t> {
    auto p = key.size() >= 8 ? storage::decode_u64be(key.substr(key.size() - 8)) : std::nullopt;
    if (!p) bad = Status::Corruption("unreadable audit key");
    return p;
  };
  if (f.from) {
    std::optional<std::uint64_t> first;
    BL_RETURN_IF_ERROR(views.scan(kAuditByTime, time_part(*f.from), [&](std::string_view key,
                                                                        std::string_view) {
      first = position_of(key);
      return false;
    }));
    BL_RETURN_IF_ERROR(bad);
    lo = std::max(lo, first.value_or(UINT64_MAX));
  }
  if (f.to) {
    std::optional<std::uint64_t> last;
    BL_RETURN_IF_ERROR(views.scan_backward(
        kAuditByTime, time_part(*f.to) + std::string(8, '\xff'),
        [&](std::string_view key, std::string_view) {
          last = position_of(key);
          return false;
        }));
    BL_RETURN_IF_ERROR(bad);
    hi = std::min(hi, last.value_or(0));
  }
  Page page;
  if (lo > hi) return page;

  // The most selective index; without one, the log itself in position order.
  std::string_view table;
  std::string key;
  if (!f.brand.empty())
    table = kAuditByStream, key = workflows::brand_stream(f.brand);
  else if (!f.round.empty())
    table = kAuditByStream, key = workflows::round_stream(f.round);
  else if (!f.actor.empty())
    table = kAuditByActor, key = f.actor;
  else if (!f.type.empty())
    table = kAuditByType, key = f.type;
  else if (!f.org.empty())
    table = kAuditByOrg, key = f.org;

  // Takes the event at `p` if every filter holds; false once the page is full.
  std::uint64_t last_taken = 0;
  auto take = [&](std::uint64_t p) -> Result<bool> {
    BL_ASSIGN_OR_RETURN(auto event, engine.log().get(txn, p));
    if (!event)
      return Status::Corruption("audit index points at missing position " + std::to_string(p));
    const auto& e = *event;
    if (!f.actor.empty() && e.actor.id != f.actor) return true;
    if (!f.type.empty() && e.type != f.type) return true;
    if (!f.brand.empty() && e.stream != workflows::brand_stream(f.brand)) return true;
    if (!f.round.empty() && e.stream != workflows::round_stream(f.round)) return true;
    if (!f.org.empty() && table != kAuditByOrg) {
      BL_ASSIGN_OR_RETURN(bool scoped, views.has_position(kAuditByOrg, f.org, p));
      if (!scoped) return true;
    }
    if (page.items.size() == limit) {  // one more matches: there is a next page
      page.next = std::to_string(last_taken);
      return false;
    }
    BL_ASSIGN_OR_RETURN(auto entry, audit_entry(engine, txn, e));
    page.items.push_back(std::move(entry));
    last_taken = p;
    return true;
  };

  Status failed;
  if (!table.empty()) {
    BL_RETURN_IF_ERROR(views.scan_positions(
        table, key, newest_first ? hi : lo,
        newest_first ? storage::Table::Direction::kDescending
                     : storage::Table::Direction::kAscending,
        [&](std::uint64_t p) {
          if (p < lo || p > hi) return false;  // past the range, in either direction
          auto more = take(p);
          if (!more.ok()) failed = more.status();
          return more.ok() && *more;
        }));
  } else {
    BL_ASSIGN_OR_RETURN(storage::LogHead head, engine.log().head(txn));
    hi = std::min(hi, head.position);
    for (std::uint64_t i = 0; lo <= hi && i <= hi - lo; ++i) {
      BL_ASSIGN_OR_RETURN(bool more, take(newest_first ? hi - i : lo + i));
      if (!more) break;
    }
  }
  BL_RETURN_IF_ERROR(bad);
  BL_RETURN_IF_ERROR(failed);
  return page;
}

}  // namespace brandledger::views
