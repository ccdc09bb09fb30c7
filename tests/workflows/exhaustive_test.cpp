// Every brand state × every brand command: either the machine allows the move (and the
// command is accepted, or refused by a rule, role or scope, never as illegal), or it is
// refused with illegal_transition and the log does not move.
#include <deque>
#include <map>

#include "tests/workflows/domain_fixture.h"
#include "tests/workflows/lifecycle_paths.h"
#include "workflows/json_fields.h"

using namespace brandledger;
using namespace brandledger::workflows;
using brandledger::testing::Harness;

namespace {

// The event a trigger stands for, with just enough data for the aggregate and views.
boost::json::object event_for(BrandTrigger t, const std::string& brand, Timestamp now) {
  const std::string stream = brand_stream(brand);
  auto e = [&](std::string type, boost::json::object data = {}) {
    return boost::json::object{
        {"stream", stream}, {"type", std::move(type)}, {"data", std::move(data)}};
  };
  const boost::json::value valid = time_json(add_years(now, 3));
  switch (t) {
    case BrandTrigger::kCreate:
      return e("BrandCreated", {{"id", brand},
                                {"name", "天地人和·亮赛比"},
                                {"branch", "b1"},
                                {"branch_name", "b1"},
                                {"unit", "u1"},
                                {"org_type", "党支部"},
                                {"theme", "t"},
                                {"connotation", "c"},
                                {"features", "f"},
                                {"effects", "e"}});
    case BrandTrigger::kEdit: return e("BrandEdited", {{"slogan", "s"}});
    case BrandTrigger::kSubmit: return e("BrandSubmitted");
    case BrandTrigger::kWithdraw: return e("BrandWithdrawn", {{"branch", "b1"}});
    case BrandTrigger::kReopen: return e("BrandReopened", {{"branch", "b1"}});
    case BrandTrigger::kApprove: return e("BrandApproved");
    case BrandTrigger::kReturn: return e("BrandReturned", {{"reason", "r"}});
    case BrandTrigger::kFile:
      return e("BrandFiled", {{"filing_no", "备-2031-9999"}, {"year", 2031}});
    case BrandTrigger::kReportProgress:
      return e("ProgressReported", {{"year", 2031}, {"summary", "s"}});
    case BrandTrigger::kNominate: return e("BrandNominated", {{"round", "seeded"}});
    case BrandTrigger::kStartReview: return e("ReviewStarted", {{"round", "seeded"}});
    case BrandTrigger::kPropose:
      return e("BrandProposed", {{"round", "seeded"}, {"title", "top10"}});
    case BrandTrigger::kNotSelected: return e("BrandNotSelected", {{"round", "seeded"}});
    case BrandTrigger::kPublishNotice: return e("BrandNoticePublished", {{"round", "seeded"}});
    case BrandTrigger::kRaiseObjection:
      return e("ObjectionRaised", {{"objection", "obj-1"}, {"reason", "r"}});
    case BrandTrigger::kUpholdObjection: return e("ObjectionUpheld", {{"objection", "obj-1"}});
    case BrandTrigger::kDismissObjection: return e("ObjectionDismissed", {{"objection", "obj-1"}});
    case BrandTrigger::kName:
      return e("BrandNamed", {{"title", "demonstration"}, {"valid_until", valid}});
    case BrandTrigger::kStartReReview: return e("ReReviewStarted", {{"round", "seeded"}});
    case BrandTrigger::kKeepTitle:
      return e("ReReviewConcluded", {{"outcome", "retained"}, {"title", "demonstration"}});
    case BrandTrigger::kRectify: return e("RectificationOrdered", {{"deadline", valid}});
    case BrandTrigger::kRevokeByReview: return e("RevokedByReview");
    case BrandTrigger::kPassRectification: return e("RectificationPassed");
    case BrandTrigger::kFailRectification: return e("RectificationFailed");
    case BrandTrigger::kMissRectificationDeadline: return e("RectificationDeadlineMissed");
    case BrandTrigger::kRevoke: return e("TitleRevoked", {{"reason", "r"}});
    case BrandTrigger::kAppeal: return e("AppealFiled", {{"reason", "r"}});
    case BrandTrigger::kGrantAppealToNamed:
      return e("AppealGranted", {{"to", "named"}, {"title", "excellent"}});
    case BrandTrigger::kGrantAppealToRectifying: return e("AppealGranted", {{"to", "rectifying"}});
    case BrandTrigger::kRejectAppealToNamed: return e("AppealRejected", {{"to", "named"}});
    case BrandTrigger::kRejectAppealToFiled: return e("AppealRejected", {{"to", "filed"}});
    case BrandTrigger::kExpire: return e("TitleExpired");
    case BrandTrigger::kCancel: return e("BrandCancelled", {{"branch", "b1"}});
  }
  return {};
}

struct CommandCase {
  std::string type;
  BrandTrigger trigger;
  engine::Actor actor;
  boost::json::object args;
  bool on_round = false;  // issued on the open round, naming the brand
};

}  // namespace

TEST_CASE(
    "every brand state times every command: allowed by the machine, or illegal_transition and "
    "nothing appended") {
  Harness h;
  h.ok(h.committee, "round.open", round_stream("open"), {{"name", "评选"}, {"year", 2031}});
  const std::vector<CommandCase> commands = {
      {"brand.edit", BrandTrigger::kEdit, h.branch("b1"), {{"slogan", "新口号"}}},
      {"brand.submit", BrandTrigger::kSubmit, h.branch("b1"), {}},
      {"brand.withdraw", BrandTrigger::kWithdraw, h.branch("b1"), {}},
      {"brand.reopen", BrandTrigger::kReopen, h.branch("b1"), {}},
      {"brand.approve", BrandTrigger::kApprove, h.unit("u1"), {}},
      {"brand.return", BrandTrigger::kReturn, h.committee, {{"reason", "r"}}},
      {"brand.file", BrandTrigger::kFile, h.committee, {}},
      {"brand.progress",
       BrandTrigger::kReportProgress,
       h.branch("b1"),
       {{"year", 2031}, {"summary", "s"}}},
      {"brand.revoke", BrandTrigger::kRevoke, h.committee, {{"reason", "r"}}},
      {"brand.rectification", BrandTrigger::kPassRectification, h.committee, {{"passed", true}}},
      {"brand.rectification_deadline", BrandTrigger::kMissRectificationDeadline, h.system(), {}},
      {"brand.expire", BrandTrigger::kExpire, h.system(), {}},
      {"brand.appeal", BrandTrigger::kAppeal, h.branch("b1"), {{"reason", "r"}}},
      {"brand.appeal_decision",
       BrandTrigger::kGrantAppealToNamed,
       h.committee,
       {{"granted", true}}},
      {"brand.cancel", BrandTrigger::kCancel, h.committee, {{"reason", "r"}}},
      {"brand.objection", BrandTrigger::kRaiseObjection, h.unit("u1"), {{"reason", "r"}}},
      {"brand.objection_decision",
       BrandTrigger::kUpholdObjection,
       h.committee,
       {{"objection", "obj-1"}, {"upheld", true}}},
      {"round.nominate", BrandTrigger::kNominate, h.committee, {}, true},
  };

  int brands = 0, allowed = 0, illegal = 0;
  for (const auto& [status, path] : testing::shortest_paths()) {
    if (status == BrandStatus::kNone) continue;
    for (const CommandCase& command : commands) {
      const std::string id = "m" + std::to_string(++brands);
      boost::json::array events;
      for (BrandTrigger t : path) events.push_back(event_for(t, id, h.engine().now()));
      h.ok(h.admin, "test.seed", brand_stream(id), {{"events", events}});
      REQUIRE(h.brand(id).status() == status);

      boost::json::object args = command.args;
      std::string stream = brand_stream(id);
      if (command.on_round) {
        args["brand"] = id;
        stream = round_stream("open");
      }
      // A timer's command records that the timer fired, whatever it decides.
      const auto before = h.head() + (command.actor.role == "system" ? 1 : 0);
      auto outcome = h.run(command.actor, command.type, stream, args);
      INFO(status_code(status) << " × " << command.type << " → "
                               << (outcome.rejection
                                       ? outcome.rejection->code + ": " + outcome.rejection->detail
                                       : std::string("accepted")));
      REQUIRE(outcome.error.ok());
      if (brand_target(status, command.trigger)) {
        ++allowed;
        CHECK_FALSE((outcome.rejection && outcome.rejection->code == "illegal_transition"));
        CHECK((h.head() > before) == outcome.accepted());
      } else {
        ++illegal;
        REQUIRE(outcome.rejection);
        CHECK(outcome.rejection->code == "illegal_transition");
        CHECK(outcome.rejection->kind == engine::RejectionKind::kIllegalTransition);
        CHECK(h.head() == before);
        CHECK(h.brand(id).status() == status);
      }
    }
  }
  CHECK(brands == 15 * 18);
  CHECK(allowed > 30);
  CHECK(illegal > 200);
}
