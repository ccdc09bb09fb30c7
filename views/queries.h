// Reading the views: what the API answers with. Each takes the caller's read transaction
// (through engine::ViewReader) so one answer sees one snapshot.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "engine/engine.h"

namespace brandledger::views {

struct Page {
  boost::json::array items;
  std::optional<std::string> next;  // cursor for the next page
};

struct BrandFilter {
  std::string state{}, unit{}, branch{}, title{}, q{};  // empty: any
  // q: a part of the brand's or its branch's name, Latin letters in either case
};

// A brand's document as stored (JSON text, the answers' form) with the orgs that scope it:
// a read can be authorised and answered without parsing the document.
struct StoredBrand {
  std::string json;
  std::string unit, branch;
};
Result<std::optional<StoredBrand>> get_stored_brand(const engine::ViewReader& views,
                                                    std::string_view id);
Result<std::optional<boost::json::object>> get_brand(const engine::ViewReader& views,
                                                     std::string_view id);
Result<std::optional<boost::json::object>> get_round(const engine::ViewReader& views,
                                                     std::string_view id);
Result<std::optional<boost::json::object>> get_org(const engine::ViewReader& views,
                                                   std::string_view id);
Result<std::optional<boost::json::object>> get_user(const engine::ViewReader& views,
                                                    std::string_view id);

// Ordered by brand id; `after` is the last id of the previous page.
Result<Page> list_brands(const engine::ViewReader& views, const BrandFilter& filter,
                         std::size_t limit, const std::string& after);
Result<boost::json::array> list_table(const engine::ViewReader& views, std::string_view table);

// Named brands whose re-review is due (valid_until) at or before `before`.
Result<boost::json::array> re_reviews_due(const engine::ViewReader& views, Timestamp before);

// 一支部一品牌 coverage per unit as it stood at `as_of`.
Result<boost::json::object> coverage(const engine::ViewReader& views, Timestamp as_of);
// Titles given in `year`, by title and by org type, and the year's nominations.
Result<boost::json::object> titles_report(const engine::ViewReader& views, int year);
// Brands by state, per unit.
Result<boost::json::object> pipeline(const engine::ViewReader& views);
// The same as it stood at `as_of`, from each unit's figures then (unit_figures).
Result<boost::json::object> pipeline_as_of(const engine::ViewReader& views, Timestamp as_of);

// Which rows of the assessment, and how many.
struct AssessmentFilter {
  std::string unit{}, branch{};  // empty: every unit's, every branch's
  std::size_t limit = 0;         // rows per page; 0: all of them (files)
  std::string after{};           // the last brand id of the previous page
};
// 党建考核 points for `year`: every filed branch's brand as it stood at the year's end
// (brand_status_log), in brand id order and paged when `limit` is set ("next": the cursor),
// and each unit's sum (unit_figures; none when a branch is asked for). A page costs a
// seek per row and one per unit, never a replay.
Result<boost::json::object> assessment(const engine::Engine& engine, const storage::ReadTxn& txn,
                                       int year, const AssessmentFilter& filter = {});

struct AuditFilter {
  std::string actor{}, brand{}, round{}, type{}, org{};
  std::optional<Timestamp> from, to;
};
// Entries in position order (which is also business-time order: occurred_at never runs
// backwards through the log), oldest or newest first, paged by the position of the last
// entry of the page before (`after`: 0 for the first page). Reads the most selective index
// in that order and stops at `limit`: a page costs what it shows, not the log's size.
enum class Order { kOldestFirst, kNewestFirst };
Result<Page> audit(const engine::Engine& engine, const storage::ReadTxn& txn,
                   const AuditFilter& filter, std::size_t limit, std::uint64_t after,
                   Order order = Order::kOldestFirst);

// API.md's audit/history entry for one event.
Result<boost::json::object> audit_entry(const engine::Engine& engine, const storage::ReadTxn& txn,
                                        const storage::Event& event);

}  // namespace brandledger::views
