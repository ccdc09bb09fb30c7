#include "storage/meta_check.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

namespace brandledger::storage {
namespace {

// LMDB 0.9's on-disk meta page (lmdb's mdb.c: MDB_page header, then MDB_meta), 64-bit.
constexpr std::uint32_t kMagic = 0xBEEFC0DE;
constexpr std::uint32_t kDataVersion = 1;
constexpr std::uint16_t kPageFlagMeta = 0x08;
constexpr std::uint64_t kInvalidPage = ~std::uint64_t{0};
constexpr std::size_t kHeader = 16;  // pgno 8, pad 2, flags 2, lower 2, upper 2
constexpr std::size_t kMetaBytes = kHeader + 136;
constexpr std::size_t kMaxDepth = 64;

template <typename T>
T read_at(const char* page, std::size_t offset) {
  T v;
  std::memcpy(&v, page + offset, sizeof v);
  return v;
}

struct Meta {
  std::uint32_t page_size = 0;
  std::uint64_t last_page = 0, txnid = 0;
  std::string problem;  // "" when sound
};

Meta parse(const char* page, std::uint64_t file_size) {
  Meta m;
  const char* meta = page + kHeader;
  auto bad = [&](std::string what) {
    m.problem = std::move(what);
    return m;
  };
  if ((read_at<std::uint16_t>(page, 10) & kPageFlagMeta) == 0) return bad("not flagged a meta page");
  if (read_at<std::uint32_t>(meta, 0) != kMagic) return bad("no LMDB magic number");
  if (read_at<std::uint32_t>(meta, 4) != kDataVersion) return bad("an unknown LMDB format version");
  m.page_size = read_at<std::uint32_t>(meta, 24);  // kept in the free table's md_pad
  if (m.page_size < 512 || m.page_size > 65536 || (m.page_size & (m.page_size - 1)) != 0)
    return bad("a page size of " + std::to_string(m.page_size));
  m.last_page = read_at<std::uint64_t>(meta, 120);
  m.txnid = read_at<std::uint64_t>(meta, 128);
  if (m.last_page < 1 || m.last_page >= file_size / m.page_size)
    return bad("a last page (" + std::to_string(m.last_page) + ") past the file's end");
  for (std::size_t db = 0; db < 2; ++db) {
    const std::size_t at = 24 + db * 48;
    const auto depth = read_at<std::uint16_t>(meta, at + 6);
    const auto root = read_at<std::uint64_t>(meta, at + 40);
    if (root == kInvalidPage ? depth != 0 : (root < 2 || root > m.last_page || depth == 0))
      return bad("a table root (" + std::to_string(root) + ") outside the file's pages");
    if (depth > kMaxDepth) return bad("a table " + std::to_string(depth) + " levels deep");
  }
  return m;
}

}  // namespace

Status check_meta_pages(const std::filesystem::path& data_file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(data_file, ec);
  if (ec) return Status::Ok();  // no file yet: LMDB creates it
  std::ifstream in(data_file, std::ios::binary);
  auto page_at = [&](std::uint64_t offset) -> std::optional<std::string> {
    std::string page(kMetaBytes, '\0');
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(page.data(), static_cast<std::streamsize>(page.size()))) return std::nullopt;
    return page;
  };
  auto damaged = [&](int n, const std::string& what) {
    return Status::Corruption(data_file.string() + ": meta page " + std::to_string(n) +
                              " is damaged (" + what +
                              "); the data cannot be opened safely: restore the data dir from "
                              "a backup");
  };
  const auto first = page_at(0);
  if (!first) return Status::Corruption(data_file.string() + ": shorter than two pages");
  const Meta m0 = parse(first->data(), size);
  // The second meta page sits one page in: the size the first one states, else the usual 4 KiB.
  const std::uint32_t page_size = m0.problem.empty() ? m0.page_size : 4096;
  const auto second = page_at(page_size);
  if (!second) return Status::Corruption(data_file.string() + ": shorter than two pages");
  const Meta m1 = parse(second->data(), size);
  // LMDB opens the page with the larger transaction id (the first on a tie), whatever the
  // rest of either says; the other is only overwritten by the next commit.
  const bool second_newest = read_at<std::uint64_t>(second->data() + kHeader, 128) >
                             read_at<std::uint64_t>(first->data() + kHeader, 128);
  if (second_newest && !m1.problem.empty()) return damaged(1, m1.problem);
  if (!second_newest && !m0.problem.empty()) return damaged(0, m0.problem);
  const Meta& older = second_newest ? m0 : m1;
  if (!older.problem.empty())
    spdlog::warn("{}: the older meta page is damaged ({}); LMDB opens the newer one and the next "
                 "commit rewrites it. A disk that flips bits deserves a look.",
                 data_file.string(), older.problem);
  return Status::Ok();
}

Result<std::uint64_t> last_commit_id(const std::filesystem::path& data_file) {
  std::ifstream in(data_file, std::ios::binary);
  char first[kMetaBytes];
  if (!in.read(first, kMetaBytes)) return Status::IoError("cannot read " + data_file.string());
  const Meta m0 = parse(first, std::filesystem::file_size(data_file));
  if (!m0.problem.empty())
    return Status::Corruption(data_file.string() + ": meta page 0: " + m0.problem);
  char second[kMetaBytes];
  in.seekg(static_cast<std::streamoff>(m0.page_size));
  if (!in.read(second, kMetaBytes)) return Status::IoError("cannot read " + data_file.string());
  return std::max(read_at<std::uint64_t>(first + kHeader, 128),
                  read_at<std::uint64_t>(second + kHeader, 128));
}

}  // namespace brandledger::storage
