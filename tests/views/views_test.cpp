#include <boost/json.hpp>

#include <algorithm>

#include "engine/json_text.h"
#include "tests/workflows/domain_fixture.h"
#include "views/projections.h"
#include "views/queries.h"
#include "views/render.h"

using namespace brandledger;
using namespace brandledger::workflows;
using brandledger::testing::Harness;

namespace {

struct ViewHarness : Harness {
  ViewHarness() : Harness(true, views::make_full_domain()) {}

  template <class F>
  auto read(F f) {
    auto txn = engine().begin_read();
    REQUIRE(txn.ok());
    engine::ViewReader v(engine().environment(), *txn);
    auto r = f(v, *txn);
    INFO(r.status().to_string());
    REQUIRE(r.ok());
    return std::move(r).value();
  }

  boost::json::object doc(const std::string& id) {
    auto d = read([&](auto& v, auto&) { return views::get_brand(v, id); });
    REQUIRE(d.has_value());
    return *d;
  }

  std::vector<std::string> ids(const views::BrandFilter& f, std::size_t limit = 100,
                               std::string after = "") {
    auto page = read([&](auto& v, auto&) { return views::list_brands(v, f, limit, after); });
    std::vector<std::string> out;
    for (const auto& item : page.items) out.emplace_back(item.as_object().at("id").as_string());
    return out;
  }

  void named(const std::string& branch, const std::string& id, double total) {
    filed_brand(branch, id);
    const char* units[] = {"u1", "u2", "u3"};
    if (experts.empty())
      for (int i = 0; i < 6; ++i)
        experts.push_back(add_expert("e" + std::to_string(i + 1), units[i % 3]));
    const std::string round = "r-" + id;
    ok(committee, "round.open", round_stream(round), {{"name", "评选"}, {"year", 2031}});
    ok(committee, "round.nominate", round_stream(round), {{"brand", id}});
    boost::json::array list;
    for (const auto& e : experts) list.push_back(boost::json::string(e.id));
    ok(committee, "round.assign", round_stream(round), {{"experts", list}});
    ok(committee, "round.start", round_stream(round));
    for (const auto& e : experts)
      if (e.org != brand(id).unit)
        ok(e, "round.score", round_stream(round), {{"brand", id}, {"scores", points(total)}});
    ok(committee, "round.close", round_stream(round));
    ok(committee, "round.notice", round_stream(round));
    advance_days(5);
    ok(committee, "round.finalize", round_stream(round));
  }
  std::vector<engine::Actor> experts;
};

}  // namespace

TEST_CASE("the brand view is the aggregate rendered in API.md's shape") {
  ViewHarness h;
  h.filed_brand("b1", "x");
  auto d = h.doc("x");
  CHECK(d.at("state") == "filed");
  CHECK(d.at("state_label") == "已备案");
  CHECK(d.at("filing_no") == "备-2031-0001");
  CHECK(d.at("name") == "红蓝融 税先锋");
  CHECK(d.at("branch_name") == "b1 党支部");
  CHECK(d.at("unit") == "u1");
  CHECK(d.at("title").is_null());
  CHECK(d.at("version") == 4);
  CHECK(d.at("plan").at("tasks").as_array().size() == 2);
  for (const char* field :
       {"id", "branch", "org_type", "title_label", "filed_at", "named_at", "valid_until",
        "re_review_due", "reapply_after", "slogan", "theme", "connotation", "features", "effects",
        "business_link", "created_at", "updated_at"})
    CHECK(d.contains(field));
  auto txn = h.engine().begin_read();
  auto replayed = h.engine().replay(*txn, brand_stream("x"));
  CHECK(boost::json::serialize(views::render_brand(
            *replayed->as<BrandState>(), replayed->version)) == boost::json::serialize(d));
}

TEST_CASE("brand lists filter by state, unit, branch, title and name, and page by cursor") {
  ViewHarness h;
  h.filed_brand("b1", "a");
  h.create_brand("b2", "b", "萱姐姐");
  h.filed_brand("b3", "c");
  h.create_brand("b4", "d", "三元融合铸金盾");
  h.named("b5", "e", 91);
  CHECK(h.ids({.state = "filed"}) == std::vector<std::string>{"a", "c"});
  CHECK(h.ids({.state = "cultivating"}) == std::vector<std::string>{"b", "d"});
  CHECK(h.ids({.unit = "u1"}) == std::vector<std::string>{"a", "b"});
  CHECK(h.ids({.branch = "b4"}) == std::vector<std::string>{"d"});
  CHECK(h.ids({.title = "top10"}) == std::vector<std::string>{"e"});
  CHECK(h.ids({.q = "金盾"}) == std::vector<std::string>{"d"});
  CHECK(h.ids({.state = "filed", .unit = "u2"}) == std::vector<std::string>{"c"});
  CHECK(h.ids({}, 2) == std::vector<std::string>{"a", "b"});
  auto page = h.read([&](auto& v, auto&) { return views::list_brands(v, {}, 2, ""); });
  REQUIRE(page.next);
  CHECK(h.ids({}, 2, *page.next) == std::vector<std::string>{"c", "d"});
  CHECK(h.ids({}, 2, "d") == std::vector<std::string>{"e"});
  // Moving state moves the index entries.
  h.ok(h.committee, "brand.cancel", brand_stream("a"), {{"reason", "合并"}});
  CHECK(h.ids({.state = "filed"}) == std::vector<std::string>{"c"});
  CHECK(h.ids({.state = "cancelled"}) == std::vector<std::string>{"a"});
}

TEST_CASE("re-reviews fall due at valid_until, for named brands") {
  ViewHarness h;
  h.named("b1", "x", 91);
  const auto due = h.brand("x").valid_until;
  auto before =
      h.read([&](auto& v, auto&) { return views::re_reviews_due(v, add_days(*due, -1)); });
  CHECK(before.empty());
  auto at = h.read([&](auto& v, auto&) { return views::re_reviews_due(v, *due); });
  REQUIRE(at.size() == 1);
  CHECK(at[0].at("id") == "x");
  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", "违纪"}});
  CHECK(h.read([&](auto& v, auto&) {
           return views::re_reviews_due(v, add_years(*due, 10));
         }).empty());
}

TEST_CASE("coverage counts branches with a filed brand, as of any day") {
  ViewHarness h;
  const Timestamp before_filing = h.engine().now();
  h.advance_days(1);
  h.filed_brand("b1", "a");
  h.create_brand("b2", "b");
  h.advance_days(1);
  const Timestamp after_filing = h.engine().now();
  h.advance_days(1);
  h.ok(h.admin, "org.dissolve", "org-b1", {{"reason", "合并"}});
  auto then = h.read([&](auto& v, auto&) { return views::coverage(v, before_filing); });
  CHECK(then.at("total").at("branches") == 6);
  CHECK(then.at("total").at("filed") == 0);
  auto mid = h.read([&](auto& v, auto&) { return views::coverage(v, after_filing); });
  CHECK(mid.at("total").at("filed") == 1);
  CHECK(mid.at("units").as_array()[0].at("unit") == "u1");
  CHECK(mid.at("units").as_array()[0].at("coverage").as_double() == Approx(0.5));
  CHECK(mid.at("units").as_array()[0].at("name") == "市政府办公室");
  auto now = h.read([&](auto& v, auto&) { return views::coverage(v, h.engine().now()); });
  CHECK(now.at("total").at("branches") == 5);
  CHECK(now.at("total").at("filed") == 0);
}

TEST_CASE("titles are counted per year by title and org type, and the pipeline by state per unit") {
  ViewHarness h;
  h.named("b1", "a", 91);  // b1: 党委 (see the harness's org types)
  h.named("b2", "b", 86);
  auto report = h.read([&](auto& v, auto&) { return views::titles_report(v, 2031); });
  CHECK(report.at("by_title").at("top10") == 1);
  CHECK(report.at("by_title").at("demonstration") == 1);
  CHECK(report.at("total") == 2);
  CHECK(report.at("nominations") == 2);
  const auto by_type = report.at("by_org_type").as_object();
  CHECK(by_type.at("党委").to_number<int>() + by_type.at("党总支").to_number<int>() +
            by_type.at("党支部").to_number<int>() ==
        2);
  CHECK(h.read([&](auto& v, auto&) { return views::titles_report(v, 2030); }).at("total") == 0);
  h.create_brand("b3", "c");
  auto p = h.read([&](auto& v, auto&) { return views::pipeline(v); });
  CHECK(p.at("total").at("named") == 2);
  CHECK(p.at("total").at("cultivating") == 1);
}

TEST_CASE(
    "assessment gives filed points and title bonuses per branch and unit, from the settings") {
  ViewHarness h;
  h.named("b1", "a", 91);
  h.filed_brand("b3", "b");
  h.ok(h.committee, "settings.put", "settings",
       {{"assessment", {{"filed_points", 3.1}, {"title_bonus", {{"top10", 0.2}}}}}});
  auto r = h.read([&](auto&, auto& txn) { return views::assessment(h.engine(), txn, 2031); });
  const auto& branches = r.at("branches").as_array();
  REQUIRE(branches.size() == 2);
  CHECK(branches[0].at("brand") == "a");
  // Exact decimals: 3.1 + 0.2 is 3.3 (in binary floating point, 3.3000000000000003).
  CHECK(engine::to_text(branches[0].at("points")) == "3.3");
  CHECK(engine::to_text(branches[1].at("points")) == "3.1");
  CHECK(engine::to_text(r.at("units").as_array()[0].at("points")) == "3.3");
  CHECK(r.at("units").as_array().size() == 2);
  CHECK(h.read([&](auto&, auto& txn) { return views::assessment(h.engine(), txn, 2030); })
            .at("branches")
            .as_array()
            .empty());
}

TEST_CASE("the audit trail answers who did what, with the states moved between") {
  ViewHarness h;
  h.filed_brand("b1", "x");
  auto history = h.read([&](auto&, auto& txn) {
    views::AuditFilter f;
    f.brand = "x";
    return views::audit(h.engine(), txn, f, 100, 0);
  });
  REQUIRE(history.items.size() == 4);
  const auto& approve = history.items[2].as_object();
  CHECK(approve.at("type") == "BrandApproved");
  CHECK(approve.at("actor").at("role") == "unit");
  CHECK(approve.at("from_state") == "submitted");
  CHECK(approve.at("to_state") == "unit_approved");
  CHECK(history.items[0].at("from_state").is_null());

  auto by_actor = h.read([&](auto&, auto& txn) {
    views::AuditFilter f;
    f.actor = "c1";
    return views::audit(h.engine(), txn, f, 100, 0);
  });
  REQUIRE(by_actor.items.size() == 1);
  CHECK(by_actor.items[0].at("type") == "BrandFiled");

  h.create_brand("b3", "y");  // unit u2
  auto unit_scope = h.read([&](auto&, auto& txn) {
    views::AuditFilter f;
    f.org = "u2";
    return views::audit(h.engine(), txn, f, 100, 0);
  });
  for (const auto& e : unit_scope.items) CHECK(e.at("stream") != "brand-x");
  auto paged = h.read([&](auto&, auto& txn) {
    views::AuditFilter f;
    f.type = "BrandCreated";
    return views::audit(h.engine(), txn, f, 1, 0);
  });
  REQUIRE(paged.next);
  CHECK(paged.items.size() == 1);
}

TEST_CASE("audit pages run in index order newest or oldest first and time bounds are positions") {
  ViewHarness h;
  h.filed_brand("b1", "x");
  h.advance_days(10);
  h.filed_brand("b3", "y");
  h.advance_days(10);
  h.filed_brand("b5", "z");
  auto positions = [](const views::Page& page) {
    std::vector<std::uint64_t> out;
    for (const auto& e : page.items) out.push_back(e.at("position").to_number<std::uint64_t>());
    return out;
  };
  auto read = [&](views::AuditFilter f, std::size_t limit, std::uint64_t after, views::Order o) {
    return h.read([&](auto&, auto& txn) { return views::audit(h.engine(), txn, f, limit, after, o); });
  };
  // Every page of every size, in both orders, covers the whole filter once, in order.
  for (const std::string brand : {"", "y"}) {
    views::AuditFilter f;
    f.brand = brand;
    const auto all = positions(read(f, 100000, 0, views::Order::kNewestFirst));
    REQUIRE(all.size() >= 4);
    CHECK(std::is_sorted(all.rbegin(), all.rend()));
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
    for (std::size_t limit : {std::size_t{1}, std::size_t{3}, std::size_t{7}})
      for (auto order : {views::Order::kNewestFirst, views::Order::kOldestFirst}) {
        std::vector<std::uint64_t> paged;
        std::uint64_t after = 0;
        for (int guard = 0; guard < 1000; ++guard) {
          auto page = read(f, limit, after, order);
          CHECK(page.items.size() <= limit);
          for (auto p : positions(page)) paged.push_back(p);
          if (!page.next) break;
          after = std::stoull(*page.next);
        }
        if (order == views::Order::kOldestFirst) std::reverse(paged.begin(), paged.end());
        INFO("brand " << brand << " limit " << limit);
        CHECK(paged == all);
      }
  }
  // from/to: the middle brand's ten days only, whatever the filter.
  views::AuditFilter middle;
  middle.from = add_days(*parse_rfc3339("2031-03-01T08:00:00Z"), 5);
  middle.to = add_days(*parse_rfc3339("2031-03-01T08:00:00Z"), 15);
  auto in_range = read(middle, 1000, 0, views::Order::kNewestFirst);
  REQUIRE_FALSE(in_range.items.empty());
  for (const auto& e : in_range.items) CHECK(e.at("stream") == "brand-y");
  middle.type = "BrandFiled";
  auto filed = read(middle, 1000, 0, views::Order::kOldestFirst);
  REQUIRE(filed.items.size() == 1);
  CHECK(filed.items[0].at("stream") == "brand-y");
}
