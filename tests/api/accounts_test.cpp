// Accounts over a real socket against a real server process: password logins and browser
// sessions, CSRF, throttling, API tokens, user administration, recovery from the command
// line, and that no secret reaches an answer, the server's log or an export.
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "core/sha256.h"
#include "tests/api/world.h"
#include "support/command_line.h"

using namespace brandledger;
using namespace brandledger::testing;
using boost::json::object;

namespace {

// Every answer a test got, for the search for secrets at its end.
struct Transcript {
  std::string text;
  void add(const HttpResult& r) {
    text += std::to_string(r.status) + "\n";
    for (const auto& [k, v] : r.headers) text += k + ": " + v + "\n";
    text += r.body + "\n";
  }
};

// A browser: the session cookie it keeps and the CSRF token the page holds.
struct Browser {
  unsigned short port = 0;
  std::string cookie;  // bl_session's value
  std::string csrf;
  Transcript* transcript = nullptr;

  std::string host() const { return "127.0.0.1:" + std::to_string(port); }
  std::string origin() const { return "http://" + host(); }

  // As a browser page sends it: the cookie, Origin on changes, and the CSRF header when
  // `with_csrf`.
  HttpResult call(const std::string& method, const std::string& target,
                  const std::string& body = "", bool with_csrf = true, Headers extra = {}) const {
    Headers h = {{"Host", host()}, {"Cookie", "theme=dark; bl_session=" + cookie}};
    if (method != "GET") {
      h.emplace_back("Origin", origin());
      if (with_csrf) h.emplace_back("X-CSRF-Token", csrf);
    }
    for (auto& e : extra) h.push_back(std::move(e));
    HttpResult r = http(port, method, target, body, h);
    if (transcript != nullptr) transcript->add(r);
    return r;
  }
  HttpResult get(const std::string& target) const { return call("GET", target); }
};

HttpResult login_request(unsigned short port, const std::string& user, const std::string& password,
                         Transcript* t = nullptr, Headers extra = {}) {
  extra.emplace_back("Host", "127.0.0.1:" + std::to_string(port));
  HttpResult r = http(port, "POST", "/v1/session",
                      boost::json::serialize(object{{"user", user}, {"password", password}}),
                      extra);
  if (t != nullptr) t->add(r);
  return r;
}

std::string cookie_value(const std::string& set_cookie) {
  const auto start = set_cookie.find('=') + 1;
  return set_cookie.substr(start, set_cookie.find(';') - start);
}

Browser login(World& w, const std::string& user, const std::string& password,
              Transcript* t = nullptr) {
  HttpResult r = login_request(w.port(), user, password, t);
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 200);
  Browser b{w.port(), cookie_value(r.headers.at("set-cookie")),
            std::string(r.json().at("csrf").as_string()), t};
  return b;
}

void set_password(World& w, const std::string& user, const std::string& password) {
  World::obj(w.as("admin").put("/v1/users/" + user + "/password", {{"password", password}}));
}

// Moves the manual clock by `seconds` from where the test put it.
void advance_seconds(World& w, long seconds) {
  w.clock(format_rfc3339(w.now_ + std::chrono::seconds(seconds)));
}

const std::string kPassword = "红旗渠-2031-password";

}  // namespace

TEST_CASE("login: a session cookie with the right attributes - the same answer for every wrong "
          "login - logout") {
  World w;
  set_password(w, "b1", kPassword);

  HttpResult ok = login_request(w.port(), "b1", kPassword);
  REQUIRE(ok.status == 200);
  const std::string set_cookie = ok.headers.at("set-cookie");
  CHECK(set_cookie.starts_with("bl_session="));
  CHECK(cookie_value(set_cookie).size() == 64);
  for (const char* attribute : {"; HttpOnly", "; SameSite=Strict", "; Path=/"})
    CHECK_THAT(set_cookie, Catch::Contains(attribute));
  CHECK_THAT(set_cookie, !Catch::Contains("Secure"));  // plain HTTP here
  CHECK(ok.headers.at("cache-control") == "no-store");
  const auto user = ok.json().at("user").as_object();
  CHECK(user.at("id") == "b1");
  CHECK(user.at("role") == "branch");
  CHECK(user.at("org_name") == "b1 党支部");
  CHECK(ok.json().at("csrf").as_string().size() == 64);

  // A wrong password, an unknown user, a disabled one: one answer, word for word.
  HttpResult wrong = login_request(w.port(), "b1", "not-the-password");
  HttpResult unknown = login_request(w.port(), "nobody-here", "not-the-password");
  CHECK(wrong.status == 401);
  CHECK(wrong.code() == "invalid_credentials");
  CHECK(unknown.status == wrong.status);
  CHECK(unknown.body == wrong.body);
  CHECK(unknown.headers.count("set-cookie") == 0);
  HttpResult no_password = login_request(w.port(), "b2", "whatever-it-is");  // never set
  CHECK(no_password.body == wrong.body);
  CHECK(World::expect(http(w.port(), "POST", "/v1/session", "{\"user\":\"b1\"}"), 400)
            .at("field") == "password");

  Browser b{w.port(), cookie_value(set_cookie), std::string(ok.json().at("csrf").as_string())};
  CHECK(World::obj(b.get("/v1/me")).at("id") == "b1");
  auto session = World::obj(b.get("/v1/session"));
  CHECK(text(session.at("csrf")) == b.csrf);
  CHECK(session.at("user").at("id") == "b1");
  // The login log: who, from where.
  auto audit = World::obj(w.as("auditor").get("/v1/audit?type=SessionStarted"));
  REQUIRE(audit.at("items").as_array().size() == 1);
  const auto entry = audit.at("items").as_array()[0].as_object();
  CHECK(entry.at("actor").at("id") == "b1");
  CHECK(entry.at("data").at("address") == "127.0.0.1");
  // A token's caller has no session to show or end.
  CHECK(World::expect(w.as("b1").get("/v1/session"), 401).at("code") == "unauthorized");

  HttpResult out = b.call("DELETE", "/v1/session");
  CHECK(out.status == 204);
  CHECK_THAT(out.headers.at("set-cookie"), Catch::Contains("Max-Age=0"));
  HttpResult after = b.get("/v1/me");
  CHECK(after.status == 401);
  CHECK(after.headers.count("www-authenticate") == 1);
  auto ended = World::obj(w.as("auditor").get("/v1/audit?type=SessionEnded"));
  CHECK(ended.at("items").as_array()[0].at("data").at("reason") == "logout");
}

TEST_CASE("sessions end after 8 hours idle and 7 days in all - on the manual clock") {
  World w;
  w.advance(0);
  set_password(w, "committee", kPassword);

  Browser idle = login(w, "committee", kPassword);
  advance_seconds(w, 7 * 3600);
  CHECK(idle.get("/v1/me").status == 200);  // seen: the idle time starts again
  advance_seconds(w, 7 * 3600);
  CHECK(idle.get("/v1/me").status == 200);
  advance_seconds(w, 8 * 3600 + 1);
  CHECK(idle.get("/v1/me").status == 401);

  Browser busy = login(w, "committee", kPassword);
  for (int hours = 7; hours < 7 * 24; hours += 7) {
    advance_seconds(w, 7 * 3600);
    REQUIRE(busy.get("/v1/me").status == 200);
  }
  advance_seconds(w, 7 * 3600);  // past 7 days since the login, though busy all along
  CHECK(busy.get("/v1/me").status == 401);
  CHECK(login_request(w.port(), "committee", kPassword).status == 200);
}

TEST_CASE("CSRF: a cookie request that changes anything needs the session's token and our "
          "Origin") {
  World w;
  set_password(w, "committee", kPassword);
  Browser b = login(w, "committee", kPassword);
  const std::string org = R"({"id":"x1","name":"新单位","kind":"unit","parent":"wc"})";
  const auto before = w.events();

  HttpResult missing = b.call("POST", "/v1/orgs", org, false);
  CHECK(missing.status == 403);
  CHECK(missing.code() == "csrf");
  HttpResult wrong = b.call("POST", "/v1/orgs", org, false, {{"X-CSRF-Token", std::string(64, '0')}});
  CHECK(wrong.code() == "csrf");
  // The token, but from another site's page.
  HttpResult foreign = http(w.port(), "POST", "/v1/brands/x/submit", "{}",
                            {{"Host", b.host()},
                             {"Cookie", "bl_session=" + b.cookie},
                             {"Origin", "http://evil.example"},
                             {"X-CSRF-Token", b.csrf}});
  CHECK(foreign.status == 403);
  CHECK(foreign.code() == "csrf");
  // Logging a browser in from another site is refused too.
  CHECK(login_request(w.port(), "committee", kPassword, nullptr,
                      {{"Origin", "http://evil.example"}})
            .code() == "csrf");
  CHECK(w.events() == before);  // nothing appended

  // Reads need no token; a bearer request needs neither token nor Origin.
  CHECK(b.call("GET", "/v1/orgs", "", false).status == 200);
  HttpResult right = b.call("POST", "/v1/orgs/b6/dissolve", R"({"reason":"撤并"})");
  CHECK(right.status == 200);
}

TEST_CASE("throttling: 5 failed logins per user id - 20 per address - then 429 with Retry-After") {
  World w;
  set_password(w, "b1", kPassword);
  for (int i = 0; i < 5; ++i) REQUIRE(login_request(w.port(), "b1", "wrong-password").status == 401);
  // Locked for the window, even with the right password: it is not even checked.
  HttpResult locked = login_request(w.port(), "b1", kPassword);
  CHECK(locked.status == 429);
  CHECK(locked.code() == "too_many_attempts");
  const int retry = std::stoi(locked.headers.at("retry-after"));
  CHECK(retry > 800);
  CHECK(retry <= 900);
  // Other user ids from this address go on, until the address has 20 failures.
  set_password(w, "b2", kPassword);
  CHECK(login_request(w.port(), "b2", kPassword).status == 200);
  for (int i = 0; i < 14; ++i)
    REQUIRE(login_request(w.port(), "guess" + std::to_string(i), "wrong-password").status == 401);
  CHECK(login_request(w.port(), "b3", "wrong-password").status == 401);  // the 20th
  HttpResult address = login_request(w.port(), "b2", kPassword);
  CHECK(address.status == 429);
  CHECK(address.headers.count("retry-after") == 1);
  // Tokens are another door: not locked by failed logins.
  CHECK(w.as("b1").get("/v1/me").status == 200);

  w.server->stop();
  const std::string log = w.server->output();
  CHECK_THAT(log, Catch::Contains("login failed: user id 'b1' from 127.0.0.1"));
  CHECK_THAT(log, Catch::Contains("refused unchecked"));
  CHECK_THAT(log, !Catch::Contains("wrong-password"));
  CHECK_THAT(log, !Catch::Contains(kPassword));
}

TEST_CASE("failed bearer tokens are counted per address: refused unchecked past 100 a minute - "
          "logged in aggregate") {
  World w(false);
  int unauthorized = 0, throttled = 0;
  std::string retry_after;
  for (int i = 0; i < 150; ++i) {
    HttpResult r = http(w.port(), "GET", "/v1/me", "",
                        {{"Authorization", "Bearer guess-" + std::to_string(i)}});
    if (r.status == 401) ++unauthorized;
    if (r.status == 429) {
      ++throttled;
      retry_after = r.headers["retry-after"];
    }
  }
  CHECK(unauthorized == 100);
  CHECK(throttled == 50);
  CHECK(std::stoi(retry_after) >= 1);
  CHECK(std::stoi(retry_after) <= 60);
  auto metrics = http(w.port(), "GET", "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("brandledger_credential_failures_total 100"));
  CHECK_THAT(metrics.body, Catch::Contains("brandledger_auth_throttled_total 50"));
  w.server->stop();
  const std::string log = w.server->output();
  // A line for the address per period (every 10 s and at the stop), not one per guess.
  const std::regex line(R"((\d+) failed authentications \(bearer token or session cookie\) from )"
                        R"(127\.0\.0\.1[^\n]*?(?:\((\d+) attempts refused unchecked\))?\n)");
  int failures = 0, refused = 0, lines = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it, ++lines) {
    failures += std::stoi((*it)[1]);
    if ((*it)[2].matched) refused += std::stoi((*it)[2]);
  }
  CHECK(failures == 100);
  CHECK(refused == 50);
  CHECK(lines >= 1);
  CHECK(lines <= 3);
}

TEST_CASE("disabling a user stops its sessions and tokens at once - enabling restores the tokens") {
  World w;
  set_password(w, "u1", kPassword);
  Browser b = login(w, "u1", kPassword);
  REQUIRE(w.as("u1").get("/v1/me").status == 200);  // cached by now
  REQUIRE(b.get("/v1/me").status == 200);

  auto doc = World::obj(w.as("admin").patch("/v1/users/u1", {{"disabled", true}}));
  CHECK(doc.at("disabled").as_bool());
  HttpResult token = w.as("u1").get("/v1/me");
  CHECK(token.status == 401);
  CHECK(b.get("/v1/me").status == 401);
  CHECK(login_request(w.port(), "u1", kPassword).code() == "invalid_credentials");
  auto ended = World::obj(w.as("auditor").get("/v1/audit?type=SessionEnded"));
  CHECK(ended.at("items").as_array()[0].at("data").at("reason") == "disabled");

  World::obj(w.as("admin").patch("/v1/users/u1", {{"disabled", false}}));
  CHECK(w.as("u1").get("/v1/me").status == 200);
  CHECK(b.get("/v1/me").status == 401);  // the session ended for good
  CHECK(login_request(w.port(), "u1", kPassword).status == 200);
}

TEST_CASE("user administration: list and filter - change name - role and org - the last admin stays") {
  World w;
  auto all = World::obj(w.as("committee").get("/v1/users"));
  CHECK(all.at("items").as_array().size() == 17);
  auto experts = World::obj(w.as("auditor").get("/v1/users?role=expert&org=u1"));
  std::set<std::string> ids;
  for (const auto& u : experts.at("items").as_array()) ids.insert(text(u.at("id")));
  CHECK(ids == std::set<std::string>{"e1", "e4"});
  auto named = World::obj(w.as("admin").get("/v1/users?q=%E5%90%8C%E5%BF%97&role=unit"));  // 同志
  CHECK(named.at("items").as_array().size() == 3);
  CHECK(World::expect(w.as("admin").get("/v1/users?role=boss"), 400).at("field") == "role");
  CHECK(w.as("u1").get("/v1/users").status == 403);

  auto moved = World::obj(
      w.as("admin").patch("/v1/users/b1", {{"name", "新书记"}, {"role", "unit"}, {"org", "u1"}}));
  CHECK(moved.at("name") == "新书记");
  CHECK(moved.at("role") == "unit");
  CHECK(moved.at("org") == "u1");
  // At once: the same token now acts as a unit user of u1.
  auto me = World::obj(w.as("b1").get("/v1/me"));
  CHECK(me.at("role") == "unit");
  CHECK(me.at("org_name") == "单位u1");
  auto changed = World::obj(w.as("auditor").get("/v1/audit?type=UserChanged"));
  const auto changes = changed.at("items").as_array()[0].at("data").at("changes").as_object();
  CHECK(changes.at("role").at("from") == "branch");
  CHECK(changes.at("role").at("to") == "unit");

  CHECK(World::expect(w.as("admin").patch("/v1/users/b2", {{"role", "unit"}}), 422).at("code") ==
        "invalid_org");  // a unit user belongs to a unit
  CHECK(World::expect(w.as("admin").patch("/v1/users/b2", {{"role", "boss"}}), 400).at("field") ==
        "role");
  CHECK(World::expect(w.as("admin").patch("/v1/users/b2", {{"password", "x"}}), 400).at("field") ==
        "password");
  CHECK(w.as("admin").patch("/v1/users/nobody", {{"name", "x"}}).status == 404);
  CHECK(World::expect(w.as("admin").patch("/v1/users/admin", {{"disabled", true}}), 422)
            .at("code") == "last_admin");
  CHECK(World::expect(w.as("admin").patch("/v1/users/admin", {{"role", "auditor"}, {"org", "wc"}}),
                      422)
            .at("code") == "last_admin");
  // With a second administrator, the first may go.
  World::obj(w.as("admin").post(
      "/v1/users", {{"id", "admin2"}, {"name", "管理员二"}, {"role", "admin"}, {"password", kPassword}}));
  Browser second = login(w, "admin2", kPassword);
  HttpResult gone = second.call("PATCH", "/v1/users/admin", R"({"disabled":true})");
  CHECK(gone.status == 200);
  CHECK(w.as("admin").get("/v1/me").status == 401);
}

TEST_CASE("passwords: a user changes its own with the current one - which ends its other sessions - "
          "an admin sets anyone's") {
  World w;
  set_password(w, "e1", kPassword);
  Browser here = login(w, "e1", kPassword);
  Browser there = login(w, "e1", kPassword);

  const std::string target = "/v1/users/e1/password";
  CHECK(World::expect(here.call("PUT", target, R"({"password":"short"})"), 400).at("field") ==
        "password");
  CHECK(World::expect(here.call("PUT", target, R"({"password":"long-enough-new"})"), 400)
            .at("field") == "current");
  HttpResult wrong =
      here.call("PUT", target, R"({"password":"long-enough-new","current":"not-it-at-all"})");
  CHECK(wrong.status == 403);
  CHECK(wrong.code() == "invalid_credentials");
  CHECK(w.as("e2").put(target, {{"password", "long-enough-new"}}).status == 403);

  const std::string next = "另一个-password-2032";
  HttpResult changed = here.call(
      "PUT", target, boost::json::serialize(object{{"password", next}, {"current", kPassword}}));
  CHECK(changed.status == 200);
  CHECK(here.get("/v1/me").status == 200);    // this session goes on
  CHECK(there.get("/v1/me").status == 401);   // the other ended
  CHECK(login_request(w.port(), "e1", kPassword).status == 401);
  CHECK(login_request(w.port(), "e1", next).status == 200);
  auto set = World::obj(w.as("auditor").get("/v1/audit?type=PasswordSet"));
  const auto last = set.at("items").as_array()[0].as_object();  // newest first
  CHECK(last.at("actor").at("id") == "e1");
  CHECK(last.at("data").at("self") == true);

  // An admin resets it without the current one, and every session of the user ends.
  World::obj(w.as("admin").put(target, {{"password", kPassword}}));
  CHECK(here.get("/v1/me").status == 401);
  CHECK(login_request(w.port(), "e1", kPassword).status == 200);
}

TEST_CASE("API tokens: issued (shown once) - listed with last use - revoked") {
  World w;
  set_password(w, "b3", kPassword);
  Browser b = login(w, "b3", kPassword);
  HttpResult issued = b.call("POST", "/v1/users/b3/tokens", R"({"name":"报表脚本"})");
  REQUIRE(issued.status == 201);
  const auto token = issued.json().as_object();
  const std::string id(token.at("id").as_string()), secret(token.at("token").as_string());
  CHECK(id.starts_with("tk-"));
  CHECK(secret.size() == 64);
  Client script(w.port(), secret);
  CHECK(World::obj(script.get("/v1/me")).at("id") == "b3");

  auto list = World::obj(b.get("/v1/users/b3/tokens"));
  const auto& items = list.at("items").as_array();
  REQUIRE(items.size() == 2);  // the first, made with the user, and this one
  bool found = false;
  for (const auto& t : items) {
    CHECK_FALSE(t.as_object().contains("token"));
    CHECK(t.as_object().contains("created_at"));
    if (text(t.at("id")) == id) {
      found = true;
      CHECK(t.at("name") == "报表脚本");
      CHECK(t.at("last_used").is_string());  // used just now, not yet written out
    }
  }
  CHECK(found);
  CHECK_THAT(list.at("items").as_array()[0].as_object().at("id").as_string().c_str(),
             Catch::StartsWith("tk-"));
  CHECK(w.as("b1").get("/v1/users/b3/tokens").status == 403);
  CHECK(w.as("admin").get("/v1/users/b3/tokens").status == 200);
  CHECK(World::expect(b.call("POST", "/v1/users/b3/tokens", R"({"name":""})"), 400).at("field") ==
        "name");

  CHECK(b.call("DELETE", "/v1/users/b3/tokens/" + id).status == 200);
  CHECK(script.get("/v1/me").status == 401);
  CHECK(b.call("DELETE", "/v1/users/b3/tokens/" + id).status == 404);
  CHECK(w.as("b1").call("DELETE", "/v1/users/b3/tokens/tk-initial", "").status == 403);
  auto revoked = World::obj(w.as("auditor").get("/v1/audit?type=TokenRevoked"));
  CHECK(text(revoked.at("items").as_array()[0].at("data").at("token")) == id);
}

TEST_CASE("the live event stream takes the cookie alone - as a browser's EventSource sends it") {
  World w;
  set_password(w, "auditor", kPassword);
  Browser b = login(w, "auditor", kPassword);
  auto read = sse_read(w.port(), "/v1/events/stream?after=0",
                       {{"Cookie", "bl_session=" + b.cookie}, {"Accept", "text/event-stream"}}, 3,
                       10);
  CHECK(read.ids == std::vector<std::uint64_t>{1, 2, 3});
  CHECK_THAT(read.text, Catch::Contains("text/event-stream"));
  auto refused = sse_read(w.port(), "/v1/events/stream?after=0",
                          {{"Cookie", "bl_session=" + std::string(64, 'f')}}, 1, 2);
  CHECK(refused.ids.empty());
  CHECK_THAT(refused.text, Catch::Contains("401"));

  // An open stream ends with its session: the server checks it again at every poll.
  const auto start = std::chrono::steady_clock::now();
  std::thread reader([&] {
    sse_read(w.port(), "/v1/events/stream?after=0", {{"Cookie", "bl_session=" + b.cookie}},
             100000, 30);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(b.call("DELETE", "/v1/session").status == 204);
  reader.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}

TEST_CASE("no password - token or hash of either in any answer - the server's log or an export - "
          "backup and rebuild keep every credential - users set-password recovers an admin") {
  World w;
  Transcript t;
  const std::string admin_password = "管理员-password-0001";
  set_password(w, "admin", admin_password);
  set_password(w, "committee", kPassword);
  Browser admin = login(w, "admin", admin_password, &t);
  Browser committee = login(w, "committee", kPassword, &t);
  Browser unrecorded = committee;  // the one answer that shows the token
  unrecorded.transcript = nullptr;
  HttpResult issued = unrecorded.call("POST", "/v1/users/committee/tokens", R"({"name":"集成"})");
  REQUIRE(issued.status == 201);
  const std::string token(issued.json().at("token").as_string());
  Client script(w.port(), token);
  auto record = [&](const HttpResult& r) {
    t.add(r);
    return r;
  };
  record(script.get("/v1/me"));
  record(committee.get("/v1/users/committee/tokens"));
  record(admin.get("/v1/users"));
  record(admin.get("/v1/users/committee"));
  record(admin.get("/v1/events?limit=500"));
  record(admin.get("/v1/audit?limit=500"));
  record(admin.get("/v1/session"));
  // The files a spreadsheet user downloads: CSV as they come, XLSX unzipped (its cells are
  // deflated inside the zip, where a search of the raw bytes would find nothing).
  record(admin.get("/v1/audit?format=csv"));
  record(admin.get("/v1/brands?format=csv"));
  std::string xlsx_text;
  for (const char* target : {"/v1/audit?format=xlsx", "/v1/brands?format=xlsx"}) {
    HttpResult file = admin.get(target);
    REQUIRE(file.status == 200);
    const auto path = w.dir / "download.xlsx";
    std::ofstream(path, std::ios::binary) << file.body;
    Run unzipped = run_shell("python3 -c \"import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                             "print(''.join(z.read(n).decode('utf-8', 'replace') for n in "
                             "z.namelist()))\" " + path.string());
    REQUIRE(unzipped.code == 0);
    REQUIRE(unzipped.out.find("<sheetData") != std::string::npos);  // it was unzipped
    xlsx_text += unzipped.out;
  }
  record(login_request(w.port(), "committee", "wrong-password-x"));
  record(admin.call("PUT", "/v1/users/committee/password",
                    R"({"password":"second-password-9"})"));
  const std::string cookie_hash = to_hex(sha256(committee.cookie));

  // Recovery beside the running server: the admin's password from standard input.
  const std::string data = (w.dir / "data").string();
  Run recovered = run_shell("printf 'recovered-password-7\\n' | " +
                            std::string(BRANDLEDGER_BINARY) + " users set-password --data " + data +
                            " admin");
  INFO(recovered.out);
  REQUIRE(recovered.code == 0);
  CHECK(record(admin.get("/v1/me")).status == 401);  // its sessions ended
  CHECK(login_request(w.port(), "admin", admin_password).status == 401);
  Browser again = login(w, "admin", "recovered-password-7", &t);
  // The server's writer goes on after the other process's append.
  CHECK(record(again.call("POST", "/v1/orgs", R"({"id":"after","name":"恢复后","kind":"unit","parent":"wc"})"))
            .status == 201);
  auto audit = World::obj(record(w.as("auditor").get("/v1/audit?type=PasswordSet")));
  CHECK(audit.at("items").as_array()[0].at("actor").at("id") == "operator");
  CHECK(World::obj(w.as("auditor").get("/v1/admin/verify")).at("ok").as_bool());
  CHECK(run(std::string("users set-password --data ") + data + " nobody < /dev/null").code == 2);
  Run no_user = run_shell("printf 'long-enough-pw\\n' | " + std::string(BRANDLEDGER_BINARY) +
                          " users set-password --data " + data + " nobody");
  CHECK(no_user.code == 1);

  // Backup, then rebuild: logins, tokens and sessions all still work, on both.
  const std::string copy = (w.dir / "copy").string();
  REQUIRE(run("backup --data " + data + " --out " + copy).code == 0);
  REQUIRE(w.server->stop() == 0);
  std::string log = w.server->output();
  Run rebuilt = run("rebuild --data " + data);
  INFO(rebuilt.out);
  REQUIRE(rebuilt.code == 0);
  Run exported = run("export --data " + data);
  REQUIRE(exported.code == 0);
  for (const std::string& dir : {data, copy}) {
    ServerProcess server(dir);
    Browser kept = again;
    kept.port = server.port();
    CHECK(kept.get("/v1/me").status == 200);
    Client same(server.port(), token);
    CHECK(same.get("/v1/me").status == 200);
    HttpResult fresh = login_request(server.port(), "committee", "second-password-9");
    CHECK(fresh.status == 200);
    server.stop();
    log += server.output();
  }

  const std::vector<std::string> passwords = {kPassword, admin_password, "second-password-9",
                                              "recovered-password-7", "wrong-password-x"};
  const std::string answers = t.text;
  // The token only in the answer that issued it (shown once); the cookie only in Set-Cookie.
  const std::string issuing = issued.body;
  for (const std::string& where : {answers, log, exported.out, xlsx_text}) {
    for (const auto& p : passwords) CHECK(where.find(p) == std::string::npos);
    CHECK(where.find(token) == std::string::npos);
    CHECK(where.find(to_hex(sha256(token))) == std::string::npos);
    CHECK(where.find(cookie_hash) == std::string::npos);
    CHECK(where.find("$argon2") == std::string::npos);
    CHECK(where.find(w.as("committee").token()) == std::string::npos);
    CHECK(where.find(to_hex(sha256(w.as("committee").token()))) == std::string::npos);
  }
  CHECK(issuing.find(token) != std::string::npos);
  CHECK(std::regex_search(exported.out, std::regex("\"SessionStarted\"")));
}

TEST_CASE("behind a proxy: the public origin is the one Origin must match - cookies are Secure "
          "- the client is X-Forwarded-For's last address") {
  TempDir dir;
  ServerProcess server(dir / "data", {"--public-origin", "https://brand.example.org",
                                      "--trusted-proxy", "127.0.0.1"});
  const Client admin(server.port(), kAdminToken);
  REQUIRE(admin.put("/v1/users/admin/password", {{"password", kPassword}}).status == 200);
  const std::string body =
      boost::json::serialize(object{{"user", "admin"}, {"password", kPassword}});
  const Headers proxied = {{"Host", "brand.example.org"},
                           {"Origin", "https://brand.example.org"},
                           {"X-Forwarded-For", "203.0.113.9, 10.1.2.3"}};
  HttpResult in = http(server.port(), "POST", "/v1/session", body, proxied);
  REQUIRE(in.status == 200);
  CHECK_THAT(in.headers.at("set-cookie"), Catch::Contains("; Secure"));
  auto started = World::obj(admin.get("/v1/audit?type=SessionStarted"));
  CHECK(started.at("items").as_array()[0].at("data").at("address") == "10.1.2.3");

  const std::string cookie = "bl_session=" + cookie_value(in.headers.at("set-cookie"));
  const std::string csrf(in.json().at("csrf").as_string());
  const std::string org = R"({"id":"wc","name":"工委","kind":"committee"})";
  HttpResult by_host = http(server.port(), "POST", "/v1/orgs", org,
                            {{"Host", "127.0.0.1"},
                             {"Origin", "http://127.0.0.1"},
                             {"Cookie", cookie},
                             {"X-CSRF-Token", csrf}});
  CHECK(by_host.code() == "csrf");
  Headers ok = proxied;
  ok.emplace_back("Cookie", cookie);
  ok.emplace_back("X-CSRF-Token", csrf);
  CHECK(http(server.port(), "POST", "/v1/orgs", org, ok).status == 201);

  // Throttles count each client behind the proxy, not the proxy.
  for (int i = 0; i < 20; ++i)
    REQUIRE(http(server.port(), "POST", "/v1/session",
                 boost::json::serialize(object{{"user", "someone" + std::to_string(i)},
                                               {"password", "wrong-password"}}),
                 {{"X-Forwarded-For", "10.0.0.1"}, {"User-Agent", "guesser"}})
                .status == 401);
  CHECK(http(server.port(), "POST", "/v1/session", body, {{"X-Forwarded-For", "10.0.0.1"}})
            .status == 429);
  CHECK(http(server.port(), "POST", "/v1/session", body, {{"X-Forwarded-For", "10.0.0.2"}})
            .status == 200);
}

TEST_CASE("attempts sent at once count before their passwords are checked: at most 5 guesses "
          "for a user id") {
  World w(false);
  std::vector<std::thread> threads;
  std::atomic<int> checked{0}, throttled{0};
  for (int i = 0; i < 24; ++i)
    threads.emplace_back([&, i] {
      HttpResult r = login_request(w.port(), "admin", "guess-number-" + std::to_string(i));
      if (r.status == 401) ++checked;
      if (r.status == 429) ++throttled;
    });
  for (auto& t : threads) t.join();
  CHECK(checked <= 5);
  CHECK(checked + throttled == 24);
}

TEST_CASE("what a client may not send: hashes - token ids - an Idempotency-Key on a password "
          "change") {
  World w;
  const std::string hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
  auto refused = World::expect(
      w.as("admin").post("/v1/users", {{"id", "x1"},
                                       {"name", "x"},
                                       {"role", "auditor"},
                                       {"org", "wc"},
                                       {"password_hash", hash}}),
      400);
  CHECK(refused.at("field") == "password_hash");
  CHECK(World::expect(w.as("b1").post("/v1/users/b1/tokens",
                                      {{"name", "x"}, {"token_sha256", std::string(64, 'a')}}),
                      400)
            .at("field") == "token_sha256");
  HttpResult keyed = w.as("admin").call("PUT", "/v1/users/b1/password",
                                        R"({"password":"long-enough-1"})",
                                        {{"Idempotency-Key", "k1"}});
  CHECK(keyed.status == 400);
  CHECK(keyed.code() == "invalid_field");

  // A retried token request gets the first answer: the same id, and no token again.
  HttpResult first = w.as("b1").post("/v1/users/b1/tokens", {{"name", "重试"}},
                                     {{"Idempotency-Key", "token-1"}});
  HttpResult again = w.as("b1").post("/v1/users/b1/tokens", {{"name", "重试"}},
                                     {{"Idempotency-Key", "token-1"}});
  REQUIRE(first.status == 201);
  REQUIRE(again.status == 201);
  CHECK(first.json().at("id") == again.json().at("id"));
  CHECK(first.json().as_object().contains("token"));
  CHECK_FALSE(again.json().as_object().contains("token"));

  // An administrator with a password changes its own with it, like everyone.
  set_password(w, "admin", kPassword);
  CHECK(World::expect(w.as("admin").put("/v1/users/admin/password", {{"password", "another-one-2"}}),
                      400)
            .at("field") == "current");
  CHECK(w.as("admin")
            .put("/v1/users/admin/password", {{"password", "another-one-2"}, {"current", kPassword}})
            .status == 200);
}

TEST_CASE("a login past 20 sessions ends the oldest - at once") {
  World w;
  set_password(w, "auditor", kPassword);
  Browser oldest = login(w, "auditor", kPassword);
  REQUIRE(oldest.get("/v1/me").status == 200);  // cached
  for (int i = 0; i < 19; ++i) login(w, "auditor", kPassword);
  CHECK(oldest.get("/v1/me").status == 200);
  Browser newest = login(w, "auditor", kPassword);  // the 21st
  CHECK(oldest.get("/v1/me").status == 401);
  CHECK(newest.get("/v1/me").status == 200);
  auto ended = World::obj(w.as("auditor").get("/v1/audit?type=SessionEnded"));
  CHECK(ended.at("items").as_array()[0].at("data").at("reason") == "limit");
}
