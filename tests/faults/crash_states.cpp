#include "tests/faults/crash_states.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace brandledger::powerloss {
namespace {

constexpr std::size_t kSector = 512;
constexpr std::size_t kBlock = 4096;

void write_into(Image& image, std::uint64_t offset, const char* bytes, std::uint64_t length) {
  if (image.size() < offset + length) image.resize(offset + length, '\0');
  if (bytes == nullptr)
    std::fill_n(image.begin() + static_cast<std::ptrdiff_t>(offset), length, '\0');
  else
    std::copy_n(bytes, length, image.begin() + static_cast<std::ptrdiff_t>(offset));
}

// Applies a write's bytes in [from, to) of the write (offsets into the write).
void apply_write(Image& image, const Operation& op, std::uint64_t from, std::uint64_t to) {
  const bool zeros = (op.header.flags & kZeros) != 0;
  write_into(image, op.header.offset + from, zeros ? nullptr : op.payload.data() + from, to - from);
}

void apply(Image& image, const Operation& op) {
  switch (op.header.kind) {
    case RecordKind::kWrite:
      apply_write(image, op, 0, op.header.length);
      break;
    case RecordKind::kTruncate:
      image.resize(op.header.length, '\0');
      break;
    case RecordKind::kAllocate:
      if ((op.header.flags & FALLOC_FL_PUNCH_HOLE) != 0)
        write_into(image, op.header.offset, nullptr,
                   std::min<std::uint64_t>(op.header.length,
                                           image.size() > op.header.offset
                                               ? image.size() - op.header.offset
                                               : 0));
      else if ((op.header.flags & FALLOC_FL_KEEP_SIZE) == 0 &&
               image.size() < op.header.offset + op.header.length)
        image.resize(op.header.offset + op.header.length, '\0');
      break;
    default:
      break;
  }
}

bool changes_file(const Operation& op) {
  return op.header.kind == RecordKind::kWrite || op.header.kind == RecordKind::kTruncate ||
         op.header.kind == RecordKind::kAllocate;
}

}  // namespace

Recording read_recording(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  Recording r;
  for (;;) {
    Operation op;
    in.read(reinterpret_cast<char*>(&op.header), sizeof op.header);
    if (in.gcount() == 0) break;
    if (in.gcount() != sizeof op.header) throw std::runtime_error("a torn record header");
    op.payload.resize(op.header.payload);
    in.read(op.payload.data(), op.header.payload);
    if (static_cast<std::size_t>(in.gcount()) != op.header.payload)
      throw std::runtime_error("a torn record payload");
    switch (op.header.kind) {
      case RecordKind::kFile:
        if (op.header.file != r.files.size()) throw std::runtime_error("file numbers out of order");
        r.files.push_back(op.payload);
        break;
      case RecordKind::kWrite:
        if ((op.header.flags & kZeros) == 0 && op.payload.size() != op.header.length)
          throw std::runtime_error("a write record without its bytes");
        ++r.writes;
        break;
      case RecordKind::kBarrier:
        ++r.barriers;
        break;
      case RecordKind::kTruncate:
      case RecordKind::kAllocate:
        break;
      case RecordKind::kUnsupported:
        r.unsupported.push_back(op.payload);
        break;
      default:
        throw std::runtime_error("an unknown record kind");
    }
    r.operations.push_back(std::move(op));
  }
  return r;
}

std::string CrashState::describe() const {
  return "power cut after record " + std::to_string(crash_point) + ": " +
         std::to_string(durable) + " durable writes, " + std::to_string(kept) + " of " +
         std::to_string(pending) + " pending writes kept whole, " + std::to_string(torn) +
         " torn";
}

CrashStateGenerator::CrashStateGenerator(const Recording& recording,
                                         std::map<std::string, Image> base, std::uint64_t seed)
    : recording_(recording), base_(std::move(base)), random_(seed) {
  const auto& ops = recording_.operations;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    // Just before a barrier completes: everything since the one before is pending.
    if (ops[i].header.kind == RecordKind::kBarrier) edges_.push_back(i);
    // Just after a synchronous write (LMDB's meta page: the commit point).
    if (ops[i].header.kind == RecordKind::kWrite && (ops[i].header.flags & kDataSync) != 0)
      edges_.push_back(i + 1);
  }
}

CrashState CrashStateGenerator::next() {
  const std::size_t n = recording_.operations.size();
  std::size_t point;
  if (!edges_.empty() && std::uniform_int_distribution<int>(0, 1)(random_) == 0)
    point = edges_[std::uniform_int_distribution<std::size_t>(0, edges_.size() - 1)(random_)];
  else
    point = std::uniform_int_distribution<std::size_t>(0, n)(random_);
  const int pick = std::uniform_int_distribution<int>(0, 7)(random_);
  return make(point, pick == 0 ? Keep::kNone : pick == 1 ? Keep::kAll : Keep::kRandom);
}

CrashState CrashStateGenerator::at(std::size_t crash_point, bool keep_pending) {
  return make(crash_point, keep_pending ? Keep::kAll : Keep::kNone);
}

CrashState CrashStateGenerator::make(std::size_t crash_point, Keep keep) {
  const auto& ops = recording_.operations;
  crash_point = std::min(crash_point, ops.size());
  // Per file, the first record not covered by a completed barrier.
  std::vector<std::size_t> covered(recording_.files.size(), 0);
  for (std::size_t i = 0; i < crash_point; ++i) {
    const RecordHeader& h = ops[i].header;
    if (h.kind != RecordKind::kBarrier) continue;
    if (h.file == kEveryFile)
      std::fill(covered.begin(), covered.end(), i);
    else if (h.file < covered.size())
      covered[h.file] = i;
  }

  CrashState state;
  state.crash_point = crash_point;
  std::vector<Image*> images(recording_.files.size(), nullptr);
  for (std::size_t f = 0; f < recording_.files.size(); ++f) {
    const std::string& name = recording_.files[f];
    auto base = base_.find(name);
    images[f] = &state.files.emplace(name, base == base_.end() ? Image() : base->second)
                     .first->second;
  }
  std::bernoulli_distribution coin(0.5);
  std::uniform_int_distribution<int> fate(0, 2);  // lost, kept whole, torn
  for (std::size_t i = 0; i < crash_point; ++i) {
    const Operation& op = ops[i];
    if (!changes_file(op) || op.header.file >= images.size()) continue;
    Image& image = *images[op.header.file];
    const bool synchronous =
        op.header.kind == RecordKind::kWrite && (op.header.flags & kDataSync) != 0;
    if (i < covered[op.header.file] || synchronous) {
      apply(image, op);
      ++state.durable;
      continue;
    }
    ++state.pending;
    const int f = keep == Keep::kNone ? 0 : keep == Keep::kAll ? 1 : fate(random_);
    if (f == 1 || (f == 2 && op.header.kind != RecordKind::kWrite)) {
      apply(image, op);
      ++state.kept;
    } else if (f == 2) {
      // Torn: each 512-byte sector of the disk the write touches, on its own.
      bool any = false;
      const std::uint64_t start = op.header.offset, end = start + op.header.length;
      for (std::uint64_t s = start; s < end;) {
        const std::uint64_t sector_end = std::min(end, (s / kSector + 1) * kSector);
        if (coin(random_)) {
          apply_write(image, op, s - start, sector_end - start);
          any = true;
        }
        s = sector_end;
      }
      if (any) ++state.torn;
    }
  }
  return state;
}

void write_state(const CrashState& state, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& [name, image] : state.files) {
    const auto path = dir / name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + path.string());
    static const std::string kZeroBlock(kBlock, '\0');
    for (std::size_t at = 0; at < image.size(); at += kBlock) {
      const std::size_t n = std::min(kBlock, image.size() - at);
      if (image.compare(at, n, kZeroBlock, 0, n) == 0) continue;  // a hole reads as zeros
      if (::pwrite(fd, image.data() + at, n, static_cast<off_t>(at)) != static_cast<ssize_t>(n)) {
        ::close(fd);
        throw std::runtime_error("cannot write " + path.string());
      }
    }
    if (::ftruncate(fd, static_cast<off_t>(image.size())) != 0) {
      ::close(fd);
      throw std::runtime_error("cannot size " + path.string());
    }
    ::close(fd);
  }
}

}  // namespace brandledger::powerloss
