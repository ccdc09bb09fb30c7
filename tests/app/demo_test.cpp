// The demo dataset (`serve --demo`): its history says why at every step, as API.md promises
// ("every decision with a Chinese comment"), and it holds what the README's tour shows.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "app/demo.h"
#include "tests/workflows/domain_fixture.h"
#include "views/projections.h"

using namespace brandledger;

namespace {

// The events a decision by a unit or the committee appends (API.md, Errors): approve, return,
// file, revoke, rectification, appeal-decision, cancel, objection decisions, and closing,
// publishing and finalizing rounds, with the brand events those append.
const std::set<std::string> kDecisionEvents = {
    "BrandApproved",       "BrandReturned",       "BrandFiled",           "TitleRevoked",
    "RectificationPassed", "RectificationFailed", "AppealGranted",        "AppealRejected",
    "BrandCancelled",      "ObjectionUpheld",     "ObjectionDismissed",   "RoundClosed",
    "BrandProposed",       "BrandNotSelected",    "RoundNoticePublished", "BrandNoticePublished",
    "RoundFinalized",      "BrandNamed",          "ReReviewConcluded",    "RectificationOrdered",
    "RevokedByReview"};

std::vector<storage::Event> demo_events(testing::Harness& h) {
  auto loaded = app::load_demo(h.engine(), "");
  INFO((loaded.ok() ? std::string() : loaded.status().to_string()));
  REQUIRE(loaded.ok());
  auto txn = h.engine().begin_read();
  REQUIRE(txn.ok());
  auto events = h.engine().log().read_all(*txn, 0, 1000000);
  REQUIRE(events.ok());
  return std::move(*events);
}

}  // namespace

TEST_CASE(
    "every decision in the demo carries a comment saying why, and so does every step of "
    "a brand or round") {
  testing::Harness h(false, views::make_full_domain());
  const auto events = demo_events(h);
  std::map<std::string, int> decisions;
  std::map<std::string, std::set<std::string>> comments;  // by event type
  for (const auto& e : events) {
    if (e.actor.role == "system") continue;  // timers decide nothing of their own
    INFO("position " << e.position << ": " << e.type << " on " << e.stream << " by " << e.actor.id);
    const bool decision = kDecisionEvents.count(e.type) > 0;
    const bool brand_or_round = e.stream.starts_with("brand-") || e.stream.starts_with("round-");
    if (decision || brand_or_round || e.stream == workflows::kSettingsStream)
      CHECK_FALSE(workflows::is_blank(e.comment));
    if (decision) ++decisions[e.type];
    comments[e.type].insert(e.comment);
  }
  // Every kind of decision the demo makes is there, and their comments are not one text.
  for (const char* type : {"BrandApproved", "BrandReturned", "BrandFiled", "TitleRevoked",
                           "BrandCancelled", "ObjectionUpheld", "ObjectionDismissed", "RoundClosed",
                           "RoundNoticePublished", "RoundFinalized"}) {
    INFO(type);
    CHECK(decisions[type] > 0);
  }
  CHECK(comments["BrandApproved"].size() >= 20);  // they speak of each brand
  CHECK(comments["BrandFiled"].size() >= 20);
  CHECK(comments["ScoreRecorded"].size() >= 10);
}

TEST_CASE("the demo holds what the README's tour shows: a revocation, a brand to file") {
  testing::Harness h(false, views::make_full_domain());
  const auto events = demo_events(h);
  std::size_t revoked = 0;
  for (const auto& e : events)
    if (e.type == "TitleRevoked") {
      ++revoked;
      CHECK_THAT(e.comment, Catch::Contains("一票否决"));
    }
  CHECK(revoked >= 1);
  // The tour files court's brand, which its unit approved.
  CHECK(h.brand("court").status() == workflows::BrandStatus::kUnitApproved);
}
