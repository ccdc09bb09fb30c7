// A full disk under load: the real server on a 16 MiB tmpfs that a filler file takes up.
// Commands are answered 507 insufficient_storage with nothing written, reads go on, and
// once the filler is removed the server takes commands again by itself — the refused ones
// too, sent again with their Idempotency-Keys — and nothing acknowledged is lost.
//
// The tmpfs is mounted in a mount namespace of this test process's own (as root, or as
// root of a new user namespace where the kernel allows unprivileged ones), so nothing
// outside the test sees it.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "support/command_line.h"
#include "tests/api/world.h"
#include "tests/faults/filed_brands.h"
#include "tests/faults/log_check.h"

using namespace brandledger::testing;

namespace {

void write_proc(const char* path, const std::string& text) {
  std::ofstream(path) << text;
}

// This process's own mount table; "" on success, else why not.
std::string private_mounts() {
  if (geteuid() == 0) {
    if (unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + strerror(errno);
  } else {
    const uid_t uid = getuid();
    const gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
      return std::string("unshare(CLONE_NEWUSER|CLONE_NEWNS): ") + strerror(errno) +
             " (run as root, or allow unprivileged user namespaces)";
    write_proc("/proc/self/setgroups", "deny");
    write_proc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    write_proc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
  }
  // Keep our mounts from propagating out. Inside a chroot "/" may be no mount point at all
  // (EINVAL): then there is nothing to make private, and the tmpfs goes with the test anyway
  // (unmounted at its end, and with the namespace when the process exits).
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 && errno != EINVAL)
    return std::string("making mounts private: ") + strerror(errno);
  return "";
}

// A tmpfs of `bytes` at `dir`, unmounted at scope end.
struct SmallDisk {
  std::filesystem::path dir;
  SmallDisk(std::filesystem::path d, std::size_t bytes) : dir(std::move(d)) {
    std::filesystem::create_directories(dir);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    REQUIRE(mount("brandledger-test", dir.c_str(), "tmpfs", 0, options.c_str()) == 0);
  }
  ~SmallDisk() { umount2(dir.c_str(), MNT_DETACH); }
};

// Writes zeros into `path` until the disk refuses, then gives `leave` bytes back; returns
// the bytes it keeps.
std::size_t fill(const std::filesystem::path& path, std::size_t leave) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  static const std::string block(64 * 1024, '\0');
  std::size_t written = 0;
  for (std::size_t size = block.size(); size >= 512; size /= 2)
    for (;;) {
      const ssize_t n = ::write(fd, block.data(), size);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
  REQUIRE(written > leave);
  REQUIRE(::ftruncate(fd, static_cast<off_t>(written - leave)) == 0);
  ::close(fd);
  return written - leave;
}

}  // namespace

TEST_CASE("a full disk under load: 507 with nothing written while reads go on and commands "
          "resume by themselves once space is freed with nothing acknowledged lost") {
  const std::string why = private_mounts();
  INFO(why);
  REQUIRE(why == "");

  World w;
  const auto brands = filed_brands(w, 6);  // branch, brand id
  REQUIRE(w.server->stop() == 0);
  TempDir scratch;
  SmallDisk disk(scratch / "data", 16 << 20);
  // The backup is compact: the data without the zeros the server keeps written ahead.
  REQUIRE(run("backup --data " + (w.dir / "data").string() + " --out " + disk.dir.string()).code ==
          0);
  ServerProcess server(disk.dir);
  auto verified = World::obj(Client(server.port(), w.as("auditor").token()).get("/v1/admin/verify"));
  const auto events_at_start = verified.at("events").to_number<std::uint64_t>();
  const auto filler = disk.dir / "filler";
  // Room for a few commits, then none.
  REQUIRE(fill(filler, 256 << 10) > 0);

  std::map<std::string, std::vector<std::string>> acknowledged, refused;  // branch -> keys
  auto send = [&](const std::string& branch, const std::string& id, const std::string& key) {
    Client c(server.port(), w.as(branch).token());
    return c.post("/v1/brands/" + id + "/progress", {{"year", 2026}, {"summary", "进展 " + key}},
                  {{"Idempotency-Key", key}});
  };
  // Commands until the disk has refused 30 of them: LMDB first reuses the pages it freed.
  std::size_t refusals = 0;
  for (int n = 0; n < 5000 && refusals < 30; ++n) {
    const auto& [branch, id] = brands[static_cast<std::size_t>(n) % brands.size()];
    const std::string key = "full-" + std::to_string(n);
    auto r = send(branch, id, key);
    if (r.status < 300) {
      acknowledged[branch].push_back(key);
      continue;
    }
    INFO(r.status << " " << r.body);
    REQUIRE(r.status == 507);
    REQUIRE(r.code() == "insufficient_storage");
    REQUIRE(r.headers.at("content-type").find("application/problem+json") == 0);
    refused[branch].push_back(key);
    ++refusals;
    // Reads go on meanwhile: the brand, its history, the audit trail, health.
    Client reader(server.port(), w.as(branch).token());
    CHECK(reader.get("/v1/brands/" + id).status == 200);
    CHECK(reader.get("/v1/brands/" + id + "/history").status == 200);
    CHECK(Client(server.port(), w.as("auditor").token()).get("/v1/audit?limit=20").status == 200);
    CHECK(http(server.port(), "GET", "/healthz").status == 200);
  }
  REQUIRE(refusals == 30);

  std::size_t acknowledged_before = 0;
  for (const auto& [branch, keys] : acknowledged) acknowledged_before += keys.size();
  CHECK(acknowledged_before > 0);

  // Space comes back: the server takes commands again by itself, the refused ones too.
  std::filesystem::remove(filler);
  std::size_t retried = 0;
  for (const auto& [branch, id] : brands)
    for (const std::string& key : refused[branch]) {
      auto r = send(branch, id, key);
      INFO(r.status << " " << r.body);
      REQUIRE(r.status < 300);
      acknowledged[branch].push_back(key);
      ++retried;
    }
  for (int n = 0; n < 30; ++n) {
    const auto& [branch, id] = brands[static_cast<std::size_t>(n) % brands.size()];
    const std::string key = "after-" + std::to_string(n);
    REQUIRE(send(branch, id, key).status < 300);
    acknowledged[branch].push_back(key);
  }
  REQUIRE(server.stop() == 0);

  // Every acknowledged command once — the refused ones only from their second sending —
  // in a chain and views that verify.
  const LogContents log = read_log(disk.dir);
  REQUIRE(log.problem == "");
  std::size_t total = 0;
  for (const auto& [branch, keys] : acknowledged)
    for (const std::string& key : keys) {
      REQUIRE(once(log, command_id(branch, key)) == "");
      ++total;
    }
  CHECK(log.events == events_at_start + total);  // one event each, and nothing else
  std::printf("full disk: %zu commands acknowledged while it filled, then %zu refused 507 with nothing written, all taken when sent "
              "again after space was freed; %zu acknowledged, each in the log once\n",
              acknowledged_before, retried, total);
}
