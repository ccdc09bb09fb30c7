// HTTPS (--tls-cert/--tls-key) from outside, as clients meet it: curl and openssl s_client
// against a real server process on a certificate made for the test. TLS 1.2 and 1.3 only,
// forward-secret AEAD suites, Strict-Transport-Security on every answer, the session
// cookie Secure, and plain HTTP on the TLS port refused without harm.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "support/temp_dir.h"
#include "tests/api/server_process.h"

namespace brandledger::testing {
namespace {

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run run(const std::string& command) {
  Run r;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  r.status = ::pclose(pipe);
  return r;
}

// A handshake by openssl s_client with `options`; its whole output.
Run s_client(unsigned short port, const std::string& options) {
  return run("openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " " + options +
             " </dev/null");
}

}  // namespace

TEST_CASE("HTTPS: TLS 1.2 and 1.3 only with forward-secret AEAD suites - HSTS - a Secure cookie - plain HTTP refused") {
  TempDir dir;
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const Run made = run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                       "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " + key +
                       " -out " + cert);
  INFO(made.output);
  REQUIRE(made.status == 0);
  ServerProcess server(dir / "data", {"--tls-cert", cert, "--tls-key", key});
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  const std::string curl = "curl -sS --max-time 10 --cacert " + cert + " ";

  // A client that trusts the certificate gets its answers, each with HSTS.
  Run health = run(curl + "-D - -o /dev/null " + base + "/healthz");
  INFO(health.output);
  CHECK(health.status == 0);
  CHECK(health.output.find("HTTP/1.1 200") != std::string::npos);
  CHECK(health.output.find("Strict-Transport-Security: max-age=31536000") != std::string::npos);
  // One that does not trust it refuses the server (curl checks, as browsers do).
  CHECK(run("curl -sS --max-time 10 -o /dev/null " + base + "/healthz").status != 0);

  // The session cookie is Secure over TLS.
  const std::string admin = "-H 'Authorization: Bearer " + std::string(kAdminToken) + "' ";
  Run set = run(curl + "-o /dev/null -w '%{http_code}' -X PUT " + admin +
                "-H 'Content-Type: application/json' -d '{\"password\":\"tls-test-password-1\"}' " + base +
                "/v1/users/admin/password");
  INFO(set.output);
  CHECK(set.output == "200");
  Run login = run(curl + "-D - -o /dev/null -X POST -H 'Content-Type: application/json' -H 'Origin: " +
                  base + "' -d '{\"user\":\"admin\",\"password\":\"tls-test-password-1\"}' " + base +
                  "/v1/session");
  INFO(login.output);
  CHECK(login.output.find("HTTP/1.1 200") != std::string::npos);
  const auto cookie = login.output.find("Set-Cookie: bl_session=");
  REQUIRE(cookie != std::string::npos);
  CHECK(login.output.substr(cookie, login.output.find('\n', cookie) - cookie).find("; Secure") !=
        std::string::npos);

  // Protocol versions: 1.2 and 1.3 speak; 1.1 and 1.0 do not, even from a client that would.
  CHECK(s_client(server.port(), "-tls1_3").output.find("New, TLSv1.3, Cipher is TLS_") != std::string::npos);
  CHECK(s_client(server.port(), "-tls1_2").output.find("New, TLSv1.2, Cipher is ECDHE-ECDSA-") !=
        std::string::npos);
  for (const char* old : {"-tls1_1", "-tls1"}) {
    Run r = s_client(server.port(), std::string(old) + " -cipher DEFAULT@SECLEVEL=0");
    INFO(old << "\n" << r.output);
    CHECK(r.status != 0);
    CHECK(r.output.find("Cipher is (NONE)") != std::string::npos);
  }
  // Suites: no CBC, no static RSA (no forward secrecy) in TLS 1.2.
  for (const char* weak : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256"}) {
    Run r = s_client(server.port(), std::string("-tls1_2 -cipher ") + weak);
    INFO(weak << "\n" << r.output);
    CHECK(r.status != 0);
  }
  CHECK(s_client(server.port(), "-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305").status == 0);

  // Plain HTTP on the TLS port gets no answer, and hurts nothing.
  CHECK(run("curl -sS --max-time 10 http://127.0.0.1:" + std::to_string(server.port()) + "/healthz").status != 0);
  CHECK(run(curl + "-o /dev/null -w '%{http_code}' " + base + "/healthz").output == "200");

  // Nothing secret in the server's log: not the private key, not the password, not the
  // session cookie.
  REQUIRE(server.stop() == 0);
  std::ifstream key_file(key);
  for (std::string line; std::getline(key_file, line);)
    if (line.find("-----") == std::string::npos && line.size() > 16)
      CHECK(server.output().find(line) == std::string::npos);
  CHECK(server.output().find("tls-test-password-1") == std::string::npos);
  const std::string rest = login.output.substr(cookie + 23);  // past "Set-Cookie: bl_session="
  const std::string session = rest.substr(0, rest.find(';'));
  REQUIRE(session.size() >= 16);
  CHECK(server.output().find(session) == std::string::npos);
}

TEST_CASE("a server given a key that is not its certificate's refuses to start and says why") {
  TempDir dir;
  for (const char* name : {"a", "b"})
    REQUIRE(run(std::string("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                            "-subj /CN=x -keyout ") + (dir / name).string() + ".key -out " +
                (dir / name).string() + ".pem")
                .status == 0);
  Run r = run(std::string(BRANDLEDGER_BINARY) + " serve --data " + (dir / "data").string() +
              " --listen 127.0.0.1:0 --tls-cert " + (dir / "a.pem").string() + " --tls-key " +
              (dir / "b.key").string());
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK(r.output.find("--tls-key " + (dir / "b.key").string()) != std::string::npos);
  CHECK(r.output.find("mismatch") != std::string::npos);  // OpenSSL: key values mismatch
  Run half = run(std::string(BRANDLEDGER_BINARY) + " serve --data " + (dir / "data").string() +
                 " --tls-cert " + (dir / "a.pem").string());
  CHECK(half.status != 0);
  CHECK(half.output.find("--tls-cert and --tls-key go together") != std::string::npos);
}

}  // namespace brandledger::testing
