// SHA-256 through OpenSSL: the event log's hash chain and the API's token hashes.
//
// Thread safety: safe from any thread (each thread keeps its own digest context).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace brandledger {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view bytes);

// Lower-case hex, 64 characters.
std::string to_hex(const Sha256Digest& digest);

// Constant-time equality, for secrets.
bool digests_equal(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace brandledger
