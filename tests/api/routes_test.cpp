// Every route of the API has a row here naming the test that puts it before every role, in
// scope and out of it; a new endpoint without a row fails, and so does a row whose test
// is gone. The command endpoints' rows all point at the generated command matrix (one case
// per endpoint, every role refused first); the reads' point at the tests that check each
// role's scope on them (docs/RELIABILITY.md, "Security").
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "api/api.h"
#include "engine/engine.h"
#include "support/command_line.h"
#include "support/temp_dir.h"
#include "views/projections.h"

using namespace brandledger;
using namespace brandledger::testing;

namespace {

constexpr const char* kCommands = "authorization matrix: every role against every command endpoint";
constexpr const char* kLogReads = "the log's read paths: units and branches read their own scope without scores";
constexpr const char* kAccountReads = "who reads users and tokens: every role against the account read endpoints";
constexpr const char* kLogin = "login: a session cookie with the right attributes - the same answer for every wrong login - logout";
constexpr const char* kResults = "round results: scores for the committee, auditors and each expert its own, the rest after the notice, in scope, without scores";
constexpr const char* kReports = "reports in the caller's scope: a unit its own rows and totals, a branch its own assessment, files likewise";
constexpr const char* kBrandReads = "a brand through 培育 and 备案: create, list, read, edit, actions, history, as-of";
constexpr const char* kActions = "actions: what each caller may do now - with what it needs - and which rule says no";
constexpr const char* kLogAdmin = "the log: events, streams, audit in JSON and CSV, verify, the manual clock";
constexpr const char* kOrgs = "orgs, users and settings";
constexpr const char* kHealth = "health, metrics and authentication";
constexpr const char* kLifecycle = "the lifecycle from the state machine: states with labels - who fires each transition - and the actions offered agree with it";
constexpr const char* kRounds = "a selection round over HTTP: nominations, scores, results, notice, objections, finalize, reports";
constexpr const char* kStream = "the live event stream takes the cookie alone - as a browser's EventSource sends it";

// Route -> the api_tests case that checks it for every role it concerns.
const std::map<std::string, std::string> kCoverage = {
    {"GET /healthz", kHealth},
    {"GET /metrics", kHealth},
    {"GET /v1/me", kHealth},
    {"POST /v1/session", kLogin},
    {"GET /v1/session", kLogin},
    {"DELETE /v1/session", kLogin},
    {"POST /v1/users", kCommands},
    {"GET /v1/users", kAccountReads},
    {"GET /v1/users/{}", kAccountReads},
    {"PATCH /v1/users/{}", kCommands},
    {"PUT /v1/users/{}/password", kCommands},
    {"POST /v1/users/{}/tokens", kCommands},
    {"GET /v1/users/{}/tokens", kAccountReads},
    {"DELETE /v1/users/{}/tokens/{}", kCommands},
    {"POST /v1/brands", kCommands},
    {"GET /v1/brands", kBrandReads},
    {"GET /v1/brands/{}", kBrandReads},
    {"GET /v1/brands/{}/history", kLogReads},
    {"GET /v1/brands/{}/actions", kActions},
    {"GET /v1/lifecycle", kLifecycle},
    {"PATCH /v1/brands/{}", kCommands},
    {"POST /v1/brands/{}/objections", kCommands},
    {"POST /v1/brands/{}/objections/{}/decision", kCommands},
    {"POST /v1/brands/{}/submit", kCommands},
    {"POST /v1/brands/{}/approve", kCommands},
    {"POST /v1/brands/{}/return", kCommands},
    {"POST /v1/brands/{}/file", kCommands},
    {"POST /v1/brands/{}/withdraw", kCommands},
    {"POST /v1/brands/{}/reopen", kCommands},
    {"POST /v1/brands/{}/progress", kCommands},
    {"POST /v1/brands/{}/revoke", kCommands},
    {"POST /v1/brands/{}/rectification", kCommands},
    {"POST /v1/brands/{}/appeal", kCommands},
    {"POST /v1/brands/{}/appeal-decision", kCommands},
    {"POST /v1/brands/{}/cancel", kCommands},
    {"GET /v1/events", kLogReads},
    {"GET /v1/events/stream", kStream},
    {"GET /v1/streams/{}", kLogReads},
    {"GET /v1/audit", kLogReads},
    {"GET /v1/admin/verify", kLogAdmin},
    {"POST /v1/admin/clock", kCommands},
    {"POST /v1/orgs", kCommands},
    {"GET /v1/orgs", kOrgs},
    {"GET /v1/orgs/{}", kOrgs},
    {"POST /v1/orgs/{}/dissolve", kCommands},
    {"GET /v1/settings", kOrgs},
    {"PUT /v1/settings", kCommands},
    {"GET /v1/re-reviews/due", kReports},
    {"GET /v1/reports/coverage", kReports},
    {"GET /v1/reports/titles", kReports},
    {"GET /v1/reports/assessment", kReports},
    {"GET /v1/reports/pipeline", kReports},
    {"POST /v1/rounds", kCommands},
    {"GET /v1/rounds", kRounds},
    {"GET /v1/rounds/{}", kRounds},
    {"GET /v1/rounds/{}/results", kResults},
    {"POST /v1/rounds/{}/nominations", kCommands},
    {"POST /v1/rounds/{}/experts", kCommands},
    {"POST /v1/rounds/{}/start", kCommands},
    {"POST /v1/rounds/{}/close", kCommands},
    {"POST /v1/rounds/{}/notice", kCommands},
    {"POST /v1/rounds/{}/finalize", kCommands},
    {"POST /v1/rounds/{}/scores", kCommands},
};

}  // namespace

TEST_CASE("every route of the API has a row naming the authorization test that covers it") {
  TempDir dir;
  engine::EngineOptions options;
  options.data_dir = dir / "data";
  options.manual_clock = true;
  auto engine = engine::Engine::open(options, views::make_full_domain());
  REQUIRE(engine.ok());
  std::set<std::string> routes;
  {
    api::Api api(**engine, [](std::function<void()> work) { work(); });
    for (const std::string& r : api.route_table()) routes.insert(r);
  }
  (*engine)->stop();

  for (const std::string& r : routes) {
    INFO(r << ": a new endpoint needs a row in tests/api/routes_test.cpp and a case in the "
              "authorization matrix that covers it");
    CHECK(kCoverage.count(r) == 1);
  }
  for (const auto& [r, test] : kCoverage) {
    INFO(r << " has a row but is no route");
    CHECK(routes.count(r) == 1);
  }

  // Each row's test exists in api_tests.
  // (Catch2 exits with the number of tests it listed.)
  const Run listed = run_shell(std::string(API_TESTS_BINARY) + " --list-test-names-only");
  REQUIRE(listed.code > 0);
  for (const auto& [r, test] : kCoverage) {
    INFO(r << " names a test api_tests does not have: " << test);
    CHECK(listed.out.find(test) != std::string::npos);
  }
}
